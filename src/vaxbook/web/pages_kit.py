"""What every citizen page shares: device cookie, language, CSRF, credentials, rendering, errors.

Pages call the same services as the JSON API; this module only carries credentials
between the browser and those services (in HttpOnly cookies) and renders the answer.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.exceptions import HTTPException as StarletteHTTPException

from vaxbook.bootstrap import Container
from vaxbook.domain.errors import VaxbookError
from vaxbook.keys import Key, KeyRing
from vaxbook.tokens import AdmissionPass, Identity
from vaxbook.web.credentials import container
from vaxbook.web.pages_text import LANGUAGES, Text, problem_view
from vaxbook.web.problems import UNAVAILABLE, UNAVAILABLE_RETRY_SECONDS

R = TypeVar("R", bound=Response)
log = logging.getLogger("vaxbook.web.pages")
TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
TEMPLATES.filters["todatetime"] = lambda timestamp: datetime.fromtimestamp(timestamp, UTC)

# Strict: only our own files; no inline script or style anywhere, no framing.
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
       "worker-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}

DEVICE, LANG, IDENTITY, TICKET, ADMISSION, PENDING, PURPOSE = (
    "vb_device", "vb_lang", "vb_identity", "vb_ticket", "vb_pass", "vb_pending", "vb_purpose")
YEAR = 365 * 24 * 3600


class PageProblem(Exception):
    """A refusal that only the pages make (a form without a valid CSRF token)."""

    def __init__(self, code: str, status: int) -> None:
        super().__init__(code)
        self.code, self.status = code, status


@dataclass
class Page:
    """One page request: who is asking, in which language, and the cookies to send back."""

    request: Request
    container: Container
    lang: str
    device: str
    _cookies: list[tuple[str, str | None, int]] = field(default_factory=list)

    @property
    def text(self) -> Text:
        return Text(self.lang, self.container.campaign.timezone, self.container.clock.now())

    # cookies ---------------------------------------------------------------------------
    def cookie(self, name: str) -> str | None:
        return self.request.cookies.get(name) or None

    def keep(self, name: str, value: str, max_age: int) -> None:
        self._cookies.append((name, value, max_age))

    def forget(self, name: str) -> None:
        self._cookies.append((name, None, 0))

    def keep_until(self, name: str, value: str, expires_at: float) -> None:
        now = self.container.clock.now().timestamp()
        self.keep(name, value, max(int(expires_at - now), 1))

    # credentials, always checked on the server ------------------------------------------
    def identity(self) -> Identity:
        return self.container.auth.identity(self.cookie(IDENTITY), self.device)

    def identity_or_none(self) -> Identity | None:
        try:
            return self.identity()
        except VaxbookError:
            return None

    def admission(self) -> AdmissionPass:
        return self.container.signer.read(AdmissionPass, self.cookie(ADMISSION), device=self.device)

    # CSRF: a token derived from the device cookie with the current CSRF key -------------
    @property
    def csrf(self) -> str:
        return csrf_token(self.container.keys.csrf.current, self.device)

    async def check_csrf(self) -> None:
        form = await self.request.form()
        sent = form.get("csrf")
        if not isinstance(sent, str) or not csrf_valid(self.container.keys.csrf, self.device, sent):
            raise PageProblem("csrf_failed", 403)

    # answers ---------------------------------------------------------------------------
    def render(self, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        text = self.text
        html = TEMPLATES.get_template(template).render(
            t=text.t, fmt=text, lang=self.lang, languages=LANGUAGES, csrf=self.csrf,
            path=self.request.url.path, query=self.request.url.query,
            campaign=self.container.campaign, dev_mode=self.container.settings.dev_mode, **context,
        )
        return self.finish(HTMLResponse(html, status_code=status))

    def redirect(self, url: str) -> RedirectResponse:
        return self.finish(RedirectResponse(url, status_code=303))

    def finish(self, response: R) -> R:
        response.headers.update(SECURITY_HEADERS)
        secure = self.request.url.scheme == "https"
        for name, value, max_age in self._cookies:
            if value is None:
                response.delete_cookie(name, path="/", secure=secure, httponly=True, samesite="lax")
            else:
                response.set_cookie(name, value, max_age=max_age, path="/", secure=secure,
                                    httponly=True, samesite="lax")
        return response

    def now(self) -> datetime:
        return self.container.clock.now().astimezone(UTC)


def page_of(request: Request) -> Page:
    """The Page of this request, made once: a new device gets a random id in a cookie."""
    existing = request.scope.get("vaxbook.page")
    if isinstance(existing, Page):
        return existing
    lang = request.cookies.get(LANG, "ko")
    device = request.cookies.get(DEVICE, "")
    page = Page(request, container(request), lang if lang in LANGUAGES else "ko",
                device if 16 <= len(device) <= 64 else "")
    if not page.device:
        page.device = secrets.token_urlsafe(24)
        page.keep(DEVICE, page.device, YEAR)
    request.scope["vaxbook.page"] = page
    return page


async def page(request: Request) -> Page:
    """Dependency for every page; a POST must carry the CSRF token of this device."""
    found = page_of(request)
    if request.method == "POST":
        await found.check_csrf()
    return found


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
    elif isinstance(exc, PageProblem):
        view, status = problem_view(page.text, exc.code, None, None, {}, None, None), exc.status
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


def csrf_token(key: Key, device: str) -> str:
    """`kid.mac`: the key id lets a form made before a CSRF key rotation still be sent."""
    mac = hmac.new(key.secret, b"vaxbook-pages-csrf:" + device.encode(), hashlib.sha256)
    return f"{key.id}.{mac.hexdigest()}"


def csrf_valid(ring: KeyRing, device: str, sent: str) -> bool:
    key = ring.find(sent.partition(".")[0])
    return key is not None and hmac.compare_digest(csrf_token(key, device).encode(), sent.encode())
