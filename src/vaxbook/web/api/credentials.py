"""Reading the caller's credentials from headers: checked on the server, on every request."""

from __future__ import annotations

from fastapi import Header, Request

from vaxbook.domain.credentials import AdmissionPass, Identity
from vaxbook.services.auth import require_device
from vaxbook.web.container import container


def bearer(authorization: str | None) -> str | None:
    if authorization and authorization.lower().startswith("bearer "):
        return authorization[7:].strip()
    return None


# async, though nothing here awaits: FastAPI runs a plain `def` dependency in a worker
# thread, and that hop cost 6 % of a booking's CPU under the rush (docs/benchmarks.md).
async def identity(
    request: Request,
    authorization: str | None = Header(None),
    x_device_id: str | None = Header(None),
) -> Identity:
    """The verified person (Authorization: Bearer <identity token>, X-Device-Id)."""
    return container(request).auth.identity(bearer(authorization), x_device_id)


async def admission(
    request: Request,
    authorization: str | None = Header(None),
    x_device_id: str | None = Header(None),
) -> AdmissionPass:
    """The admission pass from the waiting room (Authorization: Bearer <pass>, X-Device-Id)."""
    device = require_device(x_device_id)
    return container(request).signer.read(AdmissionPass, bearer(authorization), device=device)
