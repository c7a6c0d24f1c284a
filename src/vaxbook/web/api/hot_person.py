"""Hot routes of a verified person (web/api/hot.py): the methods' congestion, eligibility, my booking.

Their FastAPI twins, and the contract both keep: web/api/auth.py, campaign.py and booking.py.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import orjson
from starlette.types import Receive, Scope, Send

from vaxbook.services.auth import MethodStatus
from vaxbook.web.api.hot_wire import answer, container, encoded, identity
from vaxbook.web.api.serialize import booking_json, eligibility_json


def _methods_json(statuses: list[MethodStatus]) -> dict[str, Any]:
    return {"methods": [asdict(s) for s in statuses]}


async def methods(scope: Scope, _receive: Receive, send: Send, _: str) -> None:
    """GET /api/auth/methods (the service keeps the figures for methods_cache_seconds)."""
    await answer(send, encoded(await container(scope).auth.methods(), _methods_json))


async def eligibility(scope: Scope, _receive: Receive, send: Send, _: str) -> None:
    """GET /api/eligibility."""
    who = identity(scope)
    await answer(send, orjson.dumps(eligibility_json(await container(scope).eligibility.check(who))))


async def my_booking(scope: Scope, _receive: Receive, send: Send, _: str) -> None:
    """GET /api/bookings/me."""
    who = identity(scope)
    await answer(send, orjson.dumps(booking_json(await container(scope).booking.mine(who))))
