"""The waiting room: join the line, then ask where one's ticket stands."""

from __future__ import annotations

import hashlib
from dataclasses import asdict
from typing import Any

import orjson
from fastapi import APIRouter, Depends, Header, Request, Response

from vaxbook.domain.credentials import Identity
from vaxbook.domain.errors import Input, Problem, VaxbookError
from vaxbook.services.auth import require_device
from vaxbook.web.api.credentials import bearer, identity
from vaxbook.web.api.problem_docs import BACKEND, IDENTITY, INPUT, refusals
from vaxbook.web.api.schemas import LineAnswer, LineCountersAnswer
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


# One second: what a waiting client may be behind, and what a cache in front (deploy/nginx)
# keeps the document for, so however many wait, the app answers about once a second per line.
COUNTERS_MAX_AGE_SECONDS = 1


@router.get(
    "/lines/{line_id}/counters",
    summary="A line's public counters (issued, admitted up to, admission rate, sold out), cacheable",
    description=(
        "The same document for everyone in the line (`Cache-Control: public, max-age=1`, ETag). "
        "A client works out its place (`number - admitted - 1` people ahead) and wait "
        "(`ahead / admission_rate` seconds) from its own ticket number, and calls "
        "`/api/line/status` once, when `admitted >= number`, to claim its admission pass. "
        "`If-None-Match` with the last ETag is answered 304 Not Modified."
    ),
    response_model=LineCountersAnswer,
    responses=refusals(INPUT, BACKEND, (Problem.NOT_FOUND,)),
)
async def line_counters(request: Request, line_id: str) -> Response:
    counters = await container(request).waiting_room.public_counters(line_id)
    body = orjson.dumps(asdict(counters))
    tag = '"' + hashlib.blake2b(body, digest_size=8).hexdigest() + '"'
    headers = {"Cache-Control": f"public, max-age={COUNTERS_MAX_AGE_SECONDS}", "ETag": tag}
    if request.headers.get("if-none-match") == tag:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/json", headers=headers)
