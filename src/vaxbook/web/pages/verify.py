"""Verification pages: the form, the code, and on to the waiting room or one's booking."""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse

from vaxbook.config import METHODS
from vaxbook.demo import demo_people
from vaxbook.domain.errors import Problem, VaxbookError
from vaxbook.domain.rotation import all_windows
from vaxbook.web.client_address import client_address
from vaxbook.web.pages.base import IDENTITY, PENDING, Page, page
from vaxbook.web.pages.line import join_line
from vaxbook.web.pages.problem_page import PageRoute
from vaxbook.web.problems import field_name, status_of

router = APIRouter(route_class=PageRoute, include_in_schema=False)
PURPOSES = ("book", "mine", "standby")  # where a verification leads: the line, /mine or /standby


@router.get("/verify")
async def verify_form(p: Page = Depends(page), next: str = "book") -> Response:
    """Step 1, or 'already verified' when this device holds a live identity."""
    purpose = next if next in PURPOSES else "book"
    return p.render("verify.html", methods=await p.container.auth.methods(), purpose=purpose,
                    verified=p.identity_or_none(), form={}, error=None, demo_number=_demo_number(p),
                    pow=p.container.auth.challenge(p.device))


def _demo_number(p: Page) -> str | None:
    """In demo mode, a made-up resident number whose group may book now, so a first try works."""
    if not p.container.settings.dev_mode:
        return None
    now = p.container.clock.now()
    open_now = next((w for w in all_windows(p.container.campaign) if w.is_open(now)), None)
    if open_now is None:
        return None
    numbers = demo_people(open_now.group if open_now.group is not None else 1, 3)
    chosen = numbers[secrets.randbelow(len(numbers))]
    return f"{chosen[:6]}-{chosen[6:]}"


@router.get("/verify/methods.json")
async def methods_now(p: Page = Depends(page)) -> Response:
    """Each method's congestion, worded in the page's language, for the form's script."""
    text = p.text
    found = [{"method": m.method, "level": m.level, "level_text": text.t(f"level.{m.level}"),
              "wait_text": text.t("method.wait", wait=text.wait(m.estimated_wait_seconds))}
             for m in await p.container.auth.methods()]
    return p.finish(JSONResponse({"methods": found}))


@router.post("/verify")
async def verify_start(request: Request, p: Page = Depends(page)) -> Response:
    form = await request.form()
    values = {k: str(form.get(k, "")) for k in ("name", "resident_number", "phone", "method", "purpose",
                                                "pow_challenge", "pow_solution")}
    purpose = values["purpose"] if values["purpose"] in PURPOSES else "book"
    try:
        started = await p.container.auth.start(
            name=values["name"], resident_number=values["resident_number"], phone=values["phone"],
            method=values["method"], device_id=p.device, client=client_address(request),
            proof=(values["pow_challenge"], values["pow_solution"]),
        )
    except VaxbookError as exc:
        # Shown beside the form, which keeps what was typed (never the resident number).
        values["resident_number"] = ""
        return p.render("verify.html", status=status_of(exc.code), methods=await p.container.auth.methods(),
                        purpose=purpose, verified=None, form=values, error=_field_error(p, exc),
                        demo_number=_demo_number(p), pow=p.container.auth.challenge(p.device))
    p.keep(PENDING, started.request_token, started.expires_in)
    return p.render("verify_code.html", method=values["method"], purpose=purpose,
                    dev_code=started.dev_code, error=None)


@router.post("/verify/code")
async def verify_code(request: Request, p: Page = Depends(page)) -> Response:
    form = await request.form()
    sent = str(form.get("purpose", ""))
    purpose = sent if sent in PURPOSES else "book"
    try:
        verified = await p.container.auth.verify(
            request_token=p.cookie(PENDING) or "", code=str(form.get("code", "")), device_id=p.device
        )
    except VaxbookError as exc:
        if exc.code is not Problem.VERIFICATION_CODE_WRONG:
            raise
        method = str(form.get("method", ""))
        method = method if method in METHODS else ""
        return p.render("verify_code.html", status=status_of(exc.code), method=method,
                        purpose=purpose, dev_code=None, error=_field_error(p, exc))
    p.forget(PENDING)
    p.keep_until(IDENTITY, verified.identity_token, verified.identity.exp)
    if purpose != "book":
        return p.redirect(f"/{purpose}")
    return await join_line(p, verified.identity, change=False)


def _field_error(p: Page, exc: VaxbookError) -> dict[str, str]:
    general, detail = p.text.problem(exc.code), exc.detail_en if p.lang == "en" else exc.detail_ko
    return {"field": field_name(exc.field) or "", "message": f"{general} {detail}" if detail else general}
