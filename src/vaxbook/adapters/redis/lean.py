"""The gate's calls to one Redis server, on one connection of its own that every call shares.

Why: through redis-py's client one EVALSHA costs about 90-120 us of client CPU, and through
redis-py's connections alone (a pool, `send_packed_command`, `read_response` under a deadline)
still about 40; here it costs about 10 (benchmarks/redis_call_cost.py), and a journey makes
about fifteen Redis round trips. What redis-py adds per call: a pool to take a connection
from and give it back to, a stream reader and writer over the socket, a flush per write, and
a timer per call for its deadline.

Here the calls of one worker share one connection, an asyncio protocol (`_Link`): Redis
answers a connection's commands in the order they came, so each call's commands are written
at once (packed by hiredis) and the call waits at the back of a queue for as many replies
(parsed by hiredis, errors made into redis-py's own exception classes). Many calls in flight
at once is what a pipeline is, so a burst never waits for a connection, and Redis reads and
answers several callers' commands in one go.

- A call that gives up (its request was cancelled) leaves its place in the queue: its replies
  are read off and dropped when they come, and the connection stays good for the calls after it.
- A deadline covers each call's round trip: one timer a worker, not one per call, looks at the
  oldest call waiting. If that call is overdue, Redis is slow, not gone, and has most likely run
  it, so the call is not made again: it fails with redis's TimeoutError (the gate's 503). So do
  the calls queued behind it, and the connection is dropped: replies may still come on it.
- A reply that is not UTF-8 is that command's error (UnicodeDecodeError), as a command Redis
  refused is; the other replies and the connection are not affected. Bytes that are not RESP at
  all fail every call waiting (InvalidResponse), and none is made again: Redis ran them.
- An empty command is refused before anything is sent: Redis answers nothing to it, and every
  later reply would go to the caller before its own.
- A call whose connection is lost (refused, reset, closed by Redis) is made once more through
  `client` (redis.asyncio.Redis on the same server), which retries on fresh connections as it
  always did. As with redis-py's own retry, a reply lost after Redis ran the commands runs them
  again: the line's scripts, the pass and the device claim allow that (each is idempotent or
  answers "again"); a limit, a code count or a congestion stamp counts once more. The next call
  connects again.

Closing (`aclose`) fails the calls still waiting with RuntimeError, and none is made again.
`rediss://` makes its TLS context as redis-py's SSL connection does from the same URL, so the
server's certificate and name are checked unless the URL's ssl_* options say otherwise.

Redis Cluster keeps the client's calls (adapters/redis/gate.py): slots and redirects are the
cluster client's job.
"""

from __future__ import annotations

import asyncio
import ssl
from collections import deque
from collections.abc import Sequence
from typing import Any

import hiredis
from redis._parsers.base import BaseParser  # redis-py's own error classes for Redis's error replies
from redis.asyncio.connection import SSLConnection, parse_url
from redis.exceptions import ConnectionError, InvalidResponse, NoScriptError  # redis's own, by design
from redis.exceptions import TimeoutError as RedisTimeoutError

from vaxbook.adapters.redis.clients import CONNECT_SECONDS, REPLY_SECONDS

Command = Sequence[Any]


class _Call:
    """One call's place in its connection's queue: how many replies it waits for, and until when."""

    __slots__ = ("deadline", "expected", "future", "replies")

    def __init__(self, future: asyncio.Future[list[Any]], expected: int, deadline: float) -> None:
        self.future = future
        self.expected = expected
        self.replies: list[Any] = []
        self.deadline = deadline


class _Link(asyncio.Protocol):
    """One connection to Redis; its calls wait in the order they were written."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.failure: Exception | None = None  # set once: the link is dead, and why
        self._waiting: deque[_Call] = deque()
        self._reader = hiredis.Reader(protocolError=InvalidResponse, replyError=BaseParser.parse_error,
                                      encoding="utf-8")

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # a stream transport, as asked for

    def data_received(self, data: bytes) -> None:
        self._reader.feed(data)
        waiting = self._waiting
        while waiting:
            try:
                reply = self._reader.gets()
            except UnicodeDecodeError as undecodable:  # hiredis has read past the whole reply
                reply = undecodable  # that command's error alone, as a refused command's is
            except Exception as garbled:  # noqa: BLE001  not RESP: Redis ran the commands; not again
                self.fail(InvalidResponse(f"Redis sent what is not RESP: {garbled!r}"))
                return
            if reply is False:  # the rest of the reply has not come yet
                return
            call = waiting[0]
            call.replies.append(reply)
            if len(call.replies) == call.expected:
                waiting.popleft()
                if not call.future.done():  # a cancelled caller's replies are dropped
                    call.future.set_result(call.replies)

    def connection_lost(self, exc: Exception | None) -> None:
        self.fail(ConnectionError(f"Redis closed the connection: {exc or 'end of stream'}"))

    def send(self, commands: Sequence[Command], deadline: float) -> asyncio.Future[list[Any]]:
        if not all(commands):  # Redis answers nothing to an empty command: the replies would shift
            raise ValueError("an empty Redis command")
        packed = b"".join([hiredis.pack_command(tuple(command)) for command in commands])
        if self.failure is not None or self.transport is None:
            raise _fresh(self.failure or ConnectionError("not connected to Redis"))
        call = _Call(asyncio.get_running_loop().create_future(), len(commands), deadline)
        self._waiting.append(call)
        self.transport.write(packed)
        return call.future

    def overdue(self, now: float) -> bool:
        return bool(self._waiting) and self._waiting[0].deadline < now

    def fail(self, failure: Exception) -> None:
        """Every call still waiting fails with `failure`; the connection is dropped."""
        if self.failure is None:
            self.failure = failure
        while self._waiting:
            call = self._waiting.popleft()
            if not call.future.done():
                call.future.set_exception(_fresh(self.failure))
        if self.transport is not None and not self.transport.is_closing():
            self.transport.abort()


class LeanCalls:
    """Scripts, single commands and pipelines on one Redis server; `client` (redis.asyncio.Redis
    on the same server) makes again a call that lost its connection."""

    def __init__(self, url: str, client: Any, reply_seconds: float = REPLY_SECONDS) -> None:
        self._url = url
        self._client = client
        self._reply_seconds = reply_seconds
        self._link: _Link | None = None
        self._connecting: asyncio.Task[_Link] | None = None
        self._watchdog: asyncio.TimerHandle | None = None
        self._closed = False

    async def aclose(self) -> None:
        self._closed = True
        if self._watchdog is not None:
            self._watchdog.cancel()
            self._watchdog = None
        if self._link is not None:
            # Not a ConnectionError: a call in flight is not made again through the client.
            self._link.fail(RuntimeError("the gate's Redis calls are closed"))
            self._link = None

    async def script(self, script: Any, keys: Sequence[str], args: Sequence[Any]) -> Any:
        """EVALSHA of a registered script; loaded again when Redis forgot it (a restart)."""
        (reply,) = await self.scripts([(script, keys, args)])
        return reply

    async def scripts(self, calls: Sequence[tuple[Any, Sequence[str], Sequence[Any]]]) -> list[Any]:
        """Each (script, keys, args) as `script` runs it, all in one write and one wait; the first
        error in order is raised (the others ran: each call is its own, not a transaction)."""
        replies = await self.pipeline([("EVALSHA", script.sha, len(keys), *keys, *args)
                                       for script, keys, args in calls])
        for i, ((script, keys, args), reply) in enumerate(zip(calls, replies, strict=True)):
            if isinstance(reply, NoScriptError):  # it ran nothing: the Script object loads it and runs it
                replies[i] = await script(keys=keys, args=args)
            elif isinstance(reply, Exception):
                raise reply
        return replies

    async def call(self, *command: Any) -> Any:
        """One command's reply as Redis sent it (no response callback: integers, strings, lists)."""
        (reply,) = await self.pipeline([command])
        if isinstance(reply, Exception):
            raise reply
        return reply

    async def pipeline(self, commands: Sequence[Command]) -> list[Any]:
        """Several commands in one write and one wait: each one's reply, or its error, in order."""
        if not commands:
            return []
        try:
            link = self._link
            if link is None or link.failure is not None:
                link = await self._connected()
            return await link.send(commands, asyncio.get_running_loop().time() + self._reply_seconds)
        except ConnectionError:
            pass  # lost, or none could be made: the client tries on connections of its own
        async with self._client.pipeline(transaction=False) as pipe:  # its retries, fresh connections
            for command in commands:
                pipe.execute_command(*command)
            return list(await pipe.execute(raise_on_error=False))

    async def _connected(self) -> _Link:
        """A new link; the callers that arrive while it connects wait for the same one. It connects
        in a task of its own, so a caller that gives up meanwhile does not stop it for the others."""
        if self._closed:
            raise RuntimeError("the gate's Redis calls are closed")
        if self._connecting is None:
            self._connecting = asyncio.get_running_loop().create_task(self._connect())
            self._connecting.add_done_callback(self._connect_done)
        return await asyncio.shield(self._connecting)

    def _connect_done(self, connecting: asyncio.Task[_Link]) -> None:
        self._connecting = None
        if connecting.cancelled() or connecting.exception() is not None:
            return
        link = connecting.result()
        if self._closed:
            link.fail(RuntimeError("the gate's Redis calls are closed"))
            return
        self._link = link
        self._keep_watch()

    async def _connect(self) -> _Link:
        """A new link, authenticated and on the URL's database, as redis-py would connect."""
        options: dict[str, Any] = dict(parse_url(self._url))
        loop = asyncio.get_running_loop()
        link: _Link | None = None
        try:
            async with asyncio.timeout(CONNECT_SECONDS):
                if "path" in options:
                    _, link = await loop.create_unix_connection(_Link, options["path"])
                else:
                    _, link = await loop.create_connection(
                        _Link, options.get("host", "localhost"), options.get("port", 6379), ssl=_tls(options)
                    )
                for reply in await link.send(_hello(options), loop.time() + CONNECT_SECONDS):
                    if isinstance(reply, Exception):
                        raise reply  # a wrong password, say: redis-py's AuthenticationError
        except BaseException as failure:
            if link is not None:
                link.fail(ConnectionError("the connection's set-up failed"))
            if isinstance(failure, (OSError, TimeoutError)):  # refused, unreachable, or no answer
                raise ConnectionError(f"cannot connect to Redis: {failure!r}") from failure
            raise
        return link

    def _keep_watch(self) -> None:
        """Every so often, fail the link whose oldest call is overdue."""
        if self._watchdog is not None:
            return
        loop = asyncio.get_running_loop()
        every = min(self._reply_seconds / 4, 0.25)

        def look() -> None:
            self._watchdog = None if self._closed else loop.call_later(every, look)  # first: come what may
            link = self._link
            if link is not None and link.overdue(loop.time()):
                link.fail(RedisTimeoutError(f"no reply from Redis within {self._reply_seconds:g} s"))

        self._watchdog = loop.call_later(every, look)


def _hello(options: dict[str, Any]) -> list[Command]:
    """The connection's first commands: the URL's credentials and database, and a PING."""
    hello: list[Command] = []
    if options.get("password") is not None:
        username, password = options.get("username"), options["password"]
        hello.append(("AUTH", password) if username is None else ("AUTH", username, password))
    if options.get("db"):
        hello.append(("SELECT", options["db"]))
    return [*hello, ("PING",)]


def _tls(options: dict[str, Any]) -> ssl.SSLContext | None:
    """rediss://: TLS as redis-py's SSL connection makes it from the same URL, with its defaults
    (the certificate and host name checked unless the URL's ssl_* options say otherwise)."""
    if options.get("connection_class") is not SSLConnection:
        return None
    made = SSLConnection(**{name: value for name, value in options.items() if name != "connection_class"})
    return made.ssl_context.get()


def _fresh(failure: Exception) -> Exception:
    """A new exception like `failure` for each caller: one object raised in many tasks would
    collect all their tracebacks."""
    try:
        return type(failure)(*failure.args)
    except TypeError:  # a class that takes other arguments: the shared one will do
        return failure
