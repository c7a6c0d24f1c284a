"""Steering from the console: a line's rate and cap, pause and resume, its notice; clinic keys.

Each form goes to the same services as the commands; the services check the role (a
viewer is refused with operator_forbidden) and write the audit trail.
"""

from __future__ import annotations

import re

from fastapi import APIRouter, Depends, Request, Response

from vaxbook.domain.errors import Problem, VaxbookError
from vaxbook.domain.operators import require_steering
from vaxbook.web.pages.base import Page, page
from vaxbook.web.pages.ops_session import operator_of
from vaxbook.web.pages.problem_page import PageRoute

router = APIRouter(route_class=PageRoute, include_in_schema=False)
_RATE = re.compile(r"[0-9]{1,6}(\.[0-9]{1,3})?", re.ASCII)
_CAP = re.compile(r"[0-9]{1,8}", re.ASCII)


def _number(text: str, pattern: re.Pattern[str], field: str) -> str | None:
    """An ASCII decimal from a form field, or None when left empty (back to the configured value)."""
    text = text.strip()
    if not text:
        return None
    if not pattern.fullmatch(text):
        raise VaxbookError(Problem.INVALID_INPUT, field=field,
                           detail_en=f"{field}: ASCII digits (0-9), or empty for the configured value.",
                           detail_ko=f"{field}: 숫자(0-9)로 입력하거나, 설정값을 쓰려면 비워 두세요.")
    return text


async def _form(request: Request) -> dict[str, str]:
    form = await request.form()
    return {key: str(value) for key, value in form.items() if isinstance(value, str)}


def _back(p: Page, line_id: str) -> Response:
    return p.redirect(f"/ops#line-{line_id}")


@router.post("/ops/lines/{line_id}/rate")
async def set_rate(line_id: str, request: Request, p: Page = Depends(page)) -> Response:
    who, form = await operator_of(p), await _form(request)
    rate = _number(form.get("rate", ""), _RATE, "rate")
    cap = _number(form.get("cap", ""), _CAP, "cap")
    await p.container.steering.set_rate(who, line_id, None if rate is None else float(rate),
                                        None if cap is None else int(cap))
    return _back(p, line_id)


@router.post("/ops/lines/{line_id}/pause")
async def pause(line_id: str, p: Page = Depends(page)) -> Response:
    await p.container.steering.pause(await operator_of(p), line_id, True)
    return _back(p, line_id)


@router.post("/ops/lines/{line_id}/resume")
async def resume(line_id: str, p: Page = Depends(page)) -> Response:
    await p.container.steering.pause(await operator_of(p), line_id, False)
    return _back(p, line_id)


@router.post("/ops/lines/{line_id}/notice")
async def notice(line_id: str, request: Request, p: Page = Depends(page)) -> Response:
    who, form = await operator_of(p), await _form(request)
    await p.container.steering.post_notice(who, line_id, form.get("notice_ko", ""), form.get("notice_en", ""))
    return _back(p, line_id)


@router.post("/ops/clinic-keys/issue")
async def issue_key(request: Request, p: Page = Depends(page)) -> Response:
    """The new key is shown on this answer only (no-store, never logged)."""
    who, form = await operator_of(p), await _form(request)
    require_steering(who)
    clinic_id = form.get("clinic_id", "").strip()
    key = await p.container.clinic_keys.issue(clinic_id, who.name)
    return p.render("ops_key.html", who=who, clinic_id=clinic_id, key=key)


@router.post("/ops/clinic-keys/revoke")
async def revoke_key(request: Request, p: Page = Depends(page)) -> Response:
    who, form = await operator_of(p), await _form(request)
    require_steering(who)
    clinic_id = form.get("clinic_id", "").strip()
    await p.container.clinic_keys.revoke(clinic_id, who.name)
    return p.render("ops_key.html", who=who, clinic_id=clinic_id, key=None)
