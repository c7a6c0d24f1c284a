"""Strict input over HTTP on every backend: ids are bounded JSON integers, text ids are ASCII,
and NUL bytes or invalid UTF-8 anywhere give a 4xx problem, never a 500 (issue 8 point 7)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import httpx
import pytest

from tests.conftest import Running
from tests.journey import Person, add_clinic_with_slot, admitted, person_number
from vaxbook.domain.credentials import AdmissionPass
from vaxbook.domain.errors import VaxbookError

BIGINT_MAX = 2**63 - 1


async def group_3(running: Running, serial: int = 1) -> Person:
    await add_clinic_with_slot(running.container.clinics)
    return await admitted(running.client, Person(person_number(date(1990, 5, 13), serial), f"d{serial}"))


def assert_problem(
    answer: httpx.Response, status: int, code: str, field: str | None = None
) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    problem: dict[str, Any] = answer.json()
    assert problem["code"] == code and problem["status"] == status, problem
    assert problem["message_ko"] and problem["message_en"]
    if field is not None:
        assert problem.get("field") == field, problem
    return problem


@pytest.mark.parametrize(
    "slot_id", [True, False, "1", 1.0, 2.5, 2**63, 2**64, 10**30, 0, -1, None, [1], {"id": 1}],
    ids=repr,
)
async def test_slot_id_must_be_a_json_integer_in_range(running: Running, slot_id: object) -> None:
    """A slot_id that is not a JSON integer from 1 to 2**63-1 is 422 invalid_input naming slot_id."""
    person = await group_3(running)
    for method, path, extra in (("POST", "/api/bookings", {}),
                                ("PUT", "/api/bookings/me", {"X-Identity-Token": person.identity})):
        answer = await running.client.request(
            method, path, json={"slot_id": slot_id},
            headers={**person.bearer(person.admission), "Idempotency-Key": "k-1", **extra},
        )
        assert_problem(answer, 422, "invalid_input", "slot_id")


async def test_largest_slot_id_reaches_the_ledger_without_overflow(running: Running) -> None:
    """2**63-1 is a valid id: the ledger answers slot_not_found instead of overflowing."""
    person = await group_3(running)
    answer = await running.client.post(
        "/api/bookings", json={"slot_id": BIGINT_MAX},
        headers={**person.bearer(person.admission), "Idempotency-Key": "k-1"},
    )
    assert_problem(answer, 404, "slot_not_found", "slot_id")


async def test_service_refuses_an_out_of_range_slot_id(running: Running) -> None:
    """The booking service itself refuses 2**63 (the pages and the CLI do not go through pydantic)."""
    person = await group_3(running)
    ticket = running.container.signer.read(AdmissionPass, person.admission, device=person.device)
    with pytest.raises(VaxbookError) as refused:
        await running.container.booking.book(ticket, 2**63, "k-1")
    assert refused.value.code == "invalid_input" and refused.value.field == "slot_id"


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/api/clinics/%00/slots", "clinic_id"),
        ("/api/clinics/C1%00/slots", "clinic_id"),
        ("/api/clinics/%FF%FE/slots", "clinic_id"),
        ("/api/clinics/%ED%A0%80/slots", "clinic_id"),  # a UTF-8-encoded lone surrogate
        ("/api/clinics/%EF%BC%A31/slots", "clinic_id"),  # full-width Ｃ1
        ("/api/clinics/" + "C" * 33 + "/slots", "clinic_id"),
        ("/api/clinics/%00/bookings?day=2021-08-20", "clinic_id"),
        ("/api/clinics/C1/bookings?day=%00", "day"),
        ("/api/regions/%00/districts", "sido"),
        ("/api/regions/%E2%80%AE/districts", "sido"),  # a right-to-left override
        ("/api/clinics?sido=%00&sigungu=x", "sido"),
        ("/api/clinics?sido=%FF&sigungu=x", "sido"),
        ("/api/clinics?sido=%EC%84%9C%EC%9A%B8&sigungu=%00", "sigungu"),
        ("/api/clinics?sido=" + "x" * 41 + "&sigungu=x", "sido"),
    ],
)
async def test_nul_and_invalid_utf8_in_path_or_query(running: Running, path: str, field: str) -> None:
    """A NUL byte, invalid UTF-8 or an over-long value in a path or query is 422 naming the field."""
    person = await group_3(running)
    answer = await running.client.get(
        path, headers={**person.bearer(person.admission), "X-Clinic-Key": "key-C1"}
    )
    assert_problem(answer, 422, "invalid_input", field)


def _raw(headers: dict[str, str], **octets: bytes) -> list[tuple[bytes, bytes]]:
    """Headers as raw octets, so a test can send bytes no str header can hold."""
    sent = {name.replace("_", "-").encode(): value for name, value in octets.items()}
    kept = [(name.encode(), value.encode()) for name, value in headers.items() if name.encode() not in sent]
    return kept + list(sent.items())


async def test_nul_and_invalid_utf8_in_headers(running: Running) -> None:
    """NUL bytes and non-UTF-8 octets in credential headers are refused with a 4xx problem."""
    person = await group_3(running)
    book = {**person.bearer(person.admission)}
    for device in (b"d1\x00", b"\xff\xfe", b"\x00"):
        answer = await running.client.get("/api/regions", headers=_raw(book, X_Device_Id=device))
        assert_problem(answer, 400, "missing_device", "X-Device-Id")
    for token in (b"Bearer \x00", b"Bearer \xff\xfe", b"\xff"):
        answer = await running.client.get("/api/regions", headers=_raw(book, Authorization=token))
        expected = "admission_invalid" if token.startswith(b"Bearer") else "admission_required"
        assert_problem(answer, 401, expected)
    for key in (b"k\x00", b"\xff\xfe", b"k" * 201):
        answer = await running.client.post(
            "/api/bookings", json={"slot_id": 1}, headers=_raw(book, Idempotency_Key=key)
        )
        assert_problem(answer, 422, "invalid_input", "Idempotency-Key")
    for clinic_key in (b"\x00", b"\xff\xfe"):
        answer = await running.client.get(
            "/api/clinics/C1/bookings", params={"day": "2021-08-20"},
            headers=_raw({}, X_Clinic_Key=clinic_key),
        )
        assert_problem(answer, 401, "clinic_key_invalid", "X-Clinic-Key")
    changed = await running.client.put(
        "/api/bookings/me", json={"slot_id": 1},
        headers=_raw({**book, "Idempotency-Key": "c-1"}, X_Identity_Token=b"\x00\xff"),
    )
    assert_problem(changed, 401, "identity_invalid")


@pytest.mark.parametrize(
    "body",
    [
        {"name": "홍\x00길동"},
        {"name": "\ud800"},  # a lone surrogate cannot be stored as UTF-8
        {"resident_number": "900513-1\x00000000"},
        {"phone": "010\x001234\x005678"},
        {"method": "kakao\x00"},
        {"method": "\ud800"},
    ],
    ids=repr,
)
async def test_nul_and_surrogates_in_json_strings(running: Running, body: dict[str, str]) -> None:
    """NUL or a lone surrogate in any JSON string of a verification is a 4xx problem naming it."""
    sent = {"name": "홍길동", "resident_number": person_number(date(1990, 5, 13)), "phone": "010-1234-5678",
            "method": "kakao", **body}
    answer = await running.client.post(  # json.dumps escapes a lone surrogate as \\ud800
        "/api/auth/start", content=json.dumps(sent),
        headers={"X-Device-Id": "d1", "content-type": "application/json"},
    )
    assert 400 <= answer.status_code < 500, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["field"] == next(iter(body))


async def test_nul_in_verification_code_and_token(running: Running) -> None:
    """A code or a request token holding NUL, a surrogate or non-ASCII text is a 4xx, never a 500."""
    for request_token, code in (("\x00", "123456"), ("a.b.c", "\x00\x00\x00\x00"), ("\ud800", "12345６"),
                                ("x" * 5000, "1234")):
        answer = await running.client.post(
            "/api/auth/verify", content=json.dumps({"request_token": request_token, "code": code}),
            headers={"X-Device-Id": "d1", "content-type": "application/json"},
        )
        assert 400 <= answer.status_code < 500, answer.text
        assert answer.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    "raw",
    [b"{not json", b'{"slot_id": 1', b"", b"\xff\xfe{}", b'{"slot_id": "\xff"}', b"\x00",
     b'{"slot_id": 1}\x00'],
    ids=repr,
)
async def test_malformed_json_body_names_the_body(running: Running, raw: bytes) -> None:
    """A JSON syntax error or invalid UTF-8 in the body is 422 invalid_input with field body."""
    person = await group_3(running)
    answer = await running.client.post(
        "/api/bookings", content=raw,
        headers={**person.bearer(person.admission), "Idempotency-Key": "k-1",
                 "content-type": "application/json"},
    )
    problem = assert_problem(answer, 422, "invalid_input", "body")
    if raw.startswith(b"{n"):
        assert "JSON" in problem["message_en"]


@pytest.mark.parametrize("raw", [b"[]", b"1", b'"slot"', b"null"], ids=repr)
async def test_json_body_of_the_wrong_shape(running: Running, raw: bytes) -> None:
    """Well-formed JSON that is not an object is 422 invalid_input with field body."""
    person = await group_3(running)
    answer = await running.client.post(
        "/api/bookings", content=raw,
        headers={**person.bearer(person.admission), "Idempotency-Key": "k-1",
                 "content-type": "application/json"},
    )
    assert_problem(answer, 422, "invalid_input", "body")


async def test_method_not_allowed_keeps_allow(running: Running) -> None:
    """A wrong method is a 405 problem that still says, in Allow, which methods the address takes."""
    answer = await running.client.patch("/api/bookings/me")
    assert_problem(answer, 405, "method_not_allowed")
    assert {"GET", "PUT", "DELETE"} <= set(answer.headers["allow"].replace(" ", "").split(","))
    answer = await running.client.delete("/api/auth/methods")
    assert_problem(answer, 405, "method_not_allowed")
    assert answer.headers["allow"] == "GET"
