"""What the request observer (web/observe.py) costs per request: one metric update, one log line.

Calls a FastAPI app directly through ASGI (no socket, no server), with and without the
middleware, and prints microseconds per request. Run it twice to see multiprocess mode:

    .venv/bin/python benchmarks/middleware_overhead.py
    PROMETHEUS_MULTIPROC_DIR=$(mktemp -d) .venv/bin/python benchmarks/middleware_overhead.py
"""

from __future__ import annotations

import asyncio
import logging
import os
import time

from fastapi import FastAPI

from vaxbook.observability import JsonFormatter
from vaxbook.web.observe import RequestObserver

REQUESTS = 20_000


def app(observed: bool, access_log: bool) -> FastAPI:
    made = FastAPI()

    @made.get("/api/clinics/{clinic_id}/slots")
    async def slots(clinic_id: str) -> dict[str, str]:
        return {"clinic": clinic_id}

    if observed:
        made.add_middleware(RequestObserver, access_log=access_log)
    return made


async def per_request(asgi: FastAPI) -> float:
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
             "scheme": "http", "path": "/api/clinics/C1/slots", "raw_path": b"/api/clinics/C1/slots",
             "query_string": b"", "root_path": "", "headers": [(b"host", b"vaxbook.test")],
             "client": ("127.0.0.1", 5000), "server": ("127.0.0.1", 8000)}

    async def receive() -> dict[str, object]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, object]) -> None:
        return None

    for _ in range(1000):  # warm up: routes compiled, label children made
        await asgi(dict(scope), receive, send)
    started = time.perf_counter()
    for _ in range(REQUESTS):
        await asgi(dict(scope), receive, send)
    return (time.perf_counter() - started) / REQUESTS * 1e6


def _timed(call: object) -> float:
    assert callable(call)
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
    plain = min([await per_request(app(False, False)) for _ in range(5)])
    metrics = min([await per_request(app(True, False)) for _ in range(5)])
    logged = min([await per_request(app(True, True)) for _ in range(5)])
    quiet, loud = RequestObserver(plain_app := app(False, False), False), RequestObserver(plain_app, True)
    record = {name: _timed(lambda o=o: o._record("/api/clinics/{clinic_id}/slots", "GET", 200, 0.001))
              for name, o in (("metrics", quiet), ("metrics+log", loud))}
    print(f"{mode}: the observer's own work per request (best of 5 x {REQUESTS}): metrics"
          f" {record['metrics']:.1f} us, metrics and JSON access line {record['metrics+log']:.1f} us")
    print(f"{mode}: bare app {plain:.1f} us/request; + metrics {metrics - plain:+.1f} us;"
          f" + metrics and JSON access log {logged - plain:+.1f} us")


if __name__ == "__main__":
    asyncio.run(main())
