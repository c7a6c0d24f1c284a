"""The gate's calls to one Redis server, on redis-py's connections but without the client's
per-call layers.

Why: through `Redis.execute_command` or a registered Script, one EVALSHA costs 90-120 us of
client CPU on the bench machine; here it costs 70-75 (benchmarks/redis_call_cost.py), and a
journey makes about fourteen Redis round trips. What the client adds per call: a retry closure, observability
hooks, a response callback, a blocking pool's condition and timer, and, from the socket timeout,
a new task for every send (`asyncio.wait_for`) and a timer for every read. Here a call takes a
connection from a plain pool of its own (a semaphore makes a burst wait for one, as the blocking
pool did) and has one deadline for its whole round trip.

Only the connection's public methods are used (`pack_commands`, `send_packed_command`,
`read_response`), so a connection whose reply was not read (the deadline passed, the request
was cancelled) is disconnected by redis-py itself, and never handed to the next caller with a
late reply on it.

A call whose connection is lost (refused, reset, closed by Redis) is made once more through the
client, which retries on fresh connections as it always did. As with redis-py's own retry, a
reply lost after Redis ran the commands runs them again: the line's scripts, the pass and the
device claim allow that (each is idempotent or answers "again"); a limit, a code count or a
congestion stamp counts once more. A call past its deadline is not made again: Redis is slow,
not gone, and has most likely run it; it is an outage (the gate's 503) instead.

Redis Cluster keeps the client's calls (adapters/redis/gate.py): slots and redirects are the
cluster client's job.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import redis.asyncio as redis
from redis.exceptions import ConnectionError, NoScriptError, ResponseError  # redis's own, by design
from redis.exceptions import TimeoutError as RedisTimeoutError

from vaxbook.adapters.redis.clients import CONNECT_SECONDS, POOL_WAIT_SECONDS, REPLY_SECONDS

Command = Sequence[Any]
# The connection is gone (redis-py disconnected it), or none could be made (a connect timeout).
_LOST = (ConnectionError, RedisTimeoutError)


class LeanCalls:
    """Scripts, single commands and pipelines on one Redis server; `client` (redis.asyncio.Redis
    on the same server) makes again a call that lost its connection."""

    def __init__(self, url: str, pool_size: int, client: Any, reply_seconds: float = REPLY_SECONDS) -> None:
        # typed Any: redis-py leaves get_connection untyped
        self._pool: Any = redis.ConnectionPool.from_url(
            url, max_connections=pool_size, decode_responses=True, socket_connect_timeout=CONNECT_SECONDS,
            # No socket timeout: redis-py's default (5 s) sends through `asyncio.wait_for`, a new
            # task per send, and reads under a timer of their own; the call's deadline covers both.
            socket_timeout=None,
        )
        self._free = asyncio.Semaphore(pool_size)  # the plain pool refuses past its size: wait here
        self._client = client
        self._reply_seconds = reply_seconds

    async def aclose(self) -> None:
        await self._pool.aclose()

    async def script(self, script: Any, keys: Sequence[str], args: Sequence[Any]) -> Any:
        """EVALSHA of a registered script; loaded again when Redis forgot it (a restart)."""
        (reply,) = await self.pipeline([("EVALSHA", script.sha, len(keys), *keys, *args)])
        if isinstance(reply, NoScriptError):  # it ran nothing: the Script object loads it and runs it
            return await script(keys=keys, args=args)
        if isinstance(reply, Exception):
            raise reply
        return reply

    async def call(self, *command: Any) -> Any:
        """One command's reply as Redis sent it (no response callback: integers, strings, lists)."""
        (reply,) = await self.pipeline([command])
        if isinstance(reply, Exception):
            raise reply
        return reply

    async def pipeline(self, commands: Sequence[Command]) -> list[Any]:
        """Several commands in one write and one wait: each one's reply, or its error, in order."""
        await self._take_a_connection()
        try:
            return await self._on_a_connection(commands)
        except TimeoutError:  # asyncio's: the deadline passed (redis-py disconnected the connection)
            raise RedisTimeoutError(f"no reply from Redis within {self._reply_seconds:g} s") from None
        except _LOST:
            pass  # disconnected: the pool connects it again on its next use
        finally:
            self._free.release()
        async with self._client.pipeline(transaction=False) as pipe:  # its retries, fresh connections
            for command in commands:
                pipe.execute_command(*command)
            return list(await pipe.execute(raise_on_error=False))

    async def _on_a_connection(self, commands: Sequence[Command]) -> list[Any]:
        connection = await self._pool.get_connection()  # connects (again) if it must
        try:
            async with asyncio.timeout(self._reply_seconds):
                packed = connection.pack_commands(commands)
                await connection.send_packed_command(packed, check_health=False)
                return [await _reply(connection) for _ in commands]
        finally:
            await self._pool.release(connection)

    async def _take_a_connection(self) -> None:
        if not self._free.locked():
            await self._free.acquire()  # one is free: taken at once, no timer
            return
        try:
            async with asyncio.timeout(POOL_WAIT_SECONDS):
                await self._free.acquire()
        except TimeoutError:
            raise ConnectionError(f"no Redis connection free within {POOL_WAIT_SECONDS:g} s") from None


async def _reply(connection: Any) -> Any:
    # A command's error is its reply alone: the replies after it must still be read off the
    # connection, or the next caller would get them.
    try:
        return await connection.read_response()
    except ResponseError as error:
        return error
