"""The hot routes as plain ASGI: what a request costs when a million people send it.

FastAPI tries every route of the app in turn and solves each route's dependencies on every
request: for `GET /api/line/status` that was over half of the app's CPU per answer
(cProfile; docs/benchmarks.md). The routes here are found in one dict by method and path,
read their two headers directly and answer with orjson, inside the same middleware (host
check, security headers, body limits). Their FastAPI twins stay registered with the same
contract: they are the OpenAPI documentation, and the tests hold both to one behaviour.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import orjson
from starlette.types import ASGIApp, Receive, Scope, Send

from vaxbook.domain.errors import Input, Problem, VaxbookError
from vaxbook.ports import BackendUnavailable
from vaxbook.services.auth import require_device
from vaxbook.web.api import hot_booking
from vaxbook.web.api.credentials import bearer
from vaxbook.web.api.serialize import line_json
from vaxbook.web.problems import STATUS, problem_body, unavailable

log = logging.getLogger(__name__)
Handler = Callable[[Scope, Receive, Send], Awaitable[None]]


@dataclass(frozen=True)
class HotRoute:
    """What a hot route leaves in the scope, as a matched route would: its path (metric label)."""

    path: str
    path_format: str


class HotRoutes:
    """Answers the hot (method, path) pairs itself; passes everything else to the app."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.routes: dict[tuple[str, str], Handler] = {("GET", "/api/line/status"): line_status,
                                                        ("POST", "/api/bookings"): hot_booking.book}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            handler = self.routes.get((scope["method"], scope["path"]))
            if handler is not None:
                scope["route"] = HotRoute(scope["path"], scope["path"])  # read by web/observe.py
                try:
                    await handler(scope, receive, send)
                except VaxbookError as error:
                    await _problem(send, error, scope["path"])
                except BackendUnavailable as down:
                    cause = down.__cause__ or down
                    log.warning("backend unavailable on %s %s: %s: %s", scope["method"], scope["path"],
                                type(cause).__name__, cause)
                    await _problem(send, unavailable(), scope["path"])
                return
        await self.app(scope, receive, send)


def _headers(scope: Scope, *names: bytes) -> list[str | None]:
    """The first value of each named header (names in lower case), as Starlette reads them."""
    found: dict[bytes, str] = {}
    for name, value in scope["headers"]:
        if name in names and name not in found:
            found[name] = value.decode("latin-1")
    return [found.get(name) for name in names]


async def _answer(send: Send, status: int, body: bytes, media: bytes, *extra: tuple[bytes, bytes]) -> None:
    headers = [(b"content-type", media), (b"content-length", str(len(body)).encode()), *extra]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _problem(send: Send, error: VaxbookError, path: str) -> None:
    extra = [(b"retry-after", str(error.retry_after).encode())] if error.retry_after is not None else []
    await _answer(send, STATUS[error.code], orjson.dumps(problem_body(error, path)),
                  b"application/problem+json", *extra)


async def line_status(scope: Scope, receive: Receive, send: Send) -> None:
    """GET /api/line/status, as web/api/line.py documents it."""
    authorization, device = _headers(scope, b"authorization", b"x-device-id")
    # The ticket travels in a header, not the URL: it carries a birth date and a masked
    # name, and URLs end up in proxy and CDN access logs.
    ticket = bearer(authorization)
    if not ticket:
        raise VaxbookError(Problem.TICKET_INVALID, field=Input.QUEUE_TICKET)
    view = await scope["app"].state.container.waiting_room.status(ticket, require_device(device))
    # The same ticket gets the same answer until it is worth asking again.
    cache = f"private, max-age={int(view.poll_after_seconds)}" if view.state == "waiting" else "no-store"
    await _answer(send, 200, orjson.dumps(line_json(view)), b"application/json",
                  (b"cache-control", cache.encode()), (b"vary", b"Authorization, X-Device-Id"))
