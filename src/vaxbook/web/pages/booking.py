"""Booking pages: province -> district -> clinic -> date and time -> review -> booked.

Every one of them reads the admission pass from its cookie and checks it on the server,
so typing a later page's address without passing the waiting room is refused.
"""

from __future__ import annotations

import secrets
from itertools import groupby

from fastapi import APIRouter, Depends, Request, Response

from vaxbook.domain.booking import ClinicFree, SlotFree
from vaxbook.domain.canonical import parse_id
from vaxbook.domain.errors import Problem, VaxbookError
from vaxbook.domain.inventory import second_dose_date
from vaxbook.web.pages.base import PURPOSE, TICKET, Page, page
from vaxbook.web.pages.problem_page import PageRoute

router = APIRouter(route_class=PageRoute, include_in_schema=False)


@router.get("/book")
async def provinces(p: Page = Depends(page)) -> Response:
    admission = p.admission()
    found = await p.container.booking.provinces(admission)
    return p.render("book_regions.html", step="province", regions=found, sido=None, admission=admission)


@router.get("/book/districts")
async def districts(sido: str, p: Page = Depends(page)) -> Response:
    admission = p.admission()
    found = await p.container.booking.districts(admission, sido)
    return p.render("book_regions.html", step="district", regions=found, sido=sido, admission=admission)


@router.get("/book/clinics")
async def clinics(sido: str, sigungu: str, p: Page = Depends(page)) -> Response:
    admission = p.admission()
    found = await p.container.booking.clinics(admission, sido, sigungu)
    return p.render("book_clinics.html", clinics=found, sido=sido, sigungu=sigungu, admission=admission)


@router.get("/book/slots")
async def slots(sido: str, sigungu: str, clinic: str, p: Page = Depends(page)) -> Response:
    admission = p.admission()
    chosen = await _clinic(p, sido, sigungu, clinic)
    found = await p.container.booking.slots(admission, clinic)
    days = [(day, list(group)) for day, group in groupby(found, key=lambda s: s.slot.day)]
    return p.render("book_slots.html", clinic=chosen, days=days, sido=sido, sigungu=sigungu,
                    admission=admission)


@router.get("/book/review")
async def review(sido: str, sigungu: str, clinic: str, slot: int, p: Page = Depends(page)) -> Response:
    admission = p.admission()
    chosen = await _clinic(p, sido, sigungu, clinic)
    found = next((s for s in await p.container.booking.slots(admission, clinic) if s.slot.id == slot), None)
    if found is None:
        raise VaxbookError(Problem.SLOT_NOT_FOUND, field="slot_id")
    return p.render("book_review.html", clinic=chosen, choice=found, second_day=_second_day(p, found),
                    vaccine=p.container.campaign.vaccine(found.slot.vaccine_id),
                    key=secrets.token_urlsafe(16), changing=p.cookie(PURPOSE) == "change",
                    sido=sido, sigungu=sigungu, admission=admission)


@router.post("/book")
async def book(request: Request, p: Page = Depends(page)) -> Response:
    """Book (or change to) the chosen slot; a resubmitted form replays the same booking."""
    admission = p.admission()
    form = await request.form()
    slot_id = parse_id(str(form.get("slot", "")), "slot_id")
    key = str(form.get("key", ""))
    changing = p.cookie(PURPOSE) == "change"
    if changing:
        booking = await p.container.booking.change(admission, p.identity(), slot_id, key)
    else:
        booking = await p.container.booking.book(admission, slot_id, key)
    p.forget(TICKET)
    p.forget(PURPOSE)
    vaccine = p.container.campaign.vaccine(booking.first.vaccine_id)
    return p.render("booked.html", booking=booking, vaccine=vaccine, changed=changing)


async def _clinic(p: Page, sido: str, sigungu: str, clinic_id: str) -> ClinicFree:
    listed = await p.container.booking.clinics(p.admission(), sido, sigungu)
    found = next((c for c in listed if c.clinic.id == clinic_id), None)
    if found is None:
        raise VaxbookError(Problem.CLINIC_NOT_FOUND, field="clinic_id")
    return found


def _second_day(p: Page, found: SlotFree) -> object:
    return second_dose_date(found.slot.day, p.container.campaign.vaccine(found.slot.vaccine_id))
