"""The two anchors every wrk report measures beside the app, on the same server stack.

A bare ASGI answer and a bare FastAPI answer (one route, one dict), each a fixed JSON body
the size of a status answer, served by `uvicorn` with the settings `vaxbook serve` uses
(uvloop, vaxbook's guarded httptools protocol, no access log). What the app costs beyond
them is what its own work costs.
"""

from __future__ import annotations

import sys
from typing import Any

from fastapi import FastAPI

# About the size of a waiting person's status answer.
ANSWER: dict[str, Any] = {
    "state": "waiting", "ticket": "x" * 300, "line": "2021-08-13-g3", "number": 12345,
    "ahead": 12000, "estimated_wait_seconds": 120.0, "poll_after_seconds": 24.0,
}


def bare_asgi() -> Any:
    """An ASGI callable that answers every request with the fixed JSON, nothing else."""
    import json  # noqa: PLC0415  # the anchor process needs only this

    body = json.dumps(ANSWER).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    start = {"type": "http.response.start", "status": 200, "headers": headers}
    answer = {"type": "http.response.body", "body": body}

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        await send(start)
        await send(answer)

    return app


def bare_fastapi() -> FastAPI:
    """FastAPI with one route returning the fixed dict (its default JSON encoding)."""
    app = FastAPI()

    @app.get("/")
    async def root() -> dict[str, Any]:
        return ANSWER

    return app


def serve(kind: str, port: int) -> None:
    """Serve one anchor on 127.0.0.1 as `vaxbook serve` serves the app (one worker)."""
    import uvicorn  # noqa: PLC0415  # only the anchor process serves

    from vaxbook.web.protocol import GuardedHttpToolsProtocol  # noqa: PLC0415  # as vaxbook serve

    factory = {"asgi": "vaxbook_bench.anchors:bare_asgi",
               "fastapi": "vaxbook_bench.anchors:bare_fastapi"}[kind]
    uvicorn.run(factory, factory=True, host="127.0.0.1", port=port, workers=1, log_level="warning",
                access_log=False, http=GuardedHttpToolsProtocol, server_header=False)


if __name__ == "__main__":
    serve(sys.argv[1], int(sys.argv[2]))
