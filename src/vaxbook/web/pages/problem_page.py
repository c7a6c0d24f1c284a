"""Refusals as pages: every failure of a page route becomes a friendly page with a way forward.

The page is worded in the visitor's language, never shows a trace, and forgets the
credentials the refusal proved stale.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException

from vaxbook.domain.errors import Problem, VaxbookError
from vaxbook.ports import BackendUnavailable
from vaxbook.web.i18n.text import Text
from vaxbook.web.pages.base import ADMISSION, IDENTITY, TICKET, Page, page_of
from vaxbook.web.pages.csrf import CsrfFailed
from vaxbook.web.problems import status_of, unavailable

log = logging.getLogger("vaxbook.web.pages")


@dataclass
class ProblemView:
    code: str
    title: str
    message: str
    extra: list[str] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)
    forget_identity: bool = False
    forget_line: bool = False


_NEXT_STEP: dict[Problem, tuple[str, str]] = {
    Problem.IDENTITY_REQUIRED: ("/verify", "link.verify"),
    Problem.IDENTITY_INVALID: ("/verify", "link.verify"),
    Problem.VERIFICATION_NOT_FOUND: ("/verify", "link.verify"),
    Problem.VERIFICATION_CODE_WRONG: ("/verify", "link.verify"),
    Problem.ADMISSION_REQUIRED: ("/verify?next=book", "link.line"),
    Problem.ADMISSION_INVALID: ("/verify?next=book", "link.line"),
    Problem.ADMISSION_USED: ("/line", "link.line"),  # the ticket still holds: the line moves them back
    Problem.TICKET_INVALID: ("/verify?next=book", "link.line"),
    Problem.ALREADY_BOOKED: ("/mine", "link.mine"),
    Problem.SOLD_OUT: ("/standby", "standby.cta"),  # nothing left: wait for a place that frees
    Problem.SLOT_FULL: ("/book", "link.book"),
    Problem.SECOND_DOSE_UNAVAILABLE: ("/book", "link.book"),
    Problem.SLOT_NOT_BOOKABLE: ("/book", "link.book"),
    Problem.SLOT_NOT_FOUND: ("/book", "link.book"),
    Problem.CLINIC_NOT_FOUND: ("/book", "link.book"),
    Problem.NO_BOOKING: ("/verify?next=book", "link.start"),
    Problem.CLINIC_KEY_INVALID: ("/clinic/login", "link.clinic"),
    Problem.SLOT_EXISTS: ("/clinic", "link.clinic"),
    Problem.SLOT_STARTED: ("/clinic", "link.clinic"),
    Problem.CAPACITY_BELOW_BOOKED: ("/clinic", "link.clinic"),
    Problem.NOT_ON_DAY_LIST: ("/clinic", "link.clinic"),
    Problem.ALREADY_ON_STANDBY: ("/standby", "link.standby"),
    Problem.NOT_ON_STANDBY: ("/standby", "link.standby"),
    Problem.NO_OFFER: ("/standby", "link.standby"),
    Problem.PLACES_FREE: ("/verify?next=book", "link.start"),
    Problem.DISTRICT_NOT_FOUND: ("/standby/join", "link.standby"),
    Problem.OPERATOR_SESSION_REQUIRED: ("/ops/login", "link.ops_login"),
    Problem.OPERATOR_FORBIDDEN: ("/ops", "link.ops"),
    Problem.LINE_NOT_FOUND: ("/ops", "link.ops"),
}
# Refusals that prove a credential stale: the page forgets it, so the next step starts clean.
_FORGET_IDENTITY = {Problem.IDENTITY_INVALID, Problem.DEVICE_MISMATCH, Problem.DEVICE_BOUND_ELSEWHERE}
_FORGET_LINE = {Problem.ADMISSION_INVALID, Problem.TICKET_INVALID}


def problem_view(text: Text, error: VaxbookError) -> ProblemView:
    """A refusal, explained in the page's language, with the way forward."""
    code, details = error.code, error.details
    detail = error.detail_en if text.lang == "en" else error.detail_ko
    view = ProblemView(code.value, text.t("error.title"), detail or text.problem(code))
    if code is Problem.DEVICE_BOUND_ELSEWHERE and details.get("available_at"):
        view.message = text.t("error.device_until", until=text.clock(str(details["available_at"])))
    elif code is Problem.VERIFICATION_TOO_FREQUENT and error.retry_after is not None:
        at = text.now.timestamp() + error.retry_after
        view.message = text.t("error.too_frequent", at=text.clock(datetime.fromtimestamp(at, text.tz)))
    elif code is Problem.WINDOW_NOT_OPEN and details.get("opens_at"):
        view.extra.append(text.t("error.window", opens=text.moment(str(details["opens_at"])),
                                 closes=text.moment(str(details["closes_at"]))))
    view.forget_identity = code in _FORGET_IDENTITY
    view.forget_line = code in _FORGET_LINE
    if code in _NEXT_STEP:
        url, label = _NEXT_STEP[code]
        view.links.append((url, text.t(label)))
    view.links.append(("/", text.t("link.home")))
    return view


def page_problem_view(text: Text, code: str) -> ProblemView:
    """A refusal only the pages make (`error.<code>` in the catalogue), with the way home."""
    home = ("/", text.t("link.home"))
    return ProblemView(code, text.t("error.title"), text.t(f"error.{code}"), links=[home])


def error_page(page: Page, exc: Exception) -> Response:
    """Any refusal as a friendly page in the page's language, never a trace."""
    if isinstance(exc, RequestValidationError):
        exc = VaxbookError(Problem.INVALID_INPUT)  # a hand-edited address: missing or malformed parameters
    elif isinstance(exc, StarletteHTTPException):
        exc = VaxbookError(Problem.NOT_FOUND if exc.status_code == 404 else Problem.INVALID_INPUT)
    elif isinstance(exc, BackendUnavailable):  # the ledger or the gate cannot be reached: try again shortly
        exc = unavailable()
    if isinstance(exc, VaxbookError):
        view, status = problem_view(page.text, exc), status_of(exc.code)
    elif isinstance(exc, CsrfFailed):
        view, status = page_problem_view(page.text, "csrf_failed"), 403
    else:
        log.exception("unhandled error on page %s", page.request.url.path)
        view, status = page_problem_view(page.text, Problem.INTERNAL_ERROR.value), 500
    if view.forget_identity:
        page.forget(IDENTITY)
    if view.forget_line:
        page.forget(TICKET)
        page.forget(ADMISSION)
    return page.render("error.html", status=status, problem=view)


class PageRoute(APIRoute):
    """A route whose refusals become friendly pages instead of problem+json."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except Exception as exc:  # noqa: BLE001  # every failure becomes a page; unknown ones are logged
                return error_page(page_of(request), exc)

        return handle
