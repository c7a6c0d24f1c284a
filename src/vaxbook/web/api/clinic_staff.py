"""A clinic's own inventory and day, behind its key (X-Clinic-Key): add slots, change future
capacities, mark each booked dose of today vaccinated or no_show."""

from __future__ import annotations

from datetime import date, time
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Path, Request
from pydantic import BaseModel, ConfigDict, Field, Strict

from vaxbook.domain.booking import SlotLoad
from vaxbook.domain.canonical import MAX_ID
from vaxbook.domain.errors import Problem
from vaxbook.domain.inventory_rows import MAX_CAPACITY, SlotRecord
from vaxbook.web.api.inputs import ClinicId
from vaxbook.web.api.problem_docs import BACKEND, INPUT, refusals
from vaxbook.web.api.schemas import ClinicInventory, ClinicListRow, SlotLoadAnswer
from vaxbook.web.api.serialize import clinic_row_json
from vaxbook.web.client_address import client_address
from vaxbook.web.container import container

router = APIRouter(prefix="/api")
Capacity = Annotated[int, Strict(), Field(ge=0, le=MAX_CAPACITY)]
SlotId = Annotated[int, Path(ge=1, le=MAX_ID, examples=[1])]
BookingId = Annotated[str, Path(pattern=r"^VB[0-9A-F]{12}$", examples=["VB0123456789AB"])]
KEY = (Problem.CLINIC_NOT_FOUND, Problem.CLINIC_KEY_INVALID, Problem.TOO_MANY_REQUESTS)


class NewSlot(BaseModel):
    model_config = ConfigDict(extra="forbid")
    date: date
    start: time
    end: time
    vaccine: str = Field(min_length=1, max_length=40, examples=["pfizer"])
    first_capacity: Capacity
    second_capacity: Capacity = 0


class CapacityChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    first_capacity: Capacity | None = None
    second_capacity: Capacity | None = None


class DoseOutcome(BaseModel):
    model_config = ConfigDict(extra="forbid")
    outcome: Literal["vaccinated", "no_show"]


def slot_load_json(load: SlotLoad) -> dict[str, Any]:
    slot = load.slot
    return {"id": slot.id, "date": slot.day.isoformat(), "start": slot.start.isoformat("minutes"),
            "end": slot.end.isoformat("minutes"), "vaccine_id": slot.vaccine_id,
            "first_capacity": slot.first_capacity, "first_booked": load.first_booked,
            "second_capacity": slot.second_capacity, "second_booked": load.second_booked}


@router.get("/clinics/{clinic_id}/inventory", summary="The clinic's slots from today on (X-Clinic-Key)",
            response_model=ClinicInventory, responses=refusals(INPUT, BACKEND, KEY))
async def inventory(
    clinic_id: ClinicId, request: Request, x_clinic_key: str | None = Header(None)
) -> dict[str, Any]:
    loads = await container(request).clinic_staff.inventory(clinic_id, x_clinic_key, client_address(request))
    return {"clinic_id": clinic_id, "slots": [slot_load_json(load) for load in loads]}


@router.post("/clinics/{clinic_id}/inventory", status_code=201,
             summary="Add a future slot, split among the groups (X-Clinic-Key)",
             response_model=SlotLoadAnswer,
             responses=refusals(INPUT, BACKEND, KEY, (Problem.SLOT_EXISTS, Problem.SLOT_STARTED)))
async def add_slot(
    clinic_id: ClinicId, body: NewSlot, request: Request, x_clinic_key: str | None = Header(None)
) -> dict[str, Any]:
    record = SlotRecord(clinic_id, body.date, body.start.replace(second=0, microsecond=0),
                        body.end.replace(second=0, microsecond=0), body.vaccine,
                        body.first_capacity, body.second_capacity)
    load = await container(request).clinic_staff.add_slot(x_clinic_key, client_address(request), record)
    return slot_load_json(load)


@router.patch("/clinics/{clinic_id}/inventory/{slot_id}",
              summary="Raise or lower a future slot's capacities, never below booked (X-Clinic-Key)",
              response_model=SlotLoadAnswer,
              responses=refusals(INPUT, BACKEND, KEY, (
                  Problem.SLOT_NOT_FOUND, Problem.SLOT_STARTED, Problem.CAPACITY_BELOW_BOOKED)))
async def set_capacity(
    clinic_id: ClinicId, slot_id: SlotId, body: CapacityChange, request: Request,
    x_clinic_key: str | None = Header(None),
) -> dict[str, Any]:
    load = await container(request).clinic_staff.set_capacity(
        clinic_id, x_clinic_key, client_address(request), slot_id,
        body.first_capacity, body.second_capacity,
    )
    return slot_load_json(load)


@router.put("/clinics/{clinic_id}/bookings/{booking_id}/doses/{dose}",
            summary="Mark today's booked dose vaccinated or no_show (X-Clinic-Key)",
            response_model=ClinicListRow,
            responses=refusals(INPUT, BACKEND, KEY, (Problem.NOT_ON_DAY_LIST,)))
async def mark_dose(
    clinic_id: ClinicId, booking_id: BookingId,
    dose: Annotated[int, Path(ge=1, le=2)], body: DoseOutcome, request: Request,
    x_clinic_key: str | None = Header(None),
) -> dict[str, Any]:
    row = await container(request).clinic_staff.mark(
        clinic_id, x_clinic_key, client_address(request), booking_id, dose, body.outcome
    )
    return clinic_row_json(row)
