"""The waiting room: join the line, then ask where one's ticket stands."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Header, Request, Response

from vaxbook.domain.credentials import Identity
from vaxbook.domain.errors import Input, Problem, VaxbookError
from vaxbook.services.auth import require_device
from vaxbook.web.api.credentials import bearer, identity
from vaxbook.web.api.problem_docs import BACKEND, IDENTITY, INPUT, refusals
from vaxbook.web.api.schemas import LineAnswer
from vaxbook.web.api.serialize import line_json
from vaxbook.web.container import container

router = APIRouter(prefix="/api")


@router.post(
    "/line/join", summary="Join the waiting room (one place per person)",
    response_model=LineAnswer, response_model_exclude_unset=True,
    responses=refusals(INPUT, IDENTITY, BACKEND, (
        Problem.OUTSIDE_COHORT, Problem.WINDOW_NOT_OPEN, Problem.CAMPAIGN_CLOSED, Problem.ALREADY_BOOKED,
        Problem.SOLD_OUT,
    )),
)
async def join_line(request: Request, who: Identity = Depends(identity)) -> dict[str, Any]:
    return line_json(await container(request).waiting_room.join(who))


@router.get(
    "/line/status",
    summary="Where my ticket (Authorization: Bearer) stands; an admission pass when admitted",
    response_model=LineAnswer, response_model_exclude_unset=True,
    responses=refusals(INPUT, BACKEND, (
        Problem.MISSING_DEVICE, Problem.TICKET_INVALID, Problem.DEVICE_MISMATCH,
    )),
)
async def line_status(
    request: Request,
    response: Response,
    authorization: str | None = Header(None),
    x_device_id: str | None = Header(None),
) -> dict[str, Any]:
    # The ticket travels in a header, not the URL: it carries a birth date and a masked
    # name, and URLs end up in proxy and CDN access logs.
    ticket = bearer(authorization)
    if not ticket:
        raise VaxbookError(Problem.TICKET_INVALID, field=Input.QUEUE_TICKET)
    view = await container(request).waiting_room.status(ticket, require_device(x_device_id))
    if view.state == "waiting":
        # The same ticket gets the same answer until it is worth asking again.
        response.headers["Cache-Control"] = f"private, max-age={int(view.poll_after_seconds)}"
    else:
        response.headers["Cache-Control"] = "no-store"
    response.headers["Vary"] = "Authorization, X-Device-Id"
    return line_json(view)
