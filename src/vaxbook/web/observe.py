"""Every request measured and logged once: request id, route template, status, duration.

A plain ASGI middleware, outermost, so it also sees the answers refused before routing.
The route is the template the request matched (`/api/clinics/{clinic_id}/slots`), never the
raw path, so neither a metric label nor a log line can carry what a client put in a URL.
"""

from __future__ import annotations

import logging
import re
import secrets
import time
from typing import Any

from prometheus_client import Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from vaxbook.observability import REQUEST_ID

REQUESTS = Counter("vaxbook_http_requests", "HTTP answers by route template, method and status",
                   ["route", "method", "status"])
LATENCY = Histogram("vaxbook_http_request_duration_seconds", "Time to answer, by route template and method",
                    ["route", "method"],
                    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0))
UNMATCHED = "<unmatched>"  # no route: a 404, or refused before routing (host, size, time)
# A sane incoming id (a proxy's or a client's) is kept, so one request can be followed across hops.
_SANE_ID = re.compile(rb"[A-Za-z0-9._:-]{8,64}")
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

access = logging.getLogger("vaxbook.access")


def route_of(scope: Scope) -> str:
    route = scope.get("route")
    return str(getattr(route, "path_format", None) or getattr(route, "path", UNMATCHED))


def _incoming_id(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"x-request-id":
            return value.decode("ascii") if _SANE_ID.fullmatch(value) else None
    return None


class RequestObserver:
    def __init__(self, app: ASGIApp, access_log: bool = True) -> None:
        self.app = app
        self.access_log = access_log
        # Label children cached: .labels() takes a lock and builds a key on every call.
        self._children: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = _incoming_id(scope) or secrets.token_hex(8)
        header = (b"x-request-id", request_id.encode("ascii"))
        token = REQUEST_ID.set(request_id)
        status = 500  # what the server sends if the app fails before answering

        async def send_observed(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), header]
            await send(message)

        try:
            await self.app(scope, receive, send_observed)
        finally:
            seconds = time.perf_counter() - started
            self._record(route_of(scope), scope["method"], status, seconds)
            REQUEST_ID.reset(token)

    def _record(self, route: str, method: str, status: int, seconds: float) -> None:
        method = method if method in _METHODS else "OTHER"
        key = (route, method, status)
        children = self._children.get(key)
        if children is None:
            children = (REQUESTS.labels(route, method, str(status)), LATENCY.labels(route, method))
            self._children[key] = children
        children[0].inc()
        children[1].observe(seconds)
        if self.access_log and access.isEnabledFor(logging.INFO):
            # makeRecord + handle, not access.info: info() walks the stack to find the caller's
            # file and line (about a third of the line's cost), which nobody reads here.
            access.handle(access.makeRecord(
                access.name, logging.INFO, __file__, 0, "%s %s %d", (method, route, status), None,
                extra={"method": method, "route": route, "status": status,
                       "duration_ms": round(seconds * 1000, 2)}))
