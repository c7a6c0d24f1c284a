"""Every error leaves as application/problem+json (RFC 9457): a stable code, Korean and English."""

from __future__ import annotations

import logging
from typing import Any

import asyncpg
import redis.exceptions
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from vaxbook.domain.errors import CATALOGUE, VaxbookError

log = logging.getLogger("vaxbook.web")

# The ledger or the gate cannot be reached (refused, reset, timed out, shutting down): the
# transaction was rolled back, so the client may safely retry with its Idempotency-Key.
UNAVAILABLE: tuple[type[BaseException], ...] = (
    OSError,  # includes ConnectionRefusedError and TimeoutError
    asyncpg.exceptions.PostgresConnectionError,
    asyncpg.exceptions.ConnectionDoesNotExistError,
    asyncpg.exceptions.OperatorInterventionError,  # admin shutdown, cannot connect now
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
)
UNAVAILABLE_RETRY_SECONDS = 5
PROBLEM_TYPE = "https://vaxbook.example/problems/"


class ProblemResponse(JSONResponse):
    media_type = "application/problem+json"


def problem_body(error: VaxbookError, instance: str | None = None) -> dict[str, Any]:
    kind = error.kind
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE + error.code,
        "title": kind.en,
        "status": kind.status,
        "code": error.code,
        "message_ko": error.detail_ko or kind.ko,
        "message_en": error.detail_en or kind.en,
        "detail": error.detail_en or kind.en,
    }
    if error.field:
        body["field"] = error.field
    if error.retry_after is not None:
        body["retry_after"] = error.retry_after
    if instance:
        body["instance"] = instance
    body.update(error.details)
    return body


def problem_response(error: VaxbookError, request: Request | None = None) -> ProblemResponse:
    headers = {}
    if error.retry_after is not None:
        headers["Retry-After"] = str(error.retry_after)
    instance = request.url.path if request else None
    return ProblemResponse(problem_body(error, instance), status_code=error.kind.status, headers=headers)


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(VaxbookError)
    async def _vaxbook(request: Request, exc: VaxbookError) -> ProblemResponse:
        return problem_response(exc, request)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> ProblemResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = ("body", "query", "header", "path")
        location = [str(part) for part in first.get("loc", ()) if part not in where]
        field = ".".join(location) or None
        return problem_response(
            VaxbookError("invalid_input", field=field, detail_en=f"{field}: {first.get('msg', 'invalid')}",
                         detail_ko=f"{field}: 입력값을 확인해 주세요."),
            request,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> ProblemResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "invalid_input")
        return problem_response(VaxbookError(code), request)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> ProblemResponse:
        if isinstance(exc, UNAVAILABLE):
            log.warning("backend unavailable on %s %s: %r", request.method, request.url.path, exc)
            return problem_response(
                VaxbookError("service_unavailable", retry_after=UNAVAILABLE_RETRY_SECONDS), request
            )
        # The trace goes to the server log only, never to the client.
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem_response(VaxbookError("internal_error"), request)


def catalogue_codes() -> list[str]:
    return sorted(CATALOGUE)
