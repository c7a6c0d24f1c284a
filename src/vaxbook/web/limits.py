"""Request bodies bounded while they stream in, before any route (or authentication) runs.

Called by the edge (web/edge.py), outside FastAPI: a body's media type is checked and its bytes are
counted as they arrive, so a 1 GB body to an endpoint that would answer 401 costs at most
the limit in memory. The whole body must arrive within a deadline (slow-drip bodies).
Header sizes, header counts, header timeouts and the connection cap are enforced one
level lower, in the connection protocol (web/protocol.py): the app never sees those bytes.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass

from starlette.types import Message, Receive, Scope, Send

from vaxbook.domain.errors import Problem, VaxbookError
from vaxbook.web.problems import problem_body, status_of

JSON_TYPES = frozenset({"application/json"})
FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})


@dataclass(frozen=True)
class BodyLimits:
    json_bytes: int  # /api: JSON bodies
    form_bytes: int  # the pages: HTML form posts
    timeout_seconds: float  # the whole body, from the first read


def problem_message(
    code: Problem, instance: str | None = None
) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """A refusal as raw ASGI parts; `connection: close`, since the rest of the request is unread."""
    error = VaxbookError(code)
    body = json.dumps(problem_body(error, instance), ensure_ascii=False).encode()
    headers = [(b"content-type", b"application/problem+json"), (b"content-length", str(len(body)).encode()),
               (b"connection", b"close")]
    return status_of(code), headers, body


async def send_problem(send: Send, code: Problem, instance: str | None = None) -> None:
    status, headers, body = problem_message(code, instance)
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})


async def bounded_receive(scope: Scope, receive: Receive, send: Send, limits: BodyLimits) -> Receive | None:
    """The app's `receive`, with the body read within its limits; None when refused (answered here).

    Refuses a body of the wrong media type (415), over its limit (413) or too slow (408)."""
    length, chunked, media_type = _body_headers(scope)
    if not chunked and not length:  # no body: nothing to bound
        return receive
    path: str = scope["path"]
    api = path.startswith("/api/")
    limit = limits.json_bytes if api else limits.form_bytes
    if media_type not in (JSON_TYPES if api else FORM_TYPES):
        await send_problem(send, Problem.UNSUPPORTED_MEDIA_TYPE, path)
        return None
    if length is not None and length > limit:  # refused before a single body byte is read
        await send_problem(send, Problem.BODY_TOO_LARGE, path)
        return None
    try:
        async with asyncio.timeout(limits.timeout_seconds):
            body = await _read_at_most(receive, limit)
    except TimeoutError:
        await send_problem(send, Problem.REQUEST_TIMEOUT, path)
        return None
    if body is None:
        await send_problem(send, Problem.BODY_TOO_LARGE, path)
        return None
    return _replay(body, receive)


async def _read_at_most(receive: Receive, limit: int) -> bytes | None:
    """The whole body, or None as soon as it passes `limit` (the rest is never read)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return b"".join(chunks)  # the app will see the disconnect on its next receive
        chunk: bytes = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if replayed:
            return await receive()  # after the body: the disconnect, when it comes
        replayed = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


def _body_headers(scope: Scope) -> tuple[int | None, bool, str]:
    """Content-Length (None if absent or malformed), chunked or not, and the bare media type."""
    length: int | None = None
    chunked = False
    media_type = ""
    for name, value in scope["headers"]:
        if name == b"content-length":
            text = value.decode("latin-1").strip()
            length = int(text) if text.isascii() and text.isdigit() else None
        elif name == b"transfer-encoding":
            chunked = b"chunked" in value.lower()
        elif name == b"content-type":
            media_type = value.decode("latin-1").partition(";")[0].strip().lower()
    return length, chunked, media_type
