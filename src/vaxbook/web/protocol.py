"""The connection protocol `vaxbook serve` runs: uvicorn's httptools protocol with the limits
uvicorn lacks (measured in docs/operations.md, "Transport limits and reverse proxy"):

- a header timeout: a connection must deliver a request's headers within
  `header_timeout_seconds` of connecting, or of the first byte of a kept-alive connection's next
  request; uvicorn has none, so an idle or slow-header (slowloris) socket stayed open for ever;
- a bound on header bytes and header lines (431): httptools reads headers of any size and
  number, and uvicorn's only bound (`h11_max_incomplete_event_size`) applies to h11 alone and
  answers a bare 400;
- a cap on open connections, refused when they connect (503): uvicorn's `limit_concurrency`
  refuses only requests, after reading their headers, and leaves the idle sockets open;
- an answer's head and body in one socket write (web/coalesce.py), not uvicorn's two.

Refusals are application/problem+json like every other, sent before the app sees a byte.
Bodies are bounded in the app (web/limits.py). This subclasses a uvicorn class and overrides
its httptools parser callbacks; tests/transport proves each limit over real sockets, so an
upgrade of uvicorn that changes them fails the suite instead of silently dropping a limit.
"""

from __future__ import annotations

import asyncio
import functools
import http
from dataclasses import dataclass
from typing import Any, cast

from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

from vaxbook.config import Settings
from vaxbook.domain.errors import Problem
from vaxbook.web.coalesce import CoalescingTransport
from vaxbook.web.limits import problem_message


@dataclass(frozen=True)
class ConnectionLimits:
    max_header_bytes: int
    max_header_count: int
    header_timeout_seconds: float
    max_connections: int

    @classmethod
    def of(cls, settings: Settings) -> ConnectionLimits:
        return cls(settings.max_header_bytes, settings.max_header_count, settings.header_timeout_seconds,
                   settings.max_connections)


@functools.cache
def configured_limits() -> ConnectionLimits:
    """Read once per worker process, from the VAXBOOK_* variables `vaxbook serve` set."""
    return ConnectionLimits.of(Settings())


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.limits = configured_limits()
        self.refused = False
        self.awaiting_headers = True  # until this request's headers are complete
        self.header_bytes = 0  # bytes received while awaiting them (before httptools keeps them)
        self.header_lines = 0
        self.header_size = 0  # the request line and headers, exactly, as the parser hands them over
        self.header_timer: asyncio.TimerHandle | None = None

    # connection ------------------------------------------------------------------------
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        if len(self.connections) >= self.limits.max_connections:
            self.transport = transport
            self.refuse(Problem.TOO_MANY_CONNECTIONS)
            return
        super().connection_made(transport)
        # Head and body of an answer in one write (web/coalesce.py); the flow control above
        # keeps the real transport, so pausing and draining still see the socket's own buffer.
        self.transport = cast(asyncio.Transport, CoalescingTransport(transport, self.loop))
        self.arm_header_timer()  # an idle socket that never sends a byte is closed too

    def connection_lost(self, exc: Exception | None) -> None:
        self.disarm_header_timer()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self.refused:
            return
        if self.awaiting_headers:
            if self.header_timer is None:  # the first byte of a kept-alive connection's next request
                self.arm_header_timer()
            self.header_bytes += len(data)
        super().data_received(data)
        if self.awaiting_headers and self.header_bytes > self.limits.max_header_bytes:
            self.refuse(Problem.HEADERS_TOO_LARGE)

    def send_400_response(self, msg: str) -> None:
        if not self.refused:  # a refusal made inside a parser callback has already answered
            super().send_400_response(msg)

    # parser callbacks ------------------------------------------------------------------
    def on_message_begin(self) -> None:
        if self.refused:
            return
        self.header_lines = self.header_size = 0
        super().on_message_begin()

    def on_url(self, url: bytes) -> None:
        if not self.refused:
            self.header_size += len(url)
            super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        if self.refused:
            return
        self.header_lines += 1
        self.header_size += len(name) + len(value) + 4
        limits = self.limits
        if self.header_lines > limits.max_header_count or self.header_size > limits.max_header_bytes:
            self.refuse(Problem.HEADERS_TOO_LARGE)
            return
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        if self.refused:
            return
        self.awaiting_headers = False
        self.disarm_header_timer()
        if self.header_size > self.limits.max_header_bytes:  # a long request line alone
            self.refuse(Problem.HEADERS_TOO_LARGE)
            return
        super().on_headers_complete()

    def on_body(self, body: bytes) -> None:
        if not self.refused:
            super().on_body(body)

    def on_message_complete(self) -> None:
        if self.refused:
            return
        self.awaiting_headers, self.header_bytes = True, 0  # what follows is the next request
        super().on_message_complete()

    # limits ----------------------------------------------------------------------------
    def arm_header_timer(self) -> None:
        self.disarm_header_timer()
        self.header_timer = self.loop.call_later(self.limits.header_timeout_seconds, self.headers_late)

    def disarm_header_timer(self) -> None:
        if self.header_timer is not None:
            self.header_timer.cancel()
            self.header_timer = None

    def headers_late(self) -> None:
        self.header_timer = None
        if self.refused or self.transport.is_closing():
            return
        if self.header_bytes == 0:  # an idle connection: nothing was asked, so nothing to answer
            self.refused = True
            self.transport.close()
        else:
            self.refuse(Problem.REQUEST_TIMEOUT)

    def refuse(self, code: Problem) -> None:
        """Answer with a problem and close: the rest of the request is never read."""
        self.refused = True
        self.disarm_header_timer()
        if self.transport.is_closing():
            return
        status, headers, body = problem_message(code)
        head = [f"HTTP/1.1 {status} {http.HTTPStatus(status).phrase}\r\n".encode()]
        head += [name + b": " + value + b"\r\n" for name, value in headers]
        self.transport.write(b"".join(head) + b"\r\n" + body)
        self.transport.close()
