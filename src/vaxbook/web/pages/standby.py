"""Standby pages: join (up to 3 districts of a province), my position, leave; and the offer a
freed place becomes: see it (clinic, date, time, hold expiry), accept (both doses booked) or decline.

Every step needs a fresh verification (the identity token's own 10 minutes, as on "My
booking"); without one, a page or a form sends the visitor to verify and brings them back to
/standby (an offer is held for 30 minutes, longer than an identity lasts).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response

from vaxbook.domain.errors import Problem, VaxbookError
from vaxbook.domain.standby import MAX_DISTRICTS, District
from vaxbook.web.pages.base import Page, page
from vaxbook.web.pages.problem_page import PageRoute

router = APIRouter(route_class=PageRoute, include_in_schema=False)
AGAIN = "/verify?next=standby"


@router.get("/standby")
async def standby(p: Page = Depends(page)) -> Response:
    """The offer held for me if there is one, else my position, else the way to join."""
    who = p.identity_or_none()
    if who is None:
        return p.redirect(AGAIN)
    service = p.container.standby
    try:
        offer = await service.offer(who)
    except VaxbookError as exc:
        if exc.code is not Problem.NO_OFFER:
            raise
    else:
        return p.render("standby_offer.html", offer=offer,
                        vaccine=p.container.campaign.vaccine(offer.slot.vaccine_id))
    try:
        entry = await service.position(who)
    except VaxbookError as missing:
        if missing.code is not Problem.NOT_ON_STANDBY:
            raise
        return p.redirect("/standby/join")
    return p.render("standby.html", entry=entry)


@router.get("/standby/join")
async def join_form(p: Page = Depends(page), sido: str | None = None) -> Response:
    """Step 1 a province, step 2 up to three of its districts (those with a free place are shown
    but cannot be chosen: the person should book there instead)."""
    who = p.identity_or_none()
    if who is None:
        return p.redirect(AGAIN)
    regions = await p.container.standby.regions(who, sido)
    return p.render("standby_join.html", regions=regions, sido=sido, most=MAX_DISTRICTS)


@router.post("/standby/join")
async def join(request: Request, p: Page = Depends(page)) -> Response:
    who = p.identity_or_none()
    if who is None:
        return p.redirect(AGAIN)
    form = await request.form()
    sido = str(form.get("sido", ""))
    chosen = [District(sido, str(sigungu)) for sigungu in form.getlist("sigungu")]
    await p.container.standby.join(who, chosen)
    return p.redirect("/standby")


@router.post("/standby/leave")
async def leave(p: Page = Depends(page)) -> Response:
    who = p.identity_or_none()
    if who is None:
        return p.redirect(AGAIN)
    await p.container.standby.leave(who)
    return p.render("standby_done.html", done="left")


@router.post("/standby/offer/accept")
async def accept(p: Page = Depends(page)) -> Response:
    """Book the held place with its second dose and show the same confirmation as booking."""
    who = p.identity_or_none()
    if who is None:  # verified more than 10 minutes ago: again, then back to the offer
        return p.redirect(AGAIN)
    booking = await p.container.standby.accept(who)
    vaccine = p.container.campaign.vaccine(booking.first.vaccine_id)
    return p.render("booked.html", booking=booking, vaccine=vaccine, changed=False)


@router.post("/standby/offer/decline")
async def decline(p: Page = Depends(page)) -> Response:
    who = p.identity_or_none()
    if who is None:
        return p.redirect(AGAIN)
    await p.container.standby.decline(who)
    return p.render("standby_done.html", done="declined")

