"""Public, cacheable answers: Cache-Control public with a max-age, a strong ETag, and 304s."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

from fastapi import Request, Response


def cacheable(
    request: Request, body: bytes, media_type: str, max_age: int, headers: Mapping[str, str] | None = None
) -> Response:
    """The answer with `Cache-Control: public, max-age` and an ETag; 304 if the client holds it."""
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    sent = {**(headers or {}), "Cache-Control": f"public, max-age={max_age}", "ETag": etag}
    held = [tag.strip().removeprefix("W/") for tag in request.headers.get("if-none-match", "").split(",")]
    if etag in held or "*" in held:
        return Response(status_code=304, headers=sent)
    return Response(body, media_type=media_type, headers=sent)
