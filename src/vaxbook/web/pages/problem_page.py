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

from vaxbook.domain.errors import CATALOGUE, ProblemKind, VaxbookError
from vaxbook.web.i18n.text import Text
from vaxbook.web.pages.base import ADMISSION, IDENTITY, TICKET, Page, page_of
from vaxbook.web.pages.csrf import CsrfFailed
from vaxbook.web.problems import UNAVAILABLE, UNAVAILABLE_RETRY_SECONDS

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


_NEXT_STEP = {
    "identity_required": ("/verify", "link.verify"),
    "identity_invalid": ("/verify", "link.verify"),
    "verification_not_found": ("/verify", "link.verify"),
    "verification_code_wrong": ("/verify", "link.verify"),
    "admission_required": ("/verify?next=book", "link.line"),
    "admission_invalid": ("/verify?next=book", "link.line"),
    "ticket_invalid": ("/verify?next=book", "link.line"),
    "already_booked": ("/mine", "link.mine"),
    "sold_out": ("/mine", "link.mine"),
    "slot_full": ("/book", "link.book"),
    "second_dose_unavailable": ("/book", "link.book"),
    "slot_not_bookable": ("/book", "link.book"),
    "slot_not_found": ("/book", "link.book"),
    "clinic_not_found": ("/book", "link.book"),
    "no_booking": ("/verify?next=book", "link.start"),
}


def problem_view(
    text: Text,
    code: str,
    kind: ProblemKind | None,
    retry_after: int | None,
    details: dict[str, Any],
    detail_ko: str | None,
    detail_en: str | None,
) -> ProblemView:
    """A refusal, explained in the page's language, with the way forward."""
    kind = kind or CATALOGUE.get(code)
    if kind is not None:
        message = (detail_en or kind.en) if text.lang == "en" else (detail_ko or kind.ko)
    else:
        message = text.t(f"error.{code}")
    view = ProblemView(code, text.t("error.title"), message)
    if code == "device_bound_elsewhere":
        if details.get("available_at"):
            view.message = text.t("error.device_until", until=text.clock(str(details["available_at"])))
        view.forget_identity = True
    elif code == "verification_too_frequent" and retry_after is not None:
        at = text.now.timestamp() + retry_after
        view.message = text.t("error.too_frequent", at=text.clock(datetime.fromtimestamp(at, text.tz)))
    elif code == "window_not_open" and details.get("opens_at"):
        view.extra.append(text.t("error.window", opens=text.moment(str(details["opens_at"])),
                                 closes=text.moment(str(details["closes_at"]))))
    if code in ("identity_invalid", "device_mismatch"):
        view.forget_identity = True
    if code in ("admission_invalid", "ticket_invalid"):
        view.forget_line = True
    if code in _NEXT_STEP:
        url, label = _NEXT_STEP[code]
        view.links.append((url, text.t(label)))
    view.links.append(("/", text.t("link.home")))
    return view


def error_page(page: Page, exc: Exception) -> Response:
    """Any refusal as a friendly page in the page's language, never a trace."""
    if isinstance(exc, RequestValidationError):
        exc = VaxbookError("invalid_input")  # a hand-edited address: missing or malformed parameters
    elif isinstance(exc, StarletteHTTPException):
        exc = VaxbookError("not_found" if exc.status_code == 404 else "invalid_input")
    elif isinstance(exc, UNAVAILABLE):  # the ledger or the gate cannot be reached: try again shortly
        exc = VaxbookError("service_unavailable", retry_after=UNAVAILABLE_RETRY_SECONDS)
    if isinstance(exc, VaxbookError):
        view, status = problem_view(page.text, exc.code, exc.kind, exc.retry_after, exc.details,
                                    exc.detail_ko, exc.detail_en), exc.kind.status
    elif isinstance(exc, CsrfFailed):
        view, status = problem_view(page.text, "csrf_failed", None, None, {}, None, None), 403
    else:
        log.exception("unhandled error on page %s", page.request.url.path)
        view, status = problem_view(page.text, "internal_error", None, None, {}, None, None), 500
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
