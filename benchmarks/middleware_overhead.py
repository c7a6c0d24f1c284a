"""What the edge (web/edge.py) costs per request: observe, count, headers, body limits, access line.

Calls a bare ASGI answer directly (no socket, no server, no FastAPI), with and without the
edge around it, and prints microseconds per request; and the observer's metrics and access
line alone, with `vaxbook serve`'s log handler (one write per turn, the line written directly)
and with a plain one (a LogRecord per line). The loop turns every TURN requests, about what a
worker under wrk answers a turn. Run it twice to see multiprocess mode (what `vaxbook serve` runs):

    .venv/bin/python benchmarks/middleware_overhead.py
    PROMETHEUS_MULTIPROC_DIR=$(mktemp -d) .venv/bin/python benchmarks/middleware_overhead.py
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from typing import Any

from vaxbook.log_writes import TurnBufferedHandler
from vaxbook.observability import JsonFormatter
from vaxbook.web.answers import AnswerCounts
from vaxbook.web.edge import Edge
from vaxbook.web.headers import SecurityHeaders
from vaxbook.web.limits import BodyLimits
from vaxbook.web.observe import Observer

REQUESTS = 20_000
TURN = 20  # requests answered per turn of the event loop
BODY = b'{"state":"waiting"}' * 20
START = {"type": "http.response.start", "status": 200,
         "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(BODY)).encode()),
                     (b"cache-control", b"private, max-age=5")]}


async def bare(scope: Any, receive: Any, send: Any) -> None:
    await send(dict(START))
    await send({"type": "http.response.body", "body": BODY})


def edge(access_log: bool) -> Edge:
    return Edge(bare, Observer(access_log), AnswerCounts(), SecurityHeaders(["*"], 31_536_000),
                BodyLimits(65_536, 1_048_576, 10.0))


async def per_request(asgi: Any) -> float:
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
             "scheme": "http", "path": "/api/line/status", "raw_path": b"/api/line/status",
             "query_string": b"", "root_path": "",
             "headers": [(b"host", b"vaxbook.test"), (b"authorization", b"Bearer " + b"x" * 300)],
             "client": ("127.0.0.1", 5000), "server": ("127.0.0.1", 8000)}

    async def receive() -> dict[str, object]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, object]) -> None:
        return None

    async def call() -> None:
        await asgi(dict(scope), receive, send)

    return await _timed(call)


async def _timed(call: Any) -> float:
    """Microseconds per call, best of 5 rounds of REQUESTS, the loop turning every TURN calls."""
    for _ in range(1000):  # warm up: label children made
        await call()
    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        for i in range(REQUESTS):
            await call()
            if i % TURN == 0:
                await asyncio.sleep(0)
        best = min(best, (time.perf_counter() - started) / REQUESTS * 1e6)
    return best


def _logging_to_null(handler: logging.Handler) -> None:
    """`handler`, writing JSON lines to /dev/null, the one handler the vaxbook loggers reach."""
    handler.setFormatter(JsonFormatter())
    vaxbook = logging.getLogger("vaxbook")
    vaxbook.handlers[:] = [handler]
    vaxbook.setLevel(logging.INFO)
    vaxbook.propagate = False


async def main() -> None:
    mode = "multiprocess" if os.environ.get("PROMETHEUS_MULTIPROC_DIR") else "single process"
    scope = {"method": "GET", "route": None}

    async def observed(observer: Observer) -> None:
        observer.record(scope, 200, 0.001)

    plain = await per_request(bare)
    for name, handler in (("serve's handler", TurnBufferedHandler(open(os.devnull, "w"))),  # noqa: SIM115
                          ("a plain handler", logging.FileHandler(os.devnull))):
        _logging_to_null(handler)
        quiet = await per_request(edge(False))
        loud = await per_request(edge(True))
        metrics = await _timed(lambda o=Observer(False): observed(o))
        logged = await _timed(lambda o=Observer(True): observed(o))
        print(f"{mode}, {name}: the observer alone per request (best of 5 x {REQUESTS}, {TURN} a turn):"
              f" metrics {metrics:.1f} us, metrics and JSON access line {logged:.1f} us")
        print(f"{mode}, {name}: bare answer {plain:.1f} us/request; the edge {quiet - plain:+.1f} us without"
              f" the access log, {loud - plain:+.1f} us with it")


if __name__ == "__main__":
    asyncio.run(main())
