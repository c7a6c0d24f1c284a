"""Every error leaves as application/problem+json (RFC 9457): a stable code, Korean and English.

This module is the one place where a problem code gets its HTTP status, and a neutral
input name (domain.errors.Input) the header it travels in.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from vaxbook.domain.errors import Input, Problem, VaxbookError
from vaxbook.ports import BackendUnavailable
from vaxbook.web.i18n.problem_words import PROBLEM_WORDS

log = logging.getLogger("vaxbook.web")

STATUS: dict[Problem, int] = {
    # input
    Problem.INVALID_INPUT: 422,
    Problem.INVALID_RESIDENT_NUMBER: 422,
    Problem.UNKNOWN_METHOD: 422,
    Problem.MISSING_DEVICE: 400,
    Problem.MISSING_IDEMPOTENCY_KEY: 400,
    Problem.IDEMPOTENCY_KEY_REUSED: 422,
    # verification
    Problem.VERIFICATION_NOT_FOUND: 404,
    Problem.VERIFICATION_CODE_WRONG: 401,
    Problem.VERIFICATION_LOCKED: 429,
    Problem.VERIFICATION_TOO_FREQUENT: 429,
    Problem.DEVICE_BOUND_ELSEWHERE: 409,
    Problem.PROOF_OF_WORK_INVALID: 422,
    Problem.METHOD_CONGESTED: 503,
    Problem.VERIFICATION_ELSEWHERE: 503,  # a booking node holding only the public key
    # credentials
    Problem.IDENTITY_REQUIRED: 401,
    Problem.IDENTITY_INVALID: 401,
    Problem.ADMISSION_REQUIRED: 401,
    Problem.ADMISSION_INVALID: 401,
    Problem.ADMISSION_USED: 409,
    Problem.TICKET_INVALID: 401,
    Problem.DEVICE_MISMATCH: 403,
    # eligibility and line
    Problem.OUTSIDE_COHORT: 403,
    Problem.WINDOW_NOT_OPEN: 403,
    Problem.CAMPAIGN_CLOSED: 403,
    Problem.ALREADY_BOOKED: 409,
    Problem.SOLD_OUT: 410,
    # booking
    Problem.NO_BOOKING: 404,
    Problem.CLINIC_NOT_FOUND: 404,
    Problem.SLOT_NOT_FOUND: 404,
    Problem.SLOT_FULL: 409,
    Problem.SECOND_DOSE_UNAVAILABLE: 409,
    Problem.SLOT_NOT_BOOKABLE: 409,
    Problem.CLINIC_KEY_INVALID: 401,
    # standby and offers
    Problem.ALREADY_ON_STANDBY: 409,
    Problem.NOT_ON_STANDBY: 404,
    Problem.PLACES_FREE: 409,
    Problem.DISTRICT_NOT_FOUND: 404,
    Problem.NO_OFFER: 404,
    Problem.VACCINE_NOT_FOUND: 422,
    # clinic staff
    Problem.SLOT_EXISTS: 409,
    Problem.SLOT_STARTED: 409,
    Problem.CAPACITY_BELOW_BOOKED: 409,
    Problem.NOT_ON_DAY_LIST: 404,
    # operators
    Problem.OPERATOR_LOGIN_FAILED: 401,
    Problem.OPERATOR_LOCKED: 429,
    Problem.OPERATOR_SESSION_REQUIRED: 401,
    Problem.OPERATOR_FORBIDDEN: 403,
    Problem.OPERATOR_EXISTS: 409,
    Problem.OPERATOR_NOT_FOUND: 404,
    Problem.LINE_NOT_FOUND: 404,
    # limits
    Problem.TOO_MANY_REQUESTS: 429,
    # infrastructure
    Problem.SERVICE_UNAVAILABLE: 503,
    Problem.NOT_FOUND: 404,
    Problem.METHOD_NOT_ALLOWED: 405,
    Problem.INTERNAL_ERROR: 500,
    # transport
    Problem.BODY_TOO_LARGE: 413,
    Problem.HEADERS_TOO_LARGE: 431,
    Problem.UNSUPPORTED_MEDIA_TYPE: 415,
    Problem.REQUEST_TIMEOUT: 408,
    Problem.TOO_MANY_CONNECTIONS: 503,
    Problem.INVALID_HOST: 400,
    # operations
    Problem.METRICS_FORBIDDEN: 403,
}

HEADERS: dict[Input, str] = {
    Input.DEVICE_ID: "X-Device-Id",
    Input.IDEMPOTENCY_KEY: "Idempotency-Key",
    Input.IDENTITY_TOKEN: "X-Identity-Token",
    Input.CLINIC_KEY: "X-Clinic-Key",
    Input.QUEUE_TICKET: "Authorization",
}

# BackendUnavailable: the transaction was rolled back, so the client may safely retry
# (with its Idempotency-Key) after this long.
UNAVAILABLE_RETRY_SECONDS = 5
PROBLEM_TYPE = "https://vaxbook.example/problems/"


def unavailable() -> VaxbookError:
    """The refusal a BackendUnavailable becomes: try again shortly."""
    return VaxbookError(Problem.SERVICE_UNAVAILABLE, retry_after=UNAVAILABLE_RETRY_SECONDS)


def status_of(code: Problem) -> int:
    return STATUS[code]


def field_name(field: str | None) -> str | None:
    """The name a client knows an input by: a header's own name, else the field's."""
    return HEADERS[field] if isinstance(field, Input) else field


class ProblemResponse(JSONResponse):
    media_type = "application/problem+json"


def problem_body(error: VaxbookError, instance: str | None = None) -> dict[str, Any]:
    ko, en = PROBLEM_WORDS[error.code]
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE + error.code,
        "title": en,
        "status": STATUS[error.code],
        "code": error.code.value,
        "message_ko": error.detail_ko or ko,
        "message_en": error.detail_en or en,
        "detail": error.detail_en or en,
    }
    if error.field:
        body["field"] = field_name(error.field)
    if error.retry_after is not None:
        body["retry_after"] = error.retry_after
    if instance:
        body["instance"] = instance
    body.update(error.details)
    return body


def problem_response(
    error: VaxbookError, request: Request | None = None, headers: Mapping[str, str] | None = None
) -> ProblemResponse:
    """The problem for `error`; `headers` are kept (a 405's Allow) besides Retry-After."""
    sent = dict(headers or {})
    if error.retry_after is not None:
        sent["Retry-After"] = str(error.retry_after)
    instance = request.url.path if request else None
    return ProblemResponse(problem_body(error, instance), status_code=STATUS[error.code], headers=sent)


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(VaxbookError)
    async def _vaxbook(request: Request, exc: VaxbookError) -> ProblemResponse:
        return problem_response(exc, request)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> ProblemResponse:
        return problem_response(validation_problem(exc.errors()), request)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> ProblemResponse:
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = allowed_methods(request)
        return problem_response(http_problem(exc.status_code), request, headers)

    # One handler per class, never a branch of the `Exception` handler: Starlette answers with
    # that one from ServerErrorMiddleware and then re-raises, so uvicorn logs a traceback and
    # drops the keep-alive connection the client is about to reuse (a TCP reset). An outage
    # is expected: one warning line naming the cause, a 503 the client retries, the connection kept.
    @app.exception_handler(BackendUnavailable)
    async def _unavailable(request: Request, exc: BackendUnavailable) -> ProblemResponse:
        cause = exc.__cause__ or exc
        log.warning("backend unavailable on %s %s: %s: %s", request.method, request.url.path,
                    type(cause).__name__, cause)
        return problem_response(unavailable(), request)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> ProblemResponse:
        # The trace goes to the server log only, never to the client. uvicorn closes the
        # connection after this answer (the error is re-raised to it), so the answer says so.
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        answer = problem_response(VaxbookError(Problem.INTERNAL_ERROR), request)
        answer.headers["Connection"] = "close"
        return answer


def validation_problem(errors: Sequence[Any]) -> VaxbookError:
    """FastAPI's first validation error as invalid_input naming the field.

    A body that is not JSON at all is `422 invalid_input` with `field: body` (not 400): one
    status for every malformed request, so a client has one branch for "fix your input".
    """
    first: dict[str, Any] = errors[0] if errors else {}
    loc = tuple(first.get("loc", ()))
    if first.get("type") == "json_invalid":
        position = f" at position {loc[1]}" if len(loc) > 1 else ""
        return VaxbookError(Problem.INVALID_INPUT, field="body",
                            detail_en=f"body: the JSON has a syntax error{position}.",
                            detail_ko="body: JSON 형식이 올바르지 않습니다.")
    where = ("body", "query", "header", "path", "cookie")
    field = ".".join(str(part) for part in loc if part not in where) or (str(loc[0]) if loc else "body")
    return VaxbookError(Problem.INVALID_INPUT, field=field,
                        detail_en=f"{field}: {first.get('msg', 'invalid')}",
                        detail_ko=f"{field}: 입력값을 확인해 주세요.")


def http_problem(status: int) -> VaxbookError:
    """Starlette's own refusals; 400 is FastAPI failing to read a body (e.g. invalid UTF-8)."""
    if status == 400:
        return VaxbookError(Problem.INVALID_INPUT, field="body",
                            detail_en="body: the body cannot be read (invalid UTF-8 or encoding).",
                            detail_ko="body: 요청 본문을 읽을 수 없습니다.")
    known = {404: Problem.NOT_FOUND, 405: Problem.METHOD_NOT_ALLOWED}
    return VaxbookError(known.get(status, Problem.INVALID_INPUT))


def allowed_methods(request: Request) -> str:
    """Every method some route takes at this path: Starlette's own Allow names the first route's
    only (GET /api/bookings/me, though PUT and DELETE are there too)."""
    routes = request.app.router.routes
    allowed = [
        method for method in ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
        if any(route.matches({**request.scope, "method": method})[0] == Match.FULL for route in routes)
    ]
    return ", ".join(allowed)
