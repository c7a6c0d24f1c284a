"""Where to book: regions, clinics and slots with free places (admission pass), and a
clinic's own day list (its key)."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Header, Request, Response

from vaxbook.domain.credentials import AdmissionPass
from vaxbook.domain.errors import Problem
from vaxbook.web.api.credentials import admission
from vaxbook.web.api.inputs import ClinicId, Sido, SidoPath, Sigungu
from vaxbook.web.api.problem_docs import ADMISSION, BACKEND, INPUT, refusals
from vaxbook.web.api.schemas import (
    ClinicDayList,
    ClinicsAnswer,
    DistrictsAnswer,
    ProvincesAnswer,
    SlotsAnswer,
)
from vaxbook.web.api.serialize import (
    CLINIC_LIST_COLUMNS,
    clinic_free_json,
    clinic_row_json,
    region_json,
    slot_free_json,
)
from vaxbook.web.client_address import client_address
from vaxbook.web.container import container

router = APIRouter(prefix="/api")


@router.get("/regions", summary="Provinces (시도) with free first-dose places for the caller",
            response_model=ProvincesAnswer, responses=refusals(INPUT, ADMISSION, BACKEND))
async def provinces(request: Request, admitted: AdmissionPass = Depends(admission)) -> dict[str, Any]:
    found = await container(request).booking.provinces(admitted)
    return {"provinces": [region_json(r) for r in found]}


@router.get("/regions/{sido}/districts", summary="Districts (시군구) of a province",
            response_model=DistrictsAnswer, responses=refusals(INPUT, ADMISSION, BACKEND))
async def districts(
    sido: SidoPath, request: Request, admitted: AdmissionPass = Depends(admission)
) -> dict[str, Any]:
    found = await container(request).booking.districts(admitted, sido)
    return {"districts": [region_json(r) for r in found]}


@router.get("/clinics", summary="Clinics of a district with free places for the caller",
            response_model=ClinicsAnswer, responses=refusals(ADMISSION, INPUT, BACKEND))
async def clinics(
    sido: Sido, sigungu: Sigungu, request: Request, admitted: AdmissionPass = Depends(admission)
) -> dict[str, Any]:
    found = await container(request).booking.clinics(admitted, sido, sigungu)
    return {"clinics": [clinic_free_json(c) for c in found]}


@router.get("/clinics/{clinic_id}/slots", summary="A clinic's slots with free places for the caller",
            response_model=SlotsAnswer,
            responses=refusals(INPUT, ADMISSION, BACKEND, (Problem.CLINIC_NOT_FOUND,)))
async def slots(
    clinic_id: ClinicId, request: Request, admitted: AdmissionPass = Depends(admission)
) -> dict[str, Any]:
    found = await container(request).booking.slots(admitted, clinic_id)
    return {"slots": [slot_free_json(s) for s in found]}


@router.get(
    "/clinics/{clinic_id}/bookings", summary="A clinic's bookings for a day (X-Clinic-Key)",
    response_model=ClinicDayList,
    responses={
        200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "JSON, or CSV"},
        **refusals(INPUT, BACKEND, (
            Problem.CLINIC_NOT_FOUND, Problem.CLINIC_KEY_INVALID, Problem.TOO_MANY_REQUESTS,
        )),
    },
)
async def clinic_day_list(
    clinic_id: ClinicId,
    day: date,
    request: Request,
    format: str = "json",
    x_clinic_key: str | None = Header(None),
) -> Any:
    rows = await container(request).clinics.day_list(clinic_id, x_clinic_key, day, client_address(request))
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
