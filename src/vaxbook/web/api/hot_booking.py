"""POST /api/bookings as plain ASGI (web/api/hot.py): the rush's one write, without FastAPI.

It answers exactly as its FastAPI twin in booking.py does, step for step in FastAPI's own
order: the body is parsed first (a syntax error is 422 before any credential is looked at),
then the admission pass and device are checked, then the body is validated (the same
pydantic model, so the same messages), then the service books. tests/api/test_hot_booking.py
sends both the same requests and compares status, headers and bytes.
"""

from __future__ import annotations

import json
from typing import Any

import orjson
from pydantic import ValidationError
from starlette.types import Receive, Scope, Send

from vaxbook.domain.canonical import MAX_ID
from vaxbook.domain.credentials import AdmissionPass
from vaxbook.services.auth import require_device
from vaxbook.web.api.booking import SlotChoice
from vaxbook.web.api.credentials import bearer
from vaxbook.web.api.serialize import booking_json
from vaxbook.web.problems import http_problem, validation_problem

_MISSING = object()
_NAMES = frozenset({b"authorization", b"x-device-id", b"idempotency-key"})


async def book(scope: Scope, receive: Receive, send: Send) -> None:
    """POST /api/bookings, as web/api/booking.py documents it; refusals leave through HotRoutes."""
    body = _parsed(await _body(receive))
    authorization, device, key = _headers(scope)
    container = scope["app"].state.container
    admitted = container.signer.read(AdmissionPass, bearer(authorization), device=require_device(device))
    booking = await container.booking.book(admitted, _slot_id(body), key or "")
    answer = orjson.dumps(booking_json(booking))
    await send({"type": "http.response.start", "status": 201, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(answer)).encode())]})
    await send({"type": "http.response.body", "body": answer})


def _headers(scope: Scope) -> tuple[str | None, str | None, str | None]:
    """Authorization, X-Device-Id, Idempotency-Key: the first of each, as Starlette reads them."""
    found: dict[bytes, str] = {}
    for name, value in scope["headers"]:
        if name in _NAMES and name not in found:
            found[name] = value.decode("latin-1")
    return found.get(b"authorization"), found.get(b"x-device-id"), found.get(b"idempotency-key")


async def _body(receive: Receive) -> bytes:
    """The whole body: the edge (web/limits.py) has read it within its limit and time (and replays it)."""
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def _parsed(body: bytes) -> Any:
    """The JSON as FastAPI reads it (Starlette's json.loads, whose errors and positions the
    problem repeats); _MISSING for an empty body."""
    if not body:
        return _MISSING
    try:
        parsed = json.loads(body)
    except json.JSONDecodeError as error:
        raise validation_problem([{"type": "json_invalid", "loc": ("body", error.pos)}]) from None
    except (ValueError, RecursionError):  # FastAPI answers 400: undecodable bytes, nesting too deep
        raise http_problem(400) from None
    return parsed


def _slot_id(body: Any) -> int:
    if type(body) is dict:
        slot_id = body.get("slot_id")
        if type(slot_id) is int and 1 <= slot_id <= MAX_ID:  # the common case, without pydantic
            return slot_id
    if body is _MISSING:
        raise validation_problem([{"type": "missing", "loc": ("body",), "msg": "Field required"}])
    try:
        return SlotChoice.model_validate(body, from_attributes=True).slot_id
    except ValidationError as refused:
        errors = [{**e, "loc": ("body", *e["loc"])} for e in refused.errors()]
        raise validation_problem(errors) from None

