"""The JSON API for booking (admission pass required), one's own booking, and clinic lists."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Header, Request, Response
from pydantic import BaseModel, Field

from vaxbook.tokens import AdmissionPass, Identity
from vaxbook.web.credentials import admission, container, identity
from vaxbook.web.serialize import (
    CLINIC_LIST_COLUMNS,
    booking_json,
    clinic_free_json,
    clinic_row_json,
    region_json,
    slot_free_json,
)

router = APIRouter(prefix="/api")


class SlotChoice(BaseModel):
    slot_id: int = Field(ge=1)


@router.get("/regions", summary="Provinces (시도) with free first-dose places for the caller")
async def provinces(request: Request, ticket: AdmissionPass = Depends(admission)) -> dict[str, Any]:
    found = await container(request).booking.provinces(ticket)
    return {"provinces": [region_json(r) for r in found]}


@router.get("/regions/{sido}/districts", summary="Districts (시군구) of a province")
async def districts(
    sido: str, request: Request, ticket: AdmissionPass = Depends(admission)
) -> dict[str, Any]:
    found = await container(request).booking.districts(ticket, sido)
    return {"districts": [region_json(r) for r in found]}


@router.get("/clinics", summary="Clinics of a district with free places for the caller")
async def clinics(
    sido: str, sigungu: str, request: Request, ticket: AdmissionPass = Depends(admission)
) -> dict[str, Any]:
    found = await container(request).booking.clinics(ticket, sido, sigungu)
    return {"clinics": [clinic_free_json(c) for c in found]}


@router.get("/clinics/{clinic_id}/slots", summary="A clinic's slots with free places for the caller")
async def slots(
    clinic_id: str, request: Request, ticket: AdmissionPass = Depends(admission)
) -> dict[str, Any]:
    found = await container(request).booking.slots(ticket, clinic_id)
    return {"slots": [slot_free_json(s) for s in found]}


@router.post("/bookings", status_code=201, summary="Book the first dose and the second dose")
async def book(
    choice: SlotChoice,
    request: Request,
    ticket: AdmissionPass = Depends(admission),
    idempotency_key: str = Header("", alias="Idempotency-Key"),
) -> dict[str, Any]:
    booking = await container(request).booking.book(ticket, choice.slot_id, idempotency_key)
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
    ticket: AdmissionPass = Depends(admission),
    idempotency_key: str = Header("", alias="Idempotency-Key"),
    x_identity_token: str | None = Header(None),
) -> dict[str, Any]:
    built = container(request)
    who = built.auth.identity(x_identity_token, ticket.device)
    booking = await built.booking.change(ticket, who, choice.slot_id, idempotency_key)
    return booking_json(booking)


@router.delete("/bookings/me", summary="Cancel my booking (fresh verification)")
async def cancel_booking(request: Request, who: Identity = Depends(identity)) -> dict[str, Any]:
    return booking_json(await container(request).booking.cancel(who))


@router.get("/clinics/{clinic_id}/bookings", summary="A clinic's bookings for a day (X-Clinic-Key)")
async def clinic_day_list(
    clinic_id: str,
    day: date,
    request: Request,
    format: str = "json",
    x_clinic_key: str | None = Header(None),
) -> Any:
    rows = await container(request).clinics.day_list(clinic_id, x_clinic_key, day)
    if format == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=CLINIC_LIST_COLUMNS)
        writer.writeheader()
        writer.writerows(clinic_row_json(r) for r in rows)
        return Response(
            out.getvalue(), media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{clinic_id}-{day}.csv"'},
        )
    return {"clinic_id": clinic_id, "date": day.isoformat(), "bookings": [clinic_row_json(r) for r in rows]}
