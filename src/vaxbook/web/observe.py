"""Every request measured and logged once: request id, route template, status, duration.

Called by the edge (web/edge.py), outermost, so it also sees the answers refused before
routing. The route is the template the request matched (`/api/clinics/{clinic_id}/slots`),
never the raw path, so neither a metric label nor a log line can carry what a client put in
a URL.
"""

from __future__ import annotations

import itertools
import logging
import os
import re
import secrets
import time

from prometheus_client import Counter, Histogram
from starlette.types import Scope

from vaxbook.log_writes import TurnBufferedHandler
from vaxbook.observability import JsonFormatter, json_line
from vaxbook.web.turn_metrics import TurnMetrics

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


class _Ids:
    """Request ids made here: a random per-process prefix and a counter, 16 hex characters.

    Unique across workers and restarts without reading the OS's random source per request
    (secrets.token_hex cost ~2 us, a getrandom call, on every answer); an id names a request
    in the logs, it guards nothing, so it need not be unpredictable."""

    def __init__(self) -> None:
        self.renew()
        os.register_at_fork(after_in_child=self.renew)  # a forked worker must not repeat its parent's ids

    def renew(self) -> None:
        self.prefix = secrets.token_hex(4)
        self.counter = itertools.count(secrets.randbelow(1 << 32))

    def next(self) -> str:
        return f"{self.prefix}{next(self.counter) & 0xFFFFFFFF:08x}"


_ids = _Ids()


def route_of(scope: Scope) -> str:
    route = scope.get("route")
    return str(getattr(route, "path_format", None) or getattr(route, "path", UNMATCHED))


def request_id_of(scope: Scope) -> str:
    """The sane id a proxy or client sent, or a new one."""
    for name, value in scope["headers"]:
        if name == b"x-request-id":
            if _SANE_ID.fullmatch(value):
                return str(value.decode("ascii"))
            break
    return _ids.next()


class Observer:
    """The metrics and the access line of one answer."""

    def __init__(self, access_log: bool = True, logger: logging.Logger = access) -> None:
        self.access_log = access_log
        self.logger = logger
        self.metrics = TurnMetrics(REQUESTS, LATENCY)

    def record(self, scope: Scope, status: int, seconds: float) -> None:
        route = route_of(scope)
        method = scope["method"]
        method = method if method in _METHODS else "OTHER"
        self.metrics.add((route, method, status), seconds)
        logger = self.logger
        if self.access_log and logger.isEnabledFor(logging.INFO):
            fields = {"method": method, "route": route, "status": status,
                      "duration_ms": round(seconds * 1000, 2)}
            writer = direct_writer(logger)
            if writer is not None:
                message = f"{method} {route} {status}"
                writer.write_line(json_line(time.time(), "INFO", logger.name, message, fields))
            else:
                # makeRecord + handle, not logger.info: info() walks the stack to find the
                # caller's file and line, which nobody reads here.
                logger.handle(logger.makeRecord(
                    logger.name, logging.INFO, __file__, 0, "%s %s %d", (method, route, status), None,
                    extra=fields))


def direct_writer(logger: logging.Logger) -> TurnBufferedHandler | None:
    """The handler the access line goes to, when writing the line to it directly is the same as
    logging it: `vaxbook serve`'s one JSON handler, no filter, and no other handler listening.

    The LogRecord and the handler chain were about half of the line's cost (the metrics and the
    line 12.3 us in-process through them, 6.4 us written directly: benchmarks/middleware_overhead.py);
    anything else configured (a test's capturing handler, an operator's own) gets the record as
    before."""
    found = None
    current: logging.Logger | None = logger
    while current is not None:
        if current.filters:
            return None
        for handler in current.handlers:
            if (found is not None or type(handler) is not TurnBufferedHandler or handler.filters
                    or type(handler.formatter) is not JsonFormatter or handler.level > logging.INFO):
                return None
            found = handler
        current = current.parent if current.propagate else None
    return found
