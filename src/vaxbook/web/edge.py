"""The one ASGI middleware every request crosses before the hot routes and FastAPI.

It composes four concerns, each in its own module as plain functions, in this order of
effects (outermost first), as the four separate middlewares it replaces did:

1. observe (web/observe.py): a request id (kept or made), set for the logs while serving,
   echoed as `X-Request-Id`; the answer's status and time into the metrics and the access
   log, refusals before routing too;
2. answers (web/answers.py): the answer's status counted for the console;
3. headers (web/headers.py): a Host outside the allowed list refused (400 `invalid_host`);
   `nosniff`, `no-store` on /api, HSTS over HTTPS added to every answer lacking them;
4. limits (web/limits.py): the body read within its media type, size and time (415/413/408).

One layer, not four: each layer was an extra coroutine and a `send` closure per request,
and each rebuilt the header list (docs/benchmarks.md, "Single requests under wrk"). Here
`send` is wrapped once and the header list is built once, with the additions worked out
when the app is made.
"""

from __future__ import annotations

import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from vaxbook.domain.errors import Problem
from vaxbook.observability import REQUEST_ID
from vaxbook.web.answers import AnswerCounts
from vaxbook.web.headers import SecurityHeaders, completed
from vaxbook.web.limits import BodyLimits, bounded_receive, send_problem
from vaxbook.web.observe import Observer, request_id_of


class Edge:
    def __init__(self, app: ASGIApp, observer: Observer, counts: AnswerCounts, headers: SecurityHeaders,
                 limits: BodyLimits) -> None:
        self.app = app
        self.observer = observer
        self.counts = counts
        self.headers = headers
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = request_id_of(scope)
        token = REQUEST_ID.set(request_id)
        echoed = (b"x-request-id", request_id.encode("ascii"))
        wanted = self.headers.wanted(scope)
        count = self.counts.add
        status = 500  # what the server sends if the app fails before answering

        async def send_edge(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                count(status)
                headers = completed(message.get("headers", []), wanted)
                headers.append(echoed)
                message["headers"] = headers
            await send(message)

        try:
            if not self.headers.allows(scope):
                await send_problem(send_edge, Problem.INVALID_HOST, scope["path"])
                return
            bounded = await bounded_receive(scope, receive, send_edge, self.limits)
            if bounded is not None:
                await self.app(scope, bounded, send_edge)
        finally:
            self.observer.record(scope, status, time.perf_counter() - started)
            REQUEST_ID.reset(token)
