"""Public figures: first-dose places per group and per province, and the daily digests.

Anyone may read them, and any cache may keep them for a minute: they carry no credential.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from vaxbook.domain.errors import Problem, VaxbookError
from vaxbook.domain.figures import DigestHead, Tally
from vaxbook.services.figures import PublicFigures
from vaxbook.web.api.problem_docs import BACKEND, INPUT, refusals
from vaxbook.web.caching import cacheable
from vaxbook.web.container import container
from vaxbook.web.i18n.text import english_region_names

router = APIRouter(prefix="/api")


class GroupFigures(BaseModel):
    group: int
    offered: int
    booked: int
    free: int


class ProvinceFigures(BaseModel):
    sido: str
    name_en: str | None
    offered: int
    booked: int
    free: int


class Totals(BaseModel):
    offered: int
    booked: int
    free: int


class DigestHeadAnswer(BaseModel):
    day: date
    made_at: str
    previous_sha256: str
    sha256: str


class FiguresAnswer(BaseModel):
    as_of: str = Field(description="start of the minute the figures were computed in (UTC)")
    refresh_seconds: int
    totals: Totals
    by_group: list[GroupFigures]
    by_province: list[ProvinceFigures]
    digests: list[DigestHeadAnswer] = Field(description="the daily allocation digests, oldest first")


class DigestAnswer(DigestHeadAnswer):
    body: str = Field(description="canonical JSON; sha256 = SHA-256 of previous_sha256, a newline and body")


def _counts(tally: Tally) -> dict[str, int]:
    return {"offered": tally.offered, "booked": tally.booked, "free": tally.free}


def _head(head: DigestHead) -> dict[str, Any]:
    return {"day": head.day.isoformat(), "made_at": head.made_at.isoformat(),
            "previous_sha256": head.previous_sha256, "sha256": head.sha256}


def figures_json(figures: PublicFigures) -> dict[str, Any]:
    english = english_region_names()
    return {
        "as_of": figures.as_of.isoformat(), "refresh_seconds": figures.refresh_seconds,
        "totals": _counts(figures.totals),
        "by_group": [{"group": t.key, **_counts(t)} for t in figures.by_group],
        "by_province": [{"sido": t.key, "name_en": english.get(str(t.key)), **_counts(t)}
                        for t in figures.by_province],
        "digests": [_head(head) for head in figures.digests],
    }


def _json(document: dict[str, Any]) -> bytes:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


@router.get("/figures", summary="Public figures: first-dose places per group and province, and digests",
            response_model=FiguresAnswer, responses=refusals(BACKEND))
async def figures(request: Request) -> Response:
    current = await container(request).figures.current()
    return cacheable(request, _json(figures_json(current)), "application/json", current.refresh_seconds)


@router.get("/figures/digests/{day}", summary="One day's allocation digest, as hashed",
            response_model=DigestAnswer, responses=refusals(INPUT, BACKEND, (Problem.NOT_FOUND,)))
async def digest(request: Request, day: date) -> Response:
    found = await container(request).figures.digest(day)
    if found is None:
        raise VaxbookError(Problem.NOT_FOUND, field="day")
    # A stored digest never changes: a day's answer may be kept for a day.
    return cacheable(request, _json({**_head(found), "body": found.body}), "application/json", 86400)
