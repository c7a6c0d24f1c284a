"""What the edge (web/edge.py) costs per request: observe, count, headers, body limits, access line.

Calls a bare ASGI answer directly (no socket, no server, no FastAPI), with and without the
edge around it, and prints microseconds per request; and the observer's metrics and access
line alone. Run it twice to see multiprocess mode (what `vaxbook serve` runs):

    .venv/bin/python benchmarks/middleware_overhead.py
    PROMETHEUS_MULTIPROC_DIR=$(mktemp -d) .venv/bin/python benchmarks/middleware_overhead.py
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from typing import Any

from vaxbook.observability import JsonFormatter
from vaxbook.web.answers import AnswerCounts
from vaxbook.web.edge import Edge
from vaxbook.web.headers import SecurityHeaders
from vaxbook.web.limits import BodyLimits
from vaxbook.web.observe import Observer

REQUESTS = 20_000
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

    for _ in range(1000):  # warm up: label children made
        await asgi(dict(scope), receive, send)
    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(REQUESTS):
            await asgi(dict(scope), receive, send)
        best = min(best, (time.perf_counter() - started) / REQUESTS * 1e6)
    return best


def _timed(call: Any) -> float:
    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(REQUESTS):
            call()
        best = min(best, (time.perf_counter() - started) / REQUESTS * 1e6)
    return best


async def main() -> None:
    handler = logging.FileHandler(os.devnull)
    handler.setFormatter(JsonFormatter())
    logging.getLogger("vaxbook").addHandler(handler)
    logging.getLogger("vaxbook").setLevel(logging.INFO)
    mode = "multiprocess" if os.environ.get("PROMETHEUS_MULTIPROC_DIR") else "single process"
    plain = await per_request(bare)
    quiet = await per_request(edge(False))
    loud = await per_request(edge(True))
    scope = {"method": "GET", "route": None}
    record = {name: _timed(lambda o=Observer(log): o.record(scope, 200, 0.001))
              for name, log in (("metrics", False), ("metrics+log", True))}
    print(f"{mode}: the observer alone per request (best of 5 x {REQUESTS}): metrics"
          f" {record['metrics']:.1f} us, metrics and JSON access line {record['metrics+log']:.1f} us")
    print(f"{mode}: bare answer {plain:.1f} us/request; the edge {quiet - plain:+.1f} us without the access"
          f" log, {loud - plain:+.1f} us with it")


if __name__ == "__main__":
    asyncio.run(main())
