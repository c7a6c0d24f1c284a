"""Bookings: book with an admission pass; view, change and cancel one's own booking."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Header, Request
from pydantic import BaseModel, Field

from vaxbook.domain.credentials import AdmissionPass, Identity
from vaxbook.web.api.credentials import admission, identity
from vaxbook.web.api.serialize import booking_json
from vaxbook.web.container import container

router = APIRouter(prefix="/api")


class SlotChoice(BaseModel):
    slot_id: int = Field(ge=1)


@router.post("/bookings", status_code=201, summary="Book the first dose and the second dose")
async def book(
    choice: SlotChoice,
    request: Request,
    admitted: AdmissionPass = Depends(admission),
    idempotency_key: str = Header("", alias="Idempotency-Key"),
) -> dict[str, Any]:
    booking = await container(request).booking.book(admitted, choice.slot_id, idempotency_key)
    return booking_json(booking)


@router.get("/bookings/me", summary="My booking (fresh verification)")
async def my_booking(request: Request, who: Identity = Depends(identity)) -> dict[str, Any]:
    return booking_json(await container(request).booking.mine(who))


@router.put(
    "/bookings/me",
    summary="Change my booking to another slot (admission pass and a fresh X-Identity-Token)",
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


@router.delete("/bookings/me", summary="Cancel my booking (fresh verification)")
async def cancel_booking(request: Request, who: Identity = Depends(identity)) -> dict[str, Any]:
    return booking_json(await container(request).booking.cancel(who))
