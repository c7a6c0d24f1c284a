"""create_app(settings): the web application, with no I/O until it starts."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from functools import partial
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp

from vaxbook.bootstrap import build
from vaxbook.config import Settings
from vaxbook.heap import settle_after_start
from vaxbook.ports import BackendBusy, Clock
from vaxbook.web.answers import AnswerCounts, recording
from vaxbook.web.api.hot import HotRoutes
from vaxbook.web.api.problem_docs import document_problems
from vaxbook.web.api.routes import router as api_router
from vaxbook.web.container import container
from vaxbook.web.docs import install_docs
from vaxbook.web.edge import Edge
from vaxbook.web.headers import SecurityHeaders
from vaxbook.web.limits import BodyLimits
from vaxbook.web.metrics import forget_worker
from vaxbook.web.metrics import router as metrics_router
from vaxbook.web.observe import Observer
from vaxbook.web.pages.routes import router as pages_router
from vaxbook.web.problems import install_problem_handlers

READY_TIMEOUT_SECONDS = 2.0


class Vaxbook(FastAPI):
    """FastAPI with the edge and the hot routes outside its own layers, not inside them.

    FastAPI wraps user middleware in three layers of its own (server errors, exception
    telemetry, a body limit the edge already applies), and a hot request crossed all three
    before reaching the edge (docs/benchmarks.md, "The shared path"). Outside them, the edge
    also heads, counts and logs the 500 that FastAPI's server-error layer sends for an
    unhandled error.
    """

    edge: Callable[[ASGIApp], Edge]

    def build_middleware_stack(self) -> ASGIApp:
        return self.edge(HotRoutes(super().build_middleware_stack()))


def create_app(settings: Settings | None = None, clock: Clock | None = None) -> Vaxbook:
    settings = settings or Settings()
    answers = AnswerCounts()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        built = build(settings, clock)
        await built.start()
        app.state.container = built
        if settings.gc_freeze:
            settle_after_start()
        # Every worker delivers the outbox (claims never overlap); VAXBOOK_NOTIFY_DISPATCHER=false
        # leaves it to a `vaxbook notify` process.
        dispatcher = built.start_dispatcher() if settings.notify_dispatcher else None
        try:
            async with recording(built.console, answers):  # the console's figures (docs/operators.md)
                yield
        finally:
            if dispatcher is not None:
                task, stop = dispatcher
                stop.set()
                await asyncio.gather(task, return_exceptions=True)
            await built.stop()
            forget_worker()

    app = Vaxbook(
        title="vaxbook",
        description="Vaccination pre-reservation API. Flow and error codes: docs/api.md.",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,  # served by install_docs without a CDN
        redoc_url=None,
        # FastAPI's native OpenTelemetry off: vaxbook reports through Prometheus and its JSON
        # log (docs/operators.md), and with it on every request, hot ones too, looked up three
        # OTEL_* environment variables for providers nobody set (~5 us, docs/benchmarks.md).
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    install_problem_handlers(app)
    install_docs(app)
    # The hot routes answer inside the edge (web/api/hot.py), which observes and counts every
    # answer, refusals before routing and FastAPI's own 500s too, checks the Host, heads every
    # answer and bounds the body (web/edge.py).
    app.edge = partial(
        Edge,
        observer=Observer(access_log=settings.access_log),
        counts=answers,  # the console's answers by status
        headers=SecurityHeaders(settings.allowed_hosts, settings.hsts_seconds),
        limits=BodyLimits(settings.max_json_body_bytes, settings.max_form_body_bytes,
                          settings.body_timeout_seconds),
    )
    document_problems(app)
    app.include_router(api_router)
    app.include_router(pages_router)
    app.include_router(metrics_router)

    @app.get("/healthz", summary="The process is alive")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", summary="The ledger and the gate answer")
    async def readyz(request: Request) -> Any:
        built = container(request)
        # Both asked at once, each within a bound: a load balancer must not wait on a hung host.
        answers = await asyncio.gather(
            asyncio.wait_for(built.ledger.ping(), READY_TIMEOUT_SECONDS),
            asyncio.wait_for(built.gate.ping(), READY_TIMEOUT_SECONDS),
            return_exceptions=True,
        )
        parts = list(zip(("ledger", "gate"), answers, strict=True))
        # Busy (every connection in use, work still finishing) is not down: a load balancer
        # that pulled loaded nodes would push their load onto the others (docs/operations.md).
        busy = [name for name, answer in parts if isinstance(answer, BackendBusy)]
        down = [name for name, answer in parts
                if isinstance(answer, BaseException) and not isinstance(answer, BackendBusy)]
        if down:
            return JSONResponse({"status": "unavailable", "down": down, "busy": busy}, status_code=503)
        if busy:
            return {"status": "busy", "busy": busy}
        return {"status": "ready"}

    return app
