"""My booking: view, change and cancel, each after a fresh verification and with confirmation.

"Fresh" is the identity token's own lifetime (10 minutes, the same as the hold on
verifying again), so someone who just booked can manage the booking without being
refused a second verification.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response

from vaxbook.domain.credentials import Identity
from vaxbook.domain.errors import Problem, VaxbookError
from vaxbook.web.pages.base import Page, page
from vaxbook.web.pages.line import join_line
from vaxbook.web.pages.problem_page import PageRoute

router = APIRouter(route_class=PageRoute, include_in_schema=False)


def _verified(p: Page) -> Identity | None:
    return p.identity_or_none()


@router.get("/mine")
async def mine(p: Page = Depends(page)) -> Response:
    who = _verified(p)
    if who is None:
        return p.redirect("/verify?next=mine")
    try:
        booking = await p.container.booking.mine(who)
    except VaxbookError as exc:
        if exc.code is not Problem.NO_BOOKING:
            raise
        return p.render("mine_none.html", who=who)
    found = await p.container.eligibility.check(who)
    return p.render("mine.html", who=who, booking=booking, may_change=found.may_join_line,
                    vaccine=p.container.campaign.vaccine(booking.first.vaccine_id))


async def _confirm(p: Page, action: str) -> Response:
    """Ask before acting: the booking as it stands, and the button for `action`."""
    who = _verified(p)
    if who is None:
        return p.redirect("/verify?next=mine")
    booking = await p.container.booking.mine(who)
    return p.render("mine_confirm.html", action=action, booking=booking,
                    vaccine=p.container.campaign.vaccine(booking.first.vaccine_id))


@router.get("/mine/cancel")
async def cancel_confirm(p: Page = Depends(page)) -> Response:
    return await _confirm(p, "cancel")


@router.post("/mine/cancel")
async def cancel(p: Page = Depends(page)) -> Response:
    booking = await p.container.booking.cancel(p.identity())
    return p.render("mine_cancelled.html", booking=booking)


@router.get("/mine/change")
async def change_confirm(p: Page = Depends(page)) -> Response:
    return await _confirm(p, "change")


@router.post("/mine/change")
async def change(p: Page = Depends(page)) -> Response:
    """Join the line to change: the service lets a booked person in while their window is open."""
    return await join_line(p, p.identity(), change=True)
