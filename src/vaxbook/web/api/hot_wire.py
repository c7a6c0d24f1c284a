"""What every hot route (web/api/hot.py) shares: reading headers, writing answers as Starlette would.

Answers are written with Starlette's header order (the route's own headers after
content-length and content-type; a problem's Retry-After before them), so a hot route and
its FastAPI twin answer the same bytes (tests/api/test_hot_routes.py).
"""

from __future__ import annotations

from typing import Any

import orjson
from cachetools import LRUCache
from starlette.types import Message, Receive, Scope, Send

from vaxbook.bootstrap import Container
from vaxbook.domain.credentials import AdmissionPass, Identity
from vaxbook.domain.errors import VaxbookError
from vaxbook.services.auth import require_device
from vaxbook.web.api.credentials import bearer
from vaxbook.web.problems import STATUS, problem_body

JSON = b"application/json"


class AskTheApp(Exception):  # a signal to hand the request on, not an error
    """The input is not what the route's strict types take: the FastAPI twin answers (and names
    the field), so refusals of malformed input stay the framework's, byte for byte. `body`: what
    the hot route read of the request's body, handed on with it."""

    def __init__(self, body: bytes | None = None) -> None:
        super().__init__()
        self.body = body

    def receive(self, receive: Receive) -> Receive:
        """`receive`, with the body the hot route read given again first."""
        if self.body is None:
            return receive
        body, replayed = self.body, False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        return replay


async def read_body(receive: Receive) -> bytes:
    """The whole body (the edge, web/limits.py, has bounded its size and time already)."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if message["type"] != "http.request" or not message.get("more_body", False):
            return b"".join(chunks)


def container(scope: Scope) -> Container:
    return scope["app"].state.container  # type: ignore[no-any-return]  # set in create_app's lifespan


def headers(scope: Scope, *names: bytes) -> list[str | None]:
    """The first value of each named header (names in lower case), as Starlette reads them."""
    found: dict[bytes, str] = {}
    for name, value in scope["headers"]:
        if name in names and name not in found:
            found[name] = value.decode("latin-1")
    return [found.get(name) for name in names]


def identity(scope: Scope) -> Identity:
    """web/api/credentials.identity, read from the scope."""
    authorization, device = headers(scope, b"authorization", b"x-device-id")
    return container(scope).auth.identity(bearer(authorization), device)


def admission(scope: Scope) -> AdmissionPass:
    """web/api/credentials.admission, read from the scope."""
    authorization, device = headers(scope, b"authorization", b"x-device-id")
    checked = require_device(device)
    return container(scope).signer.read(AdmissionPass, bearer(authorization), device=checked)


async def answer(send: Send, body: bytes, *extra: tuple[bytes, bytes], status: int = 200,
                 media: bytes = JSON, before: tuple[tuple[bytes, bytes], ...] = ()) -> None:
    sent = [*before, (b"content-length", str(len(body)).encode()), (b"content-type", media), *extra]
    await send({"type": "http.response.start", "status": status, "headers": sent})
    await send({"type": "http.response.body", "body": body})


async def problem(send: Send, error: VaxbookError, path: str, *extra: tuple[bytes, bytes]) -> None:
    before = ((b"retry-after", str(error.retry_after).encode()),) if error.retry_after is not None else ()
    await answer(send, orjson.dumps(problem_body(error, path)), *extra, status=STATUS[error.code],
                 media=b"application/problem+json", before=before)


# Encoded answers of the services' cached reads, by the cached object itself: while a service
# hands back the same list (its cache entry), its JSON is encoded once, not on every request.
# Keyed by the builder too: one object (an empty list, say) may be answered by two routes.
_ENCODED: LRUCache[tuple[int, Any], tuple[Any, bytes]] = LRUCache(maxsize=4096)


def encoded(value: Any, build: Any) -> bytes:
    """orjson of `build(value)`, encoded once per `value` object (identity, kept alive here)."""
    key = (id(value), build)
    found = _ENCODED.get(key)
    if found is not None and found[0] is value:
        return found[1]
    body = orjson.dumps(build(value))
    _ENCODED[key] = (value, body)
    return body
