"""Standby (join, position, leave) and its offers (see, accept, decline), with a fresh
verification; and a clinic's leftover doses of the day (X-Clinic-Key)."""

from __future__ import annotations

from datetime import time
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request
from pydantic import BaseModel, ConfigDict, Field, Strict

from vaxbook.domain.credentials import Identity
from vaxbook.domain.errors import Problem
from vaxbook.domain.standby import MAX_DISTRICTS, District, Offer, StandbyEntry
from vaxbook.web.api.credentials import identity
from vaxbook.web.api.inputs import ClinicId
from vaxbook.web.api.problem_docs import BACKEND, IDENTITY, INPUT, refusals
from vaxbook.web.api.schemas import (
    BookingAnswer,
    LeftoversAnswer,
    OfferAnswer,
    StandbyAnswer,
    StandbyLeftAnswer,
)
from vaxbook.web.api.serialize import booking_json, clinic_json, slot_json
from vaxbook.web.client_address import client_address
from vaxbook.web.container import container

router = APIRouter(prefix="/api")
RegionName = Annotated[str, Field(min_length=1, max_length=40)]
JOINING = (Problem.OUTSIDE_COHORT, Problem.WINDOW_NOT_OPEN, Problem.CAMPAIGN_CLOSED, Problem.ALREADY_BOOKED,
           Problem.ALREADY_ON_STANDBY, Problem.PLACES_FREE, Problem.DISTRICT_NOT_FOUND,
           Problem.DEVICE_BOUND_ELSEWHERE)
ACCEPTING = (Problem.NO_OFFER, Problem.ALREADY_BOOKED, Problem.SECOND_DOSE_UNAVAILABLE,
             Problem.SLOT_NOT_BOOKABLE, Problem.DEVICE_BOUND_ELSEWHERE)


class DistrictChoice(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sido: RegionName
    sigungu: RegionName


class StandbyChoice(BaseModel):
    model_config = ConfigDict(extra="forbid")
    districts: list[DistrictChoice] = Field(min_length=1, max_length=MAX_DISTRICTS)


class LeftoverPost(BaseModel):
    model_config = ConfigDict(extra="forbid")
    vaccine_id: str = Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_-]+$", examples=["pfizer"])
    doses: Annotated[int, Strict(), Field(ge=1, le=1000)]
    until: time = Field(description="HH:MM, today in campaign time: the last time the doses can be given")


def standby_json(entry: StandbyEntry) -> dict[str, Any]:
    return {"position": entry.position, "joined_at": entry.joined_at.isoformat(),
            "districts": [{"sido": d.sido, "sigungu": d.sigungu} for d in entry.districts]}


def offer_json(offer: Offer) -> dict[str, Any]:
    return {"id": offer.id, "state": offer.state.value, "leftover": offer.leftover,
            "clinic": clinic_json(offer.clinic), "slot": slot_json(offer.slot),
            "expires_at": offer.expires_at.isoformat()}


@router.post("/standby", status_code=201, summary="Join standby for up to 3 districts (fresh verification)",
             response_model=StandbyAnswer, responses=refusals(INPUT, IDENTITY, BACKEND, JOINING))
async def join_standby(
    choice: StandbyChoice, request: Request, who: Identity = Depends(identity)
) -> dict[str, Any]:
    districts = [District(d.sido, d.sigungu) for d in choice.districts]
    return standby_json(await container(request).standby.join(who, districts))


@router.get("/standby/me", summary="My standby and my position", response_model=StandbyAnswer,
            responses=refusals(INPUT, IDENTITY, BACKEND, (Problem.NOT_ON_STANDBY,)))
async def my_standby(request: Request, who: Identity = Depends(identity)) -> dict[str, Any]:
    return standby_json(await container(request).standby.position(who))


@router.delete("/standby/me", summary="Leave standby (an open offer passes to the next person)",
               response_model=StandbyLeftAnswer,
               responses=refusals(INPUT, IDENTITY, BACKEND, (Problem.NOT_ON_STANDBY,)))
async def leave_standby(request: Request, who: Identity = Depends(identity)) -> dict[str, Any]:
    await container(request).standby.leave(who)
    return {"left": True}


@router.get("/offers/me", summary="My open offer: a place held for me", response_model=OfferAnswer,
            responses=refusals(INPUT, IDENTITY, BACKEND, (Problem.NO_OFFER,)))
async def my_offer(request: Request, who: Identity = Depends(identity)) -> dict[str, Any]:
    return offer_json(await container(request).standby.offer(who))


@router.post("/offers/me/accept", status_code=201, summary="Accept my offer: book it with its second dose",
             response_model=BookingAnswer, responses=refusals(INPUT, IDENTITY, BACKEND, ACCEPTING))
async def accept_offer(request: Request, who: Identity = Depends(identity)) -> dict[str, Any]:
    return booking_json(await container(request).standby.accept(who))


@router.post("/offers/me/decline", summary="Decline my offer: it passes to the next person",
             response_model=OfferAnswer, responses=refusals(INPUT, IDENTITY, BACKEND, (Problem.NO_OFFER,)))
async def decline_offer(request: Request, who: Identity = Depends(identity)) -> dict[str, Any]:
    return offer_json(await container(request).standby.decline(who))


@router.post(
    "/clinics/{clinic_id}/leftovers", status_code=201,
    summary="Post today's leftover doses (X-Clinic-Key): offered to the district's standby, never on a map",
    response_model=LeftoversAnswer,
    responses=refusals(INPUT, BACKEND, (
        Problem.CLINIC_NOT_FOUND, Problem.CLINIC_KEY_INVALID, Problem.TOO_MANY_REQUESTS,
        Problem.VACCINE_NOT_FOUND, Problem.SLOT_NOT_BOOKABLE,
    )),
)
async def post_leftovers(
    clinic_id: ClinicId, post: LeftoverPost, request: Request, x_clinic_key: str | None = Header(None),
) -> dict[str, Any]:
    slot_id, offered = await container(request).standby.post_leftovers(
        clinic_id, x_clinic_key, post.vaccine_id, post.doses, post.until, client_address(request))
    return {"slot_id": slot_id, "doses": post.doses, "offered": offered}
