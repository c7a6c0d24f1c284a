"""The ledger's own PostgreSQL pool (adapters/postgres/connections.py), against the real PostgreSQL."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator, Callable
from typing import Any

import asyncpg
import pytest

from tests import backends
from vaxbook.adapters.postgres.connections import Connections
from vaxbook.adapters.postgres.ledger import PostgresLedger
from vaxbook.domain.errors import Problem, VaxbookError


def _named_connect() -> tuple[str, Callable[[], Any]]:
    """A connect function whose connections carry a name of their own in pg_stat_activity."""
    name = f"vaxbook-test-{secrets.token_hex(4)}"
    return name, lambda: asyncpg.connect(backends.POSTGRES_URL, server_settings={"application_name": name})


async def _open_on_server(name: str) -> int:
    """How many connections of this name the server has now."""
    admin = await asyncpg.connect(backends.POSTGRES_URL)
    try:
        return int(await admin.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1", name))
    finally:
        await admin.close()


async def _until(condition: Callable[[], Any], seconds: float = 5.0) -> None:
    """Wait until the async condition holds, or fail after `seconds`."""
    for _ in range(int(seconds / 0.02)):
        if await condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the condition never held")


async def _cut_off_mid_statement(connection: Any) -> None:
    """Start a 30 s statement on the connection and cancel it while the server runs it."""
    slow = asyncio.create_task(connection.execute("SELECT pg_sleep(30)"))
    await asyncio.sleep(0.2)
    slow.cancel()
    with pytest.raises(asyncio.CancelledError):
        await slow


async def _until_closed(connection: Any) -> None:
    """Wait until the client side of the connection is closed."""
    async def closed() -> bool:
        return bool(connection.is_closed())

    await _until(closed)


@pytest.fixture
async def three() -> AsyncIterator[tuple[Connections, str]]:
    """A pool of at most three connections, and the name its connections carry on the server."""
    name, connect = _named_connect()
    pool = Connections(connect, 3)
    yield pool, name
    await pool.close()


async def test_a_burst_never_opens_more_than_the_size(three: tuple[Connections, str]) -> None:
    """Twenty statements at once on a pool of three all answer, over at most three connections."""
    pool, name = three
    seen: set[int] = set()

    async def one() -> None:
        connection = await pool.take(10.0)
        try:
            seen.add(await connection.fetchval("SELECT pg_backend_pid() FROM pg_sleep(0.02)"))
        finally:
            pool.give_back(connection)

    await asyncio.gather(*(one() for _ in range(20)))
    assert len(seen) <= 3
    assert pool.size <= 3 and await _open_on_server(name) <= 3


async def test_a_wait_past_its_bound_times_out_and_the_pool_recovers(three: tuple[Connections, str]) -> None:
    """With every connection held, a take bounded at 0.1 s raises TimeoutError; once one is given
    back, the next take has it."""
    pool, _ = three
    held = [await pool.take(1.0) for _ in range(3)]
    with pytest.raises(TimeoutError):
        await pool.take(0.1)
    pool.give_back(held.pop())
    again = await pool.take(0.1)
    assert await again.fetchval("SELECT 1") == 1
    for connection in [again, *held]:
        pool.give_back(connection)


async def test_a_connection_left_in_a_transaction_is_not_handed_on(three: tuple[Connections, str]) -> None:
    """A connection given back inside an open transaction is closed, so no caller inherits it."""
    pool, _ = three
    connection = await pool.take(1.0)
    await connection.execute("BEGIN")
    pool.give_back(connection)
    await _until_closed(connection)
    fresh = await pool.take(1.0)
    assert fresh is not connection and not fresh.is_in_transaction()
    pool.give_back(fresh)


async def test_an_interrupted_statement_closes_its_connection_on_the_server(
    three: tuple[Connections, str],
) -> None:
    """Work cut off mid-statement gives its connection back closed: the server ends that backend's
    statement, and the next caller gets a working connection at once."""
    pool, name = three
    connection = await pool.take(1.0)
    pid = connection.get_server_pid()
    await _cut_off_mid_statement(connection)
    pool.give_back(connection, interrupted=True)

    async def backend_gone() -> bool:
        admin = await asyncpg.connect(backends.POSTGRES_URL)
        try:
            return not await admin.fetchval("SELECT count(*) FROM pg_stat_activity WHERE pid = $1", pid)
        finally:
            await admin.close()

    await _until(backend_gone)
    following = await asyncio.wait_for(pool.take(1.0), 2.0)
    assert await following.fetchval("SELECT 1") == 1 and following.get_server_pid() != pid
    pool.give_back(following)
    assert pool.size == 1 and await _open_on_server(name) == 1


async def test_a_connection_the_server_ended_is_not_handed_out(three: tuple[Connections, str]) -> None:
    """A free connection PostgreSQL terminated (a failover, an operator) is skipped: the next
    take opens a new one that works."""
    pool, _ = three
    connection = await pool.take(1.0)
    pid = connection.get_server_pid()
    pool.give_back(connection)
    admin = await asyncpg.connect(backends.POSTGRES_URL)
    try:
        await admin.execute("SELECT pg_terminate_backend($1)", pid)
    finally:
        await admin.close()
    await _until_closed(connection)
    fresh = await pool.take(1.0)
    assert fresh.get_server_pid() != pid and await fresh.fetchval("SELECT 1") == 1
    pool.give_back(fresh)
    assert pool.size == 1


async def test_a_connection_idle_past_its_lifetime_is_closed() -> None:
    """A connection left free longer than idle_seconds is closed on the server, not reused."""
    name, connect = _named_connect()
    pool = Connections(connect, 3, idle_seconds=0.1)
    try:
        first = await pool.take(1.0)
        pool.give_back(first)
        await asyncio.sleep(0.2)
        second = await pool.take(1.0)
        assert second is not first
        pool.give_back(second)

        async def only_the_second_left() -> bool:
            return await _open_on_server(name) == 1

        await _until(only_the_second_left)
        assert first.is_closed() and pool.size == 1
    finally:
        await pool.close()


async def test_a_cancelled_ledger_statement_leaves_the_ledger_serving() -> None:
    """A request cancelled mid-statement (its client gone, a deadline) neither blocks nor breaks
    the next one: the ledger's pool of one answers the next statement at once."""
    url = await backends.create_database()
    ledger = PostgresLedger(url, pool_size=1)
    await ledger.open()
    try:
        async def slow(db: Any) -> None:
            await db.execute("SELECT pg_sleep(30)")

        cut = asyncio.create_task(ledger.transaction(slow))
        await asyncio.sleep(0.3)
        cut.cancel()
        with pytest.raises(asyncio.CancelledError):
            await cut
        await asyncio.wait_for(ledger.ping(), 2.0)
    finally:
        await ledger.close()
        await backends.drop_database(url)


async def test_the_floor_is_opened_ahead_of_the_first_requests() -> None:
    """fill(2) leaves two connections open and free, so the first two requests connect no more."""
    name, connect = _named_connect()
    pool = Connections(connect, 3)
    try:
        await pool.fill(2)
        assert pool.size == 2 and pool.idle_size == 2 and await _open_on_server(name) == 2
    finally:
        await pool.close()
    await _until(lambda: _none_left(name))


async def _none_left(name: str) -> bool:
    """Whether the server has no connection of this name left."""
    return await _open_on_server(name) == 0


async def test_an_interrupted_connection_keeps_its_place_until_it_is_closed() -> None:
    """A pool of one whose connection was cut off mid-statement hands out the next one only once
    the first is closed: never two connections on the server."""
    name, connect = _named_connect()
    pool = Connections(connect, 1)
    try:
        first = await pool.take(1.0)
        await _cut_off_mid_statement(first)
        pool.give_back(first, interrupted=True)
        second = await pool.take(5.0)
        assert first.is_closed() and second is not first
        assert await _open_on_server(name) == 1
        pool.give_back(second)
    finally:
        await pool.close()


async def test_a_caller_waiting_when_the_pool_closes_is_refused_and_opens_nothing() -> None:
    """A take still waiting for a connection when the pool closes raises, and no connection is
    opened for it afterwards."""
    name, connect = _named_connect()
    pool = Connections(connect, 1)
    held = await pool.take(1.0)
    waiting = asyncio.create_task(pool.take(5.0))
    await asyncio.sleep(0.05)
    await pool.close()
    pool.give_back(held)
    with pytest.raises(RuntimeError):
        await waiting
    await _until(lambda: _none_left(name))
    assert pool.size == 0


async def test_a_refused_piece_of_work_keeps_its_connection() -> None:
    """Work the ledger refuses (a full slot, a replayed key) gives its connection back for the
    next request: the same server backend answers next, no new connection is made."""
    url = await backends.create_database()
    ledger = PostgresLedger(url, pool_size=1)
    await ledger.open()
    try:
        pids: list[int] = []

        async def refused(db: Any) -> None:
            pids.append(await db.fetchval("SELECT pg_backend_pid()"))
            raise VaxbookError(Problem.SLOT_FULL)

        with pytest.raises(VaxbookError):
            await ledger.transaction(refused)
        assert await ledger.one_statement(lambda db: db.fetchval("SELECT pg_backend_pid()")) == pids[0]
    finally:
        await ledger.close()
        await backends.drop_database(url)


async def test_a_failed_connect_gives_its_place_back() -> None:
    """Connects that fail (the server down for a moment) leave no place taken: after three
    failures a pool of one still connects at once once the server answers again."""
    name, connect = _named_connect()
    failures = 3

    async def flaky() -> Any:
        nonlocal failures
        if failures:
            failures -= 1
            raise ConnectionRefusedError("the server is down")
        return await connect()

    pool = Connections(flaky, 1)
    try:
        for _ in range(3):
            with pytest.raises(ConnectionRefusedError):
                await pool.take(0.1)
        assert pool.size == 0
        connection = await pool.take(0.1)
        assert await connection.fetchval("SELECT 1") == 1 and pool.size == 1
        assert await _open_on_server(name) == 1
        pool.give_back(connection)
    finally:
        await pool.close()
