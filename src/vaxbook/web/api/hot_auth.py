"""Verification's hot routes (web/api/hot.py): send a code, then confirm it for an identity token.

The body is read as FastAPI reads it (json.loads) and checked by the twin's own models; a
body that is not JSON or that the models refuse goes to the twin with the body (AskTheApp),
so its refusal names the field exactly as before. Their FastAPI twins, and the contract
both keep, are in web/api/auth.py.
"""

from __future__ import annotations

import json
from typing import Any, TypeVar

import orjson
from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.types import Receive, Scope, Send

from vaxbook.domain.identity import group_for_birth_date
from vaxbook.services.auth import require_device
from vaxbook.web.api.auth import FinishVerification, StartVerification
from vaxbook.web.api.hot_wire import AskTheApp, answer, container, headers, read_body
from vaxbook.web.client_address import client_address

M = TypeVar("M", bound=BaseModel)


async def _body(receive: Receive, model: type[M]) -> M:
    body = await read_body(receive)
    if not body:
        raise AskTheApp(body)
    try:
        return model.model_validate(json.loads(body))
    except (ValueError, ValidationError) as refused:  # JSONDecodeError and UnicodeDecodeError too
        raise AskTheApp(body) from refused


async def start(scope: Scope, receive: Receive, send: Send, _: str) -> None:
    """POST /api/auth/start."""
    body = await _body(receive, StartVerification)
    (device,) = headers(scope, b"x-device-id")
    pow_ = body.proof_of_work
    started = await container(scope).auth.start(
        name=body.name, resident_number=body.resident_number, phone=body.phone, method=body.method,
        device_id=require_device(device), client=client_address(Request(scope)),
        proof=(pow_.challenge, pow_.solution) if pow_ else None, email=body.email, language=body.language,
    )
    found: dict[str, Any] = {"request_token": started.request_token, "expires_in": started.expires_in}
    if started.dev_code is not None:
        found["dev_code"] = started.dev_code
    await answer(send, orjson.dumps(found))


async def verify(scope: Scope, receive: Receive, send: Send, _: str) -> None:
    """POST /api/auth/verify."""
    body = await _body(receive, FinishVerification)
    (device,) = headers(scope, b"x-device-id")
    verified = await container(scope).auth.verify(
        request_token=body.request_token, code=body.code, device_id=require_device(device)
    )
    await answer(send, orjson.dumps({
        "identity_token": verified.identity_token, "expires_at": verified.identity.exp,
        "group": group_for_birth_date(verified.identity.birth_date),
    }))
