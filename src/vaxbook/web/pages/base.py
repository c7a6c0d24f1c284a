"""What every citizen page shares: the device cookie, language, credentials and rendering.

Pages call the same services as the JSON API; this module only carries credentials
between the browser and those services (in HttpOnly cookies) and renders the answer.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from fastapi import Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from vaxbook.bootstrap import Container
from vaxbook.domain.credentials import AdmissionPass, Identity
from vaxbook.domain.errors import VaxbookError
from vaxbook.web.container import container
from vaxbook.web.i18n.text import LANGUAGES, Text
from vaxbook.web.pages.csrf import CsrfFailed, csrf_token, csrf_valid
from vaxbook.web.pages.headers import SECURITY_HEADERS
from vaxbook.web.pages.render import TEMPLATES

R = TypeVar("R", bound=Response)

# Cookie names. The queue ticket and the admission pass are two credentials: a ticket
# holds a place in line, a pass (from an admitted ticket) lets its holder book.
DEVICE, LANG, IDENTITY, TICKET, ADMISSION, PENDING, PURPOSE = (
    "vb_device", "vb_lang", "vb_identity", "vb_ticket", "vb_pass", "vb_pending", "vb_purpose")
YEAR = 365 * 24 * 3600


@dataclass
class Page:
    """One page request: who is asking, in which language, and the cookies to send back."""

    request: Request
    container: Container
    lang: str
    device: str
    cookies_to_send: list[tuple[str, str | None, int]] = field(default_factory=list)

    @property
    def text(self) -> Text:
        return Text(self.lang, self.container.campaign.timezone, self.container.clock.now())

    # cookies ---------------------------------------------------------------------------
    def cookie(self, name: str) -> str | None:
        return self.request.cookies.get(name) or None

    def keep(self, name: str, value: str, max_age: int) -> None:
        self.cookies_to_send.append((name, value, max_age))

    def forget(self, name: str) -> None:
        self.cookies_to_send.append((name, None, 0))

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

    # CSRF ------------------------------------------------------------------------------
    @property
    def csrf(self) -> str:
        return csrf_token(self.container.keys.csrf.current, self.device)

    async def check_csrf(self) -> None:
        form = await self.request.form()
        sent = form.get("csrf")
        if not isinstance(sent, str) or not csrf_valid(self.container.keys.csrf, self.device, sent):
            raise CsrfFailed()

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
        for name, value, max_age in self.cookies_to_send:
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
