"""The waiting room's hot routes (web/api/hot.py): join the line, and where one's ticket stands.

Their FastAPI twins, and the contract both keep, are in web/api/line.py.
"""

from __future__ import annotations

import orjson
from starlette.types import Receive, Scope, Send

from vaxbook.domain.errors import Input, Problem, VaxbookError
from vaxbook.services.auth import require_device
from vaxbook.web.api.credentials import bearer
from vaxbook.web.api.hot_wire import answer, container, headers, identity
from vaxbook.web.api.serialize import line_json


async def status(scope: Scope, _receive: Receive, send: Send, _: str) -> None:
    """GET /api/line/status."""
    authorization, device = headers(scope, b"authorization", b"x-device-id")
    # The ticket travels in a header, not the URL: it carries a birth date and a masked
    # name, and URLs end up in proxy and CDN access logs.
    ticket = bearer(authorization)
    if not ticket:
        raise VaxbookError(Problem.TICKET_INVALID, field=Input.QUEUE_TICKET)
    view = await container(scope).waiting_room.status(ticket, require_device(device))
    # The same ticket gets the same answer until it is worth asking again.
    cache = f"private, max-age={int(view.poll_after_seconds)}" if view.state == "waiting" else "no-store"
    await answer(send, orjson.dumps(line_json(view)),
                 (b"cache-control", cache.encode()), (b"vary", b"Authorization, X-Device-Id"))


async def join(scope: Scope, _receive: Receive, send: Send, _: str) -> None:
    """POST /api/line/join (no body: the identity token says who joins)."""
    who = identity(scope)
    await answer(send, orjson.dumps(line_json(await container(scope).waiting_room.join(who))))
