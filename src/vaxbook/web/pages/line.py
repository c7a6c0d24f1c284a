"""The waiting room page: the ticket lives in a cookie, so a refresh or a reopened tab keeps the place."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Response
from fastapi.responses import JSONResponse

from vaxbook.domain.credentials import Identity
from vaxbook.domain.errors import VaxbookError
from vaxbook.domain.rotation import additional_window
from vaxbook.services.waiting_room import LineView
from vaxbook.web.pages.base import ADMISSION, PURPOSE, TICKET, Page, page
from vaxbook.web.pages.problem_page import PageRoute

router = APIRouter(route_class=PageRoute, include_in_schema=False)
TICKET_SECONDS = 2 * 24 * 3600  # the ticket itself expires when its window closes


async def join_line(p: Page, who: Identity, *, change: bool) -> Response:
    """Take (or get back) the person's place and go to the waiting room."""
    view = await p.container.waiting_room.join(who)
    p.keep(TICKET, view.ticket, TICKET_SECONDS)
    if change:
        p.keep(PURPOSE, "change", TICKET_SECONDS)
    else:
        p.forget(PURPOSE)
    return p.redirect("/line")


@router.post("/line/join")
async def join(p: Page = Depends(page)) -> Response:
    return await join_line(p, p.identity(), change=False)


@router.get("/line")
async def line(p: Page = Depends(page)) -> Response:
    ticket = p.cookie(TICKET)
    if ticket is None:
        if p.identity_or_none() is None:
            return p.redirect("/verify?next=book")
        return p.render("line_join.html")
    view = await _status(p, ticket)
    if view.state == "admitted":
        return p.redirect("/book")
    return p.render("line.html", view=view, facts=_facts(p, view), changing=p.cookie(PURPOSE) == "change",
                    additional=additional_window(p.container.campaign))


@router.get("/line/status.json")
async def line_status(p: Page = Depends(page)) -> Response:
    """What the page's script polls: the same status, worded in the page's language."""
    try:
        view = await _status(p, p.cookie(TICKET) or "")
    except VaxbookError:
        # The page itself explains the problem (and forgets stale credentials) on reload.
        return p.finish(JSONResponse({"state": "error", "next": "/line"}))
    answer = {**_facts(p, view), "state": view.state, "poll_after": view.poll_after_seconds,
              "next": "/book" if view.state == "admitted" else None}
    return p.finish(JSONResponse(answer))


async def _status(p: Page, ticket: str) -> LineView:
    view = await p.container.waiting_room.status(ticket, p.device)
    if view.ticket != ticket:
        p.keep(TICKET, view.ticket, TICKET_SECONDS)
    if view.admission_pass:
        p.keep(ADMISSION, view.admission_pass, p.container.settings.admission_pass_seconds)
    return view


def _facts(p: Page, view: LineView) -> dict[str, Any]:
    text = p.text
    ahead = view.ahead or 0
    number = view.number or 0
    progress = round(100 * (1 - ahead / number)) if number else 0
    facts: dict[str, Any] = {
        "number": text.count(number) if view.number else "-",
        "ahead": text.count(ahead) if view.ahead is not None else "-",
        "wait": text.wait(view.estimated_wait_seconds),
        "progress": progress,
    }
    notice = view.notice_en if text.lang == "en" else view.notice_ko
    facts["notice"] = notice or ""
    if view.paused:
        facts["message"] = text.t("line.paused")
    elif view.state == "waiting":
        facts["message"] = text.t("line.status", ahead=facts["ahead"], wait=facts["wait"])
    elif view.state == "pre_queue" and view.opens_at:
        facts["message"] = text.t("line.pre_queue", opens=text.clock(view.opens_at))
    elif view.state == "sold_out":
        facts["message"] = text.t("line.sold_out_title")
    else:
        facts["message"] = text.t("line.admitted")
    return facts
