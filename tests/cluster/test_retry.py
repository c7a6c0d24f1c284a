"""PostgreSQL only: real serialization failures are retried, with a bound."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest

from vaxbook.adapters.postgres.retry import MAX_ATTEMPTS, with_retries


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

