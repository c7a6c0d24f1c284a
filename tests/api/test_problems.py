"""Errors are problem+json with a stable code, Korean and English, and never a stack trace."""

from __future__ import annotations

import logging

import pytest

from tests.conftest import Running
from vaxbook.domain.errors import Problem
from vaxbook.ports import BackendUnavailable
from vaxbook.web.i18n.problem_words import PROBLEM_WORDS
from vaxbook.web.problems import STATUS


async def test_unknown_route_and_method(running: Running) -> None:
    """An unknown address and a wrong method are problems too."""
    missing = await running.client.get("/api/nothing-here")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert missing.json()["code"] == "not_found"
    wrong = await running.client.delete("/api/auth/methods")
    assert wrong.status_code == 405 and wrong.json()["code"] == "method_not_allowed"


async def test_malformed_body_names_the_field(running: Running) -> None:
    """A body that is not JSON, or lacks a field, is invalid_input naming the field."""
    answer = await running.client.post(
        "/api/auth/start",
        content=b"{not json",
        headers={"X-Device-Id": "d", "content-type": "application/json"},
    )
    assert answer.status_code == 422 and answer.json()["code"] == "invalid_input"
    missing = await running.client.post(
        "/api/auth/start", json={"name": "홍길동"}, headers={"X-Device-Id": "d"}
    )
    problem = missing.json()
    assert problem["field"] == "resident_number"
    assert problem["message_ko"] and problem["message_en"] and problem["status"] == 422


async def test_unexpected_failure_hides_the_trace(running: Running, caplog: pytest.LogCaptureFixture) -> None:
    """An unexpected exception gives a 500 problem with no trace and `Connection: close`; the trace
    goes to the log."""

    async def broken() -> None:
        raise RuntimeError("secret internals /srv/vaxbook/ledger.py line 42")

    running.app.add_api_route("/api/broken", broken)
    with caplog.at_level(logging.ERROR):
        answer = await running.client.get("/api/broken")
    assert answer.status_code == 500
    assert answer.json()["code"] == "internal_error"
    assert "secret internals" not in answer.text and "Traceback" not in answer.text
    assert "secret internals" in caplog.text
    assert answer.headers["connection"] == "close"  # uvicorn drops it after a 500: say so
    # FastAPI's server-error layer sends it inside the edge: headed and traceable like any answer.
    assert answer.headers["x-request-id"] and answer.headers["x-content-type-options"] == "nosniff"


async def test_unexpected_failure_in_a_hot_route_hides_the_trace(
    running: Running, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A hot route (web/api/hot.py, outside FastAPI's layers) failing unexpectedly answers as a
    FastAPI route does: a 500 problem, no trace, `Connection: close`, the trace in the log."""

    async def broken() -> None:
        raise RuntimeError("secret internals /srv/vaxbook/auth.py line 7")

    monkeypatch.setattr(running.container.auth, "methods", broken)
    with caplog.at_level(logging.ERROR):
        answer = await running.client.get("/api/auth/methods")
    assert answer.status_code == 500
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["code"] == "internal_error" and answer.json()["instance"] == "/api/auth/methods"
    assert "secret internals" not in answer.text and "Traceback" not in answer.text
    assert "secret internals" in caplog.text
    assert answer.headers["connection"] == "close"
    assert answer.headers["x-request-id"] and answer.headers["x-content-type-options"] == "nosniff"


def test_every_code_has_both_languages() -> None:
    """Each problem code has a Korean and an English message and an HTTP status."""
    for code in Problem:
        ko, en = PROBLEM_WORDS[code]
        assert ko and en and 400 <= STATUS[code] < 600, code


async def test_openapi_is_served(running: Running) -> None:
    """The OpenAPI description and its browsable page are served at /openapi.json and /docs."""
    spec = (await running.client.get("/openapi.json")).json()
    assert "/api/bookings" in spec["paths"] and "/api/line/status" in spec["paths"]
    assert (await running.client.get("/docs")).status_code == 200


async def test_an_outage_is_a_503_logged_in_one_line(
    running: Running, caplog: pytest.LogCaptureFixture
) -> None:
    """A backend that cannot be reached answers 503 problem+json with Retry-After, keeps the
    connection (no `Connection: close`), and logs one warning line naming the cause, no traceback."""

    async def unreachable() -> None:
        raise BackendUnavailable("the ledger") from ConnectionRefusedError(111, "Connection refused")

    running.app.add_api_route("/api/unreachable", unreachable)
    with caplog.at_level(logging.WARNING):
        answer = await running.client.get("/api/unreachable")
    assert answer.status_code == 503 and answer.json()["code"] == "service_unavailable"
    assert int(answer.headers["Retry-After"]) > 0 and "connection" not in answer.headers
    [record] = caplog.records
    assert record.levelno == logging.WARNING and record.exc_info is None
    assert "ConnectionRefusedError" in record.getMessage()
