"""The hot routes as plain ASGI: what a request costs when a million people send it.

FastAPI tries every route of the app in turn and solves each route's dependencies on every
request: for `GET /api/line/status` that was over half of the app's CPU per answer
(cProfile; docs/benchmarks.md). The routes here are found in one dict by method and path (or,
for the few with one path parameter, by the path's fixed head and tail), read their headers
directly and answer with orjson, inside the same middleware (host check, security headers,
body limits), and outside FastAPI's own layers (web/app.py, `Vaxbook`). Their FastAPI twins
stay registered with the same contract: they are the OpenAPI documentation, they answer input
the strict types refuse (AskTheApp), and the tests hold both to one behaviour
(tests/api/test_hot_routes.py).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from starlette.types import ASGIApp, Receive, Scope, Send

from vaxbook.domain.errors import Problem, VaxbookError
from vaxbook.ports import BackendUnavailable
from vaxbook.web.api import hot_auth, hot_booking, hot_browse, hot_line, hot_person
from vaxbook.web.api.hot_wire import AskTheApp, problem
from vaxbook.web.problems import unavailable

log = logging.getLogger(__name__)
# (scope, receive, send, the path parameter or "")
Handler = Callable[[Scope, Receive, Send, str], Awaitable[None]]


@dataclass(frozen=True)
class HotRoute:
    """What a hot route leaves in the scope, as a matched route would: its template (metric label)."""

    path: str
    path_format: str


@dataclass(frozen=True)
class Templated:
    """A route with one path parameter: `head` + one segment (no "/", as Starlette's `{name}`) + `tail`."""

    method: str
    head: str
    tail: str
    handler: Handler
    route: HotRoute

    def parameter(self, method: str, path: str) -> str | None:
        if method != self.method or not path.startswith(self.head) or not path.endswith(self.tail):
            return None
        middle = path[len(self.head):len(path) - len(self.tail)]
        return middle if middle and "/" not in middle else None


async def _book(scope: Scope, receive: Receive, send: Send, _: str) -> None:
    await hot_booking.book(scope, receive, send)


def _exact(path: str, handler: Handler) -> tuple[Handler, HotRoute]:
    return handler, HotRoute(path, path)


def _templated(method: str, template: str, handler: Handler) -> Templated:
    head, _, rest = template.partition("{")
    tail = rest.partition("}")[2]
    return Templated(method, head, tail, handler, HotRoute(template, template))


class HotRoutes:
    """Answers the hot routes itself; passes everything else (and input to refuse) to the app."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.enabled = True  # False: every request to the FastAPI twins (the tests compare the two)
        self.routes: dict[tuple[str, str], tuple[Handler, HotRoute]] = {
            ("GET", "/api/line/status"): _exact("/api/line/status", hot_line.status),
            ("POST", "/api/line/join"): _exact("/api/line/join", hot_line.join),
            ("POST", "/api/bookings"): _exact("/api/bookings", _book),
            ("GET", "/api/auth/methods"): _exact("/api/auth/methods", hot_person.methods),
            ("POST", "/api/auth/start"): _exact("/api/auth/start", hot_auth.start),
            ("POST", "/api/auth/verify"): _exact("/api/auth/verify", hot_auth.verify),
            ("GET", "/api/eligibility"): _exact("/api/eligibility", hot_person.eligibility),
            ("GET", "/api/bookings/me"): _exact("/api/bookings/me", hot_person.my_booking),
            ("GET", "/api/regions"): _exact("/api/regions", hot_browse.provinces),
            ("GET", "/api/clinics"): _exact("/api/clinics", hot_browse.clinics),
        }
        self.templated = (
            _templated("GET", "/api/regions/{sido}/districts", hot_browse.districts),
            _templated("GET", "/api/clinics/{clinic_id}/slots", hot_browse.slots),
        )

    def _match(self, method: str, path: str) -> tuple[Handler, HotRoute, str] | None:
        exact = self.routes.get((method, path))
        if exact is not None:
            return exact[0], exact[1], ""
        for route in self.templated:
            found = route.parameter(method, path)
            if found is not None:
                return route.handler, route.route, found
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.enabled:
            matched = self._match(scope["method"], scope["path"])
            if matched is not None:
                handler, route, parameter = matched
                scope["route"] = route  # read by web/observe.py
                try:
                    await handler(scope, receive, send, parameter)
                except AskTheApp as handed:
                    del scope["route"]
                    await self.app(scope, handed.receive(receive), send)
                except VaxbookError as error:
                    await problem(send, error, scope["path"])
                except BackendUnavailable as down:
                    cause = down.__cause__ or down
                    log.warning("backend unavailable on %s %s: %s: %s", scope["method"], scope["path"],
                                type(cause).__name__, cause)
                    await problem(send, unavailable(), scope["path"])
                except Exception:
                    # As FastAPI's server-error layer does for its routes (these run outside it):
                    # the trace to the log only, a 500 problem, then re-raised, so uvicorn closes
                    # the connection, which the answer says. If the answer had begun, uvicorn
                    # refuses a second one and closes the connection all the same.
                    log.exception("unhandled error on %s %s", scope["method"], scope["path"])
                    with contextlib.suppress(RuntimeError):
                        await problem(send, VaxbookError(Problem.INTERNAL_ERROR), scope["path"],
                                      (b"connection", b"close"))
                    raise
                return
        await self.app(scope, receive, send)
