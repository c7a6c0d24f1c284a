"""PostgreSQL only: real serialization failures and lost connections are retried, with bounds."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest

from vaxbook.adapters.postgres.ledger import PostgresLedger
from vaxbook.adapters.postgres.retry import LOST_BUDGET_SECONDS, LOST_MAX_ATTEMPTS, MAX_ATTEMPTS, with_retries
from vaxbook.ports import BackendUnavailable


@pytest.fixture
async def counter(cluster_database: str) -> AsyncIterator[str]:
    """A one-row table in the session's database, for conflicting transactions to fight over."""
    connection = await asyncpg.connect(cluster_database)
    await connection.execute("CREATE TABLE IF NOT EXISTS retry_probe (n integer NOT NULL)")
    await connection.execute("TRUNCATE retry_probe; INSERT INTO retry_probe VALUES (0)")
    await connection.close()
    yield cluster_database
    connection = await asyncpg.connect(cluster_database)
    await connection.execute("DROP TABLE retry_probe")
    await connection.close()


async def conflicting_increment(url: str, conflict: bool) -> None:
    """At REPEATABLE READ, read, let another session update the row, then update it: 40001."""
    mine, other = await asyncpg.connect(url), await asyncpg.connect(url)
    try:
        async with mine.transaction(isolation="repeatable_read"):
            await mine.fetchval("SELECT n FROM retry_probe")
            if conflict:
                await other.execute("UPDATE retry_probe SET n = n + 100")
            await mine.execute("UPDATE retry_probe SET n = n + 1")
    finally:
        await mine.close()
        await other.close()


async def test_a_serialization_failure_is_retried(counter: str) -> None:
    """A transaction that loses a write conflict once succeeds on its second attempt."""
    attempts = 0

    async def work() -> None:
        nonlocal attempts
        attempts += 1
        await conflicting_increment(counter, conflict=attempts == 1)

    await with_retries(work)
    assert attempts == 2
    connection = await asyncpg.connect(counter)
    assert await connection.fetchval("SELECT n FROM retry_probe") == 101
    await connection.close()


async def test_retries_stop_at_the_bound(counter: str) -> None:
    """A transaction that always conflicts is tried MAX_ATTEMPTS times, then the error is raised."""
    attempts = 0

    async def work() -> None:
        nonlocal attempts
        attempts += 1
        await conflicting_increment(counter, conflict=True)

    with pytest.raises(asyncpg.exceptions.SerializationError):
        await with_retries(work)
    assert attempts == MAX_ATTEMPTS



@pytest.fixture
async def ledger(cluster_database: str) -> AsyncIterator[PostgresLedger]:
    opened = PostgresLedger(cluster_database, pool_size=2)
    await opened.open()
    yield opened
    await opened.close()


async def terminate(url: str, pid: int) -> None:
    """What a failover or an operator does to a connection: the server ends it."""
    admin = await asyncpg.connect(url)
    try:
        await admin.execute("SELECT pg_terminate_backend($1)", pid)
    finally:
        await admin.close()


async def test_a_connection_terminated_inside_a_transaction_is_retried(
    ledger: PostgresLedger, cluster_database: str
) -> None:
    """A connection the server ends mid-transaction (even if asyncpg then fails in
    Transaction.__aexit__) is retried on a fresh connection, and the work succeeds."""
    attempts = 0

    async def work(db: Any) -> int:
        nonlocal attempts
        attempts += 1
        if attempts == 1:
            await terminate(cluster_database, db.get_server_pid())
        return int(await db.fetchval("SELECT 1"))

    assert await ledger.transaction(work) == 1
    assert attempts == 2


async def test_a_cancel_whose_connection_was_terminated_is_a_503_not_a_retry(
    ledger: PostgresLedger, cluster_database: str
) -> None:
    """Work that cannot be replayed (a cancel) is not retried after a lost connection: it leaves as
    the port's BackendUnavailable (a 503 with Retry-After), never as a driver error (a 500)."""
    attempts = 0

    async def work(db: Any) -> None:
        nonlocal attempts
        attempts += 1
        await terminate(cluster_database, db.get_server_pid())
        await db.fetchval("SELECT 1")

    with pytest.raises(BackendUnavailable):
        await ledger.transaction(work, replay_safe=False)
    assert attempts == 1


async def test_lost_connections_are_retried_within_a_budget(
    ledger: PostgresLedger, cluster_database: str
) -> None:
    """A connection lost on every attempt is retried at most LOST_MAX_ATTEMPTS times within
    LOST_BUDGET_SECONDS, then leaves as BackendUnavailable."""
    attempts = 0

    async def work(db: Any) -> None:
        nonlocal attempts
        attempts += 1
        await terminate(cluster_database, db.get_server_pid())
        await db.fetchval("SELECT 1")

    began = time.monotonic()
    with pytest.raises(BackendUnavailable):
        await ledger.transaction(work)
    assert 1 < attempts <= LOST_MAX_ATTEMPTS
    assert time.monotonic() - began < LOST_BUDGET_SECONDS + 2  # the last attempt's own time
