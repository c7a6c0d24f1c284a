"""Bookings: book with an admission pass; view, change and cancel one's own booking."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Header, Request
from pydantic import BaseModel

from vaxbook.domain.credentials import AdmissionPass, Identity
from vaxbook.domain.errors import Problem
from vaxbook.web.api.credentials import admission, identity
from vaxbook.web.api.inputs import LedgerId
from vaxbook.web.api.problem_docs import ADMISSION, BACKEND, IDENTITY, INPUT, refusals
from vaxbook.web.api.schemas import BookingAnswer
from vaxbook.web.api.serialize import booking_json
from vaxbook.web.container import container

router = APIRouter(prefix="/api")
# What booking or changing can refuse, besides the credentials and the input.
WRITING = (
    Problem.MISSING_IDEMPOTENCY_KEY, Problem.IDEMPOTENCY_KEY_REUSED, Problem.DEVICE_BOUND_ELSEWHERE,
    Problem.SLOT_NOT_FOUND, Problem.SLOT_NOT_BOOKABLE, Problem.SLOT_FULL, Problem.SECOND_DOSE_UNAVAILABLE,
    Problem.ALREADY_BOOKED,
)


class SlotChoice(BaseModel):
    slot_id: LedgerId


@router.post("/bookings", status_code=201, summary="Book the first dose and the second dose",
             response_model=BookingAnswer,
             responses=refusals(ADMISSION, INPUT, BACKEND, WRITING, (Problem.ADMISSION_USED,)))
async def book(
    choice: SlotChoice,
    request: Request,
    admitted: AdmissionPass = Depends(admission),
    idempotency_key: str = Header("", alias="Idempotency-Key"),
) -> dict[str, Any]:
    booking = await container(request).booking.book(admitted, choice.slot_id, idempotency_key)
    return booking_json(booking)


@router.get("/bookings/me", summary="My booking (fresh verification)",
            response_model=BookingAnswer, responses=refusals(INPUT, IDENTITY, BACKEND, (Problem.NO_BOOKING,)))
async def my_booking(request: Request, who: Identity = Depends(identity)) -> dict[str, Any]:
    return booking_json(await container(request).booking.mine(who))


@router.put(
    "/bookings/me",
    summary="Change my booking to another slot (admission pass and a fresh X-Identity-Token)",
    response_model=BookingAnswer,
    responses=refusals(ADMISSION, IDENTITY, INPUT, BACKEND, WRITING, (Problem.NO_BOOKING,)),
)
async def change_booking(
    choice: SlotChoice,
    request: Request,
    admitted: AdmissionPass = Depends(admission),
    idempotency_key: str = Header("", alias="Idempotency-Key"),
    x_identity_token: str | None = Header(None),
) -> dict[str, Any]:
    built = container(request)
    who = built.auth.identity(x_identity_token, admitted.device)
    booking = await built.booking.change(admitted, who, choice.slot_id, idempotency_key)
    return booking_json(booking)


@router.delete("/bookings/me", summary="Cancel my booking (fresh verification)", response_model=BookingAnswer,
               responses=refusals(INPUT, IDENTITY, BACKEND, (Problem.NO_BOOKING,)))
async def cancel_booking(request: Request, who: Identity = Depends(identity)) -> dict[str, Any]:
    return booking_json(await container(request).booking.cancel(who))
