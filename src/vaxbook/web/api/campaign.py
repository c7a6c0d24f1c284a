"""The campaign as published, and where a verified person stands in it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request

from vaxbook.domain.credentials import Identity
from vaxbook.web.api.credentials import identity
from vaxbook.web.api.problem_docs import BACKEND, IDENTITY, INPUT, refusals
from vaxbook.web.api.schemas import CampaignAnswer, EligibilityAnswer
from vaxbook.web.api.serialize import campaign_json, eligibility_json
from vaxbook.web.container import container

router = APIRouter(prefix="/api")


@router.get("/campaign", summary="The campaign: cohorts, vaccines and every booking window",
            response_model=CampaignAnswer, responses=refusals())
async def campaign(request: Request) -> dict[str, Any]:
    return campaign_json(container(request).campaign)


@router.get("/eligibility", summary="May I book now? If not, when or why not",
            response_model=EligibilityAnswer, responses=refusals(INPUT, IDENTITY, BACKEND))
async def eligibility(request: Request, who: Identity = Depends(identity)) -> dict[str, Any]:
    return eligibility_json(await container(request).eligibility.check(who))
