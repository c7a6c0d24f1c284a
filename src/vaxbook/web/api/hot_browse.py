"""Browsing's hot routes (web/api/hot.py): provinces, districts, clinics and slots with free places.

The lists come from the booking service's per-worker cache (`browse_cache_seconds` stale at
most) and are encoded once per cached list (hot_wire.encoded). Input the FastAPI twins'
strict types refuse (web/api/inputs.py) goes to them (AskTheApp), so the refusal is theirs.
Their FastAPI twins, and the contract both keep: web/api/clinics.py.
"""

from __future__ import annotations

import re
from typing import Any

from starlette.datastructures import QueryParams
from starlette.types import Receive, Scope, Send

from vaxbook.domain.booking import ClinicFree, RegionFree, SlotFree
from vaxbook.domain.canonical import CLINIC_ID_PATTERN, REGION_NAME_MAX_LENGTH
from vaxbook.web.api.hot_wire import AskTheApp, admission, answer, container, encoded
from vaxbook.web.api.serialize import clinic_free_json, region_json, slot_free_json

# inputs.ClinicId's pattern as pydantic applies it: `$` is the end of the text, never before a
# final newline as Python's `$` would allow.
_CLINIC_ID = re.compile(CLINIC_ID_PATTERN.removeprefix("^").removesuffix("$"), re.ASCII)


def _region_name(value: str | None) -> str:
    """inputs.Sido / Sigungu / SidoPath: 1 to REGION_NAME_MAX_LENGTH characters, else the twin refuses."""
    if value is None or not 1 <= len(value) <= REGION_NAME_MAX_LENGTH:
        raise AskTheApp
    return value


def _provinces(found: list[RegionFree]) -> dict[str, Any]:
    return {"provinces": [region_json(r) for r in found]}


def _districts(found: list[RegionFree]) -> dict[str, Any]:
    return {"districts": [region_json(r) for r in found]}


def _clinics(found: list[ClinicFree]) -> dict[str, Any]:
    return {"clinics": [clinic_free_json(c) for c in found]}


def _slots(found: list[SlotFree]) -> dict[str, Any]:
    return {"slots": [slot_free_json(s) for s in found]}


def slots_body(found: list[SlotFree]) -> bytes:
    """A slot list's answer (benchmarks/slot_lists.py times it with the ledger's read)."""
    return encoded(found, _slots)


async def provinces(scope: Scope, _receive: Receive, send: Send, _: str) -> None:
    """GET /api/regions."""
    admitted = admission(scope)
    await answer(send, encoded(await container(scope).booking.provinces(admitted), _provinces))


async def districts(scope: Scope, _receive: Receive, send: Send, sido: str) -> None:
    """GET /api/regions/{sido}/districts."""
    admitted = admission(scope)  # the credential first, as FastAPI solves the dependency first
    found = await container(scope).booking.districts(admitted, _region_name(sido))
    await answer(send, encoded(found, _districts))


async def clinics(scope: Scope, _receive: Receive, send: Send, _: str) -> None:
    """GET /api/clinics?sido=&sigungu=."""
    admitted = admission(scope)
    query = QueryParams(scope["query_string"])
    sido, sigungu = _region_name(query.get("sido")), _region_name(query.get("sigungu"))
    found = await container(scope).booking.clinics(admitted, sido, sigungu)
    await answer(send, encoded(found, _clinics))


async def slots(scope: Scope, _receive: Receive, send: Send, clinic_id: str) -> None:
    """GET /api/clinics/{clinic_id}/slots."""
    admitted = admission(scope)
    if not _CLINIC_ID.fullmatch(clinic_id):
        raise AskTheApp
    await answer(send, slots_body(await container(scope).booking.slots(admitted, clinic_id)))
