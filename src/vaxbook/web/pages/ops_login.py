"""Operators sign in and out (/ops/login, /ops/logout); failures count towards a lockout."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response

from vaxbook.domain.errors import Problem, VaxbookError
from vaxbook.web.client_address import client_address
from vaxbook.web.pages.base import Page, page
from vaxbook.web.pages.ops_session import OPS_SESSION, forget_session, keep_session
from vaxbook.web.pages.problem_page import PageRoute
from vaxbook.web.problems import status_of

router = APIRouter(route_class=PageRoute, include_in_schema=False)
MAX_FIELD = 1024


@router.get("/ops/login")
async def login_form(p: Page = Depends(page)) -> Response:
    return p.render("ops_login.html", error=None, name="")


@router.post("/ops/login")
async def login(request: Request, p: Page = Depends(page)) -> Response:
    form = await request.form()
    name, password = (str(form.get(k, ""))[:MAX_FIELD + 1] for k in ("name", "password"))
    try:
        session_id, _ = await p.container.operators.sign_in(name, password, client_address(request))
    except VaxbookError as refused:
        if refused.code not in (Problem.OPERATOR_LOGIN_FAILED, Problem.OPERATOR_LOCKED):
            raise
        answer = p.render("ops_login.html", status=status_of(refused.code), name=name[:64],
                          error={"code": refused.code.value, "message": p.text.problem(refused.code)})
        if refused.retry_after is not None:
            answer.headers["Retry-After"] = str(refused.retry_after)
        return answer
    return keep_session(p, p.redirect("/ops"), session_id)


@router.post("/ops/logout")
async def logout(p: Page = Depends(page)) -> Response:
    await p.container.operators.sign_out(p.cookie(OPS_SESSION))
    return forget_session(p, p.redirect("/ops/login"))
