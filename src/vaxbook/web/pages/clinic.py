"""The clinic staff pages: log in with the clinic's key, see today's list and mark each dose,
add slots, change future capacities, and offer today's leftover doses to standby.

The key is kept in an HttpOnly, SameSite cookie and proved on every request by the same
service call as the API's (so the wrong-key throttle counts every use); every form
carries the device's CSRF token.
"""

from __future__ import annotations

import re
from datetime import date, time

from fastapi import APIRouter, Depends, Request, Response
from starlette.datastructures import FormData

from vaxbook.domain.canonical import parse_id
from vaxbook.domain.errors import Problem, VaxbookError
from vaxbook.domain.inventory_rows import SlotRecord
from vaxbook.web.client_address import client_address
from vaxbook.web.pages.base import Page, page
from vaxbook.web.pages.problem_page import PageRoute

router = APIRouter(route_class=PageRoute, include_in_schema=False)
CLINIC = "vb_clinic"
SHIFT = 12 * 3600  # a working day; the staff log in again the next morning
_COUNT = re.compile(r"[0-9]{1,6}", re.ASCII)
_TIME = re.compile(r"([0-9]{2}):([0-9]{2})", re.ASCII)


def _signed_in(p: Page) -> tuple[str, str] | None:
    clinic_id, _, key = (p.cookie(CLINIC) or "").partition(":")
    return (clinic_id, key) if clinic_id and key else None


@router.get("/clinic/login")
async def login_form(p: Page = Depends(page)) -> Response:
    return p.render("clinic_login.html", error=None, clinic_id="")


@router.post("/clinic/login")
async def login(request: Request, p: Page = Depends(page)) -> Response:
    form = await request.form()
    clinic_id, key = str(form.get("clinic_id", "")).strip(), str(form.get("key", "")).strip()
    try:
        await p.container.clinics.authorize(clinic_id, key, client_address(request))
    except VaxbookError as exc:
        if exc.code not in (Problem.CLINIC_KEY_INVALID, Problem.CLINIC_NOT_FOUND, Problem.INVALID_INPUT):
            raise
        return p.render("clinic_login.html", status=401, error=p.text.t("clinic.login_failed"),
                        clinic_id=clinic_id if len(clinic_id) <= 32 else "")
    p.keep(CLINIC, f"{clinic_id}:{key}", SHIFT)
    return p.redirect("/clinic")


@router.post("/clinic/logout")
async def logout(p: Page = Depends(page)) -> Response:
    p.forget(CLINIC)
    return p.redirect("/clinic/login")


@router.get("/clinic")
async def today(request: Request, p: Page = Depends(page)) -> Response:
    signed_in = _signed_in(p)
    if signed_in is None:
        return p.redirect("/clinic/login")
    clinic_id, key = signed_in
    staff, client = p.container.clinic_staff, client_address(request)
    slots = await staff.inventory(clinic_id, key, client)
    rows = await p.container.clinics.day_list(clinic_id, key, staff.today(), client)
    clinic = await p.container.ledger.clinic(clinic_id)
    vaccines = [v.id for v in p.container.campaign.vaccines]
    return p.render("clinic.html", clinic=clinic, rows=rows, slots=slots, day=staff.today(),
                    vaccines=vaccines, done=request.query_params.get("done", ""))


@router.post("/clinic/doses")
async def mark(request: Request, p: Page = Depends(page)) -> Response:
    clinic_id, key = _required(p)
    form = await request.form()
    dose = 2 if form.get("dose") == "2" else 1
    await p.container.clinic_staff.mark(clinic_id, key, client_address(request),
                                        str(form.get("booking", "")), dose, str(form.get("outcome", "")))
    return p.redirect("/clinic?done=marked")


@router.post("/clinic/slots")
async def add_slot(request: Request, p: Page = Depends(page)) -> Response:
    clinic_id, key = _required(p)
    form = await request.form()
    try:
        day = date.fromisoformat(str(form.get("date", "")))
    except ValueError:
        raise VaxbookError(Problem.INVALID_INPUT, field="date") from None
    record = SlotRecord(clinic_id, day, _time(form, "start"), _time(form, "end"),
                        str(form.get("vaccine", "")), _count(form, "first_capacity"),
                        _count(form, "second_capacity"))
    await p.container.clinic_staff.add_slot(key, client_address(request), record)
    return p.redirect("/clinic?done=added")


@router.post("/clinic/slots/{slot_id}")
async def set_capacity(slot_id: str, request: Request, p: Page = Depends(page)) -> Response:
    clinic_id, key = _required(p)
    form = await request.form()
    await p.container.clinic_staff.set_capacity(
        clinic_id, key, client_address(request), parse_id(slot_id, "slot_id"),
        _count(form, "first_capacity"), _count(form, "second_capacity"),
    )
    return p.redirect("/clinic?done=changed")


@router.post("/clinic/leftovers")
async def post_leftovers(request: Request, p: Page = Depends(page)) -> Response:
    """Today's leftover doses, offered to the district's standby in order (never on a map)."""
    clinic_id, key = _required(p)
    form = await request.form()
    await p.container.standby.post_leftovers(
        clinic_id, key, str(form.get("vaccine", "")), _count(form, "doses"), _time(form, "until"),
        client_address(request),
    )
    return p.redirect("/clinic?done=leftovers")


def _required(p: Page) -> tuple[str, str]:
    signed_in = _signed_in(p)
    if signed_in is None:
        raise VaxbookError(Problem.CLINIC_KEY_INVALID)
    return signed_in


def _count(form: FormData, name: str) -> int:
    text = str(form.get(name, "0") or "0")
    if not _COUNT.fullmatch(text):
        raise VaxbookError(Problem.INVALID_INPUT, field=name)
    return int(text)


def _time(form: FormData, name: str) -> time:
    match = _TIME.fullmatch(str(form.get(name, "")))
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        raise VaxbookError(Problem.INVALID_INPUT, field=name)
    return time(int(match[1]), int(match[2]))
