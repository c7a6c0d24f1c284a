"""The journey generator's HTTP/1.1 client: keep-alive connections and httptools' parser, nothing more.

Why: aiohttp's client session cost the generator about 330 us of CPU per request (step 2 of
`make bench` on the Intel machine, 2026-11-30: 0.45-0.49 cores at 1,390-1,490 requests/s), a
quarter of the box, against about 600 us for the server to answer it; what the generator spends
on the box, the server and the databases cannot. This client writes each request as one buffer
and reads the answer with httptools (uvicorn's parser, already installed). The same step with
it: 0.28 cores at 1,950 requests/s, about 145 us per request with the journey's own work
(JSON, choices, the tally). It speaks only what the journey needs: GET and POST, a JSON body,
an answer with a Content-Length or chunked body, keep-alive.

Errors are `HttpFailure` (the connection failed, closed early, or sent what is not HTTP) or
TimeoutError (no whole answer within `timeout`); a connection that failed is dropped, never
handed to the next request.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import httptools
import orjson

_PATH_SAFE = "/:@!$&'()*+,;=%"  # RFC 3986's path characters (and escapes already made) stay as they are


class HttpFailure(Exception):
    """The request got no answer: refused, reset, closed early, or garbled."""


class Answer:
    __slots__ = ("body", "headers", "status")

    def __init__(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.status = status
        self.headers = headers  # lower-case names
        self.body = body

    def json(self) -> Any:
        return orjson.loads(self.body)


class _Connection(asyncio.Protocol):
    """One keep-alive connection; one request on it at a time."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.broken = False
        self.idle_since = 0.0
        self._parser = httptools.HttpResponseParser(self)
        self._waiting: asyncio.Future[Answer] | None = None
        self._headers: dict[str, str] = {}
        self._body: list[bytes] = []
        self.keep_alive = True

    # asyncio ------------------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # a stream transport, as asked for

    def data_received(self, data: bytes) -> None:
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError as garbled:
            self._fail(HttpFailure(f"not HTTP: {garbled}"))

    def connection_lost(self, exc: Exception | None) -> None:
        self._fail(HttpFailure(f"connection closed: {exc or 'by the server'}"))

    # httptools ----------------------------------------------------------------------------
    def on_header(self, name: bytes, value: bytes) -> None:
        self._headers[name.decode("latin-1").lower()] = value.decode("latin-1")

    def on_body(self, body: bytes) -> None:
        self._body.append(body)

    def on_message_complete(self) -> None:
        status = self._parser.get_status_code()
        if status < 200:  # an interim answer (103 Early Hints, 100 Continue): the real one follows
            self._headers, self._body = {}, []
            return
        answer = Answer(status, self._headers, b"".join(self._body))
        self.keep_alive = self._parser.should_keep_alive()
        self._headers, self._body = {}, []
        waiting, self._waiting = self._waiting, None
        if waiting is not None and not waiting.done():
            waiting.set_result(answer)

    # requests -----------------------------------------------------------------------------
    def send(self, request: bytes) -> asyncio.Future[Answer]:
        if self.broken or self.transport is None or self.transport.is_closing():
            raise HttpFailure("connection closed")
        self._waiting = asyncio.get_running_loop().create_future()
        self.transport.write(request)
        return self._waiting

    def close(self) -> None:
        self.broken = True
        if self.transport is not None:
            self.transport.close()

    def _fail(self, failure: HttpFailure) -> None:
        self.broken = True
        waiting, self._waiting = self._waiting, None
        if waiting is not None and not waiting.done():
            waiting.set_exception(failure)
        if self.transport is not None and not self.transport.is_closing():
            self.transport.close()


class LeanClient:
    """Requests to one server over at most `connections` keep-alive connections; more wait for one."""

    def __init__(
        self, base_url: str, connections: int, timeout: float = 60.0, idle_seconds: float = 3.0
    ) -> None:
        url = urlsplit(base_url)
        self._host, self._port = url.hostname or "127.0.0.1", url.port or 80
        self._head_host = f"Host: {url.netloc}\r\n".encode("latin-1")
        self._timeout = timeout
        # Below the server's keep-alive (5 s), so an idle connection is never reused as it closes.
        self._idle_seconds = idle_seconds
        self._free = asyncio.Semaphore(connections)
        self._idle: list[_Connection] = []

    async def request(self, method: str, path: str, *, headers: dict[str, str] | None = None,
                      json: Any = None, params: dict[str, str] | None = None) -> Answer:
        path = quote(path, safe=_PATH_SAFE)  # a region's name in the path goes out as UTF-8, %-escaped
        if params:
            path = f"{path}?{urlencode(params)}"
        lines = [f"{method} {path} HTTP/1.1\r\n".encode("latin-1"), self._head_host]
        lines += [f"{name}: {value}\r\n".encode() for name, value in (headers or {}).items()]
        body = b"" if json is None else orjson.dumps(json)
        if json is not None:
            lines.append(b"Content-Type: application/json\r\n")
        if json is not None or method not in ("GET", "HEAD"):
            lines.append(b"Content-Length: %d\r\n" % len(body))
        lines += [b"\r\n", body]
        request = b"".join(lines)
        async with self._free:
            connection = None
            try:
                async with asyncio.timeout(self._timeout):
                    connection = await self._connection()
                    answer = await connection.send(request)
            except BaseException:
                if connection is not None:
                    connection.close()
                raise
            if connection.keep_alive and not connection.broken:
                connection.idle_since = time.monotonic()
                self._idle.append(connection)
            else:
                connection.close()
            return answer

    async def close(self) -> None:
        for connection in self._idle:
            connection.close()
        self._idle.clear()

    async def _connection(self) -> _Connection:
        now = time.monotonic()
        while self._idle:
            connection = self._idle.pop()
            if not connection.broken and now - connection.idle_since < self._idle_seconds:
                return connection
            connection.close()
        try:
            loop = asyncio.get_running_loop()
            _, connection = await loop.create_connection(_Connection, self._host, self._port)
        except OSError as refused:
            raise HttpFailure(f"cannot connect: {refused}") from refused
        return connection
