"""The operator's session cookie: HttpOnly, SameSite=Strict, sent to /ops only, Secure over HTTPS.

The cookie holds a random session id; the ledger keeps its hash and the operator's name,
so signing out or removing the operator ends the session on every worker at once. Forms
carry the pages' CSRF token (csrf.py) besides.
"""

from __future__ import annotations

from fastapi import Response

from vaxbook.domain.operators import OperatorSession
from vaxbook.web.pages.base import Page

OPS_SESSION = "vb_ops"
OPS_PATH = "/ops"


async def operator_of(p: Page) -> OperatorSession:
    """The signed-in operator, or operator_session_required."""
    return await p.container.operators.session(p.cookie(OPS_SESSION))


def keep_session(p: Page, response: Response, session_id: str) -> Response:
    response.set_cookie(OPS_SESSION, session_id, max_age=p.container.settings.operator_session_seconds,
                        path=OPS_PATH, secure=p.request.url.scheme == "https", httponly=True,
                        samesite="strict")
    return response


def forget_session(p: Page, response: Response) -> Response:
    response.delete_cookie(OPS_SESSION, path=OPS_PATH, secure=p.request.url.scheme == "https",
                           httponly=True, samesite="strict")
    return response
