"""How the API documents its refusals: each route lists the problems it can answer, by status,
as application/problem+json, so /docs and /openapi.json say what really comes back."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict, Field

from vaxbook.domain.errors import Problem
from vaxbook.web.problems import STATUS

PROBLEM_JSON = "application/problem+json"
_SCHEMA_REF = {"$ref": "#/components/schemas/ProblemDetails"}


class ProblemDetails(BaseModel):
    """An RFC 9457 problem with a stable code and both languages; some carry more fields."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(examples=["https://vaxbook.example/problems/slot_full"])
    title: str
    status: int
    code: str = Field(description="stable problem code (docs/api.md)", examples=["slot_full"])
    message_ko: str
    message_en: str
    detail: str
    field: str | None = Field(default=None, description="the input at fault: a body field or a header")
    retry_after: int | None = Field(default=None, description="seconds; also the Retry-After header")
    instance: str | None = Field(default=None, description="the request path")


# Every route can fail unexpectedly; the answer is still a problem, never a trace.
ALWAYS = (Problem.INTERNAL_ERROR,)
# Reading the caller's identity token or admission pass (web/api/credentials.py).
IDENTITY = (Problem.MISSING_DEVICE, Problem.IDENTITY_REQUIRED, Problem.IDENTITY_INVALID,
            Problem.DEVICE_MISMATCH)
ADMISSION = (Problem.MISSING_DEVICE, Problem.ADMISSION_REQUIRED, Problem.ADMISSION_INVALID,
             Problem.DEVICE_MISMATCH)
BACKEND = (Problem.SERVICE_UNAVAILABLE,)  # the ledger or the gate cannot be reached
INPUT = (Problem.INVALID_INPUT,)  # a parameter or body the route's model refuses


def refusals(*groups: tuple[Problem, ...]) -> dict[int | str, dict[str, Any]]:
    """The `responses=` of a route: its problem codes grouped by status, as problem+json."""
    by_status: dict[int, list[Problem]] = defaultdict(list)
    for code in dict.fromkeys(code for group in (*groups, ALWAYS) for code in group):
        by_status[STATUS[code]].append(code)
    return {
        status: {
            "description": "Problem codes: " + ", ".join(f"`{code.value}`" for code in codes),
            "content": {PROBLEM_JSON: {"schema": _SCHEMA_REF}},
        }
        for status, codes in sorted(by_status.items())
    }


def document_problems(app: FastAPI) -> None:
    """Add the ProblemDetails schema the routes' refusals refer to (FastAPI would put a
    `model=` under application/json, which is not what the API sends)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        fresh = app.openapi_schema is None
        schema = build()  # made once, then cached by FastAPI
        if fresh:
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            components["ProblemDetails"] = ProblemDetails.model_json_schema()
        return schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented way to extend the schema
