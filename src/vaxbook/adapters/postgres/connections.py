"""The ledger's PostgreSQL connections: asyncpg connections in a plain pool of our own.

Why not asyncpg's pool: it gives a connection back through `asyncio.shield(...)`, a new task on
every release, and keeps a holder, a timer and a queue around each connection. That was 41 of
the 95 us of client CPU a pooled one-statement round trip cost (`benchmarks/pool_overhead.py`),
and a journey sends about eight statements, a booking one. Here taking a free connection is a
list pop and giving it back a list append, with no await in between that a cancellation could
split.

What a connection must be to be used again, checked when it is given back (no round trip):
open, outside a transaction, and given back by work that was not interrupted. Work interrupted
in the middle of a statement (cancelled, timed out) leaves the connection mid-conversation, so
it is closed instead, in the background, once asyncpg's cancel request for the statement has
reached the server (an open transaction is rolled back, nothing half-written stays), and a new
one is opened when next needed. A connection the server or the network closed is
skipped when it is next taken.

A burst waits for a connection, in arrival order, up to the caller's bound (the pool_wait
setting); past it `take` raises TimeoutError (the ledger's BackendBusy). At most `size`
connections are in use at once (one given back unfit keeps its place until it is closed).
One left idle longer than `idle_seconds` is closed, so after a failover a worker's idle
connections do not linger on the old primary.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

T = TypeVar("T")
IDLE_SECONDS = 60.0  # asyncpg's max_inactive_connection_lifetime, as the ledger set it before


class Connections:
    """At most `size` connections made by `connect`; free ones reused most recent first."""

    def __init__(self, connect: Callable[[], Awaitable[Any]], size: int,
                 idle_seconds: float = IDLE_SECONDS) -> None:
        self._connect = connect
        self.max_size = size
        self._idle_seconds = idle_seconds
        self._free = asyncio.Semaphore(size)  # one permit per connection that may be in use
        self._idle: list[tuple[Any, float]] = []  # (connection, monotonic time it was given back)
        self._open = 0
        self._closed = False
        self._closing: set[asyncio.Task[None]] = set()

    @property
    def size(self) -> int:
        """Connections open now, in use or idle."""
        return self._open

    @property
    def idle_size(self) -> int:
        return len(self._idle)

    async def fill(self, count: int) -> None:
        """Open up to `count` connections ahead of the first requests (the pool's floor): all are
        held at once, so each take past the free ones connects."""
        taken: list[Any] = []
        try:
            for _ in range(min(count, self.max_size)):
                taken.append(await self.take(0.0))
        finally:
            for connection in taken:
                self.give_back(connection)

    async def run(self, work: Callable[[Any], Awaitable[T]], wait_seconds: float) -> T:
        """`work` on one connection, given back closed if the work did not finish."""
        connection = await self.take(wait_seconds)
        finished = False
        try:
            result = await work(connection)
            finished = True
            return result
        finally:
            self.give_back(connection, interrupted=not finished)

    async def take(self, wait_seconds: float) -> Any:
        """A connection for this caller alone until `give_back`; TimeoutError if none is free
        within `wait_seconds` (the connect's own failures propagate as they are)."""
        self._refuse_if_closed()
        if self._free.locked():
            async with asyncio.timeout(wait_seconds):
                await self._free.acquire()
        else:
            await self._free.acquire()  # a free permit: returns at once
        try:
            self._refuse_if_closed()  # closed while this caller waited
            connection = self._reusable()
            if connection is None:
                connection = await self._connect()
                self._open += 1
            return connection
        except BaseException:
            self._free.release()
            raise

    def give_back(self, connection: Any, *, interrupted: bool = False) -> None:
        """Return the connection: kept for the next caller if it is fit, closed otherwise.
        `interrupted`: the work using it was cut off (cancelled, timed out, failed mid-way)."""
        if not (interrupted or self._closed or connection.is_closed() or connection.is_in_transaction()):
            self._idle.append((connection, time.monotonic()))
            self._free.release()
        else:
            # Its permit is kept until it is closed: no more than `size` connections on the server.
            self._open -= 1
            self._close_later(connection, self._free.release)
        self._close_stale()

    def _refuse_if_closed(self) -> None:
        if self._closed:
            raise RuntimeError("the connections are closed")

    def _reusable(self) -> Any:
        while self._idle:
            connection, since = self._idle.pop()
            if connection.is_closed():
                self._open -= 1
            elif time.monotonic() - since > self._idle_seconds:
                self._open -= 1
                self._close_later(connection)
            else:
                return connection
        return None

    def _close_stale(self) -> None:
        """Close the longest-idle connection if it has waited too long (one per call: cheap)."""
        if self._idle and time.monotonic() - self._idle[0][1] > self._idle_seconds:
            connection, _ = self._idle.pop(0)
            self._open -= 1
            self._close_later(connection)

    def _close_later(self, connection: Any, then: Callable[[], object] | None = None) -> None:
        """Closed politely without making the caller wait: asyncpg first finishes the cancel
        request it sent for an interrupted statement, so the server stops running it
        (terminating at once would drop that request, and the server would run it to its end)."""
        try:
            task = asyncio.get_running_loop().create_task(_close(connection))
        except RuntimeError:  # no loop running any more (shutdown): nothing to wait for
            connection.terminate()
            if then is not None:
                then()
            return
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)
        if then is not None:
            task.add_done_callback(lambda _: then())

    async def close(self) -> None:
        """Close the idle connections and wait for those being closed; one still in use is
        closed when it is given back, and a caller still waiting for one is refused."""
        self._closed = True
        idle, self._idle = self._idle, []
        self._open -= len(idle)
        await asyncio.gather(*(_close(connection) for connection, _ in idle), *self._closing)


async def _close(connection: Any) -> None:
    with contextlib.suppress(Exception):
        await connection.close(timeout=2.0)
    if not connection.is_closed():
        connection.terminate()
