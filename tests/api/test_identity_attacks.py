"""One human is one person: other spellings of a resident number, a name or a phone are refused."""

from __future__ import annotations

from datetime import date

import pytest

from tests.conftest import Running
from tests.journey import Person, add_clinic_with_slot, admitted, book, person_number

# The same number in the digits an attacker tried: full-width, Arabic-Indic, Extended
# Arabic-Indic, Devanagari, mathematical bold and monospace.
ZEROS = ("\uff10", "\u0660", "\u06f0", "\u0966", "\U0001d7ce", "\U0001d7f6")


def _spelled(number: str, zero: str) -> str:
    digits = "".join(chr(ord(zero) + int(d)) for d in number)
    return digits[:6] + "-" + digits[6:]


async def test_six_spellings_of_one_number_hold_one_booking(running: Running) -> None:
    """The six-ways attack: after booking once, no other spelling of the number verifies at all."""
    await add_clinic_with_slot(running.container.clinics)
    number = person_number(date(1990, 5, 13))
    person = await admitted(running.client, Person(number, "phone-ascii"))
    slots = await running.client.get("/api/clinics/C1/slots", headers=person.bearer(person.admission))
    assert (await book(running.client, person, slots.json()["slots"][0]["id"])).status_code == 201
    for zero in ZEROS:
        answer = await running.client.post(
            "/api/auth/start", headers={"X-Device-Id": f"phone-{ord(zero):x}"},
            json={"name": "홍길동", "resident_number": _spelled(number, zero), "phone": "010-1234-5678",
                  "method": "kakao"},
        )
        assert answer.status_code == 422, answer.text
        assert answer.json()["code"] == "invalid_resident_number"
        assert answer.json()["field"] == "resident_number"
        assert answer.headers["content-type"] == "application/problem+json"
    listed = await running.container.ledger.clinic_bookings("C1", date(2021, 8, 20))
    assert len(listed) == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [("name", "홍\x00길동"), ("name", "홍길동\u202e"), ("name", "홍\u200b길동"), ("name", "\x1b[31m홍"),
     ("phone", "０１０-１２３４-５６７８"), ("phone", "٠١٠١٢٣٤٥٦٧٨")],
)
async def test_hostile_names_and_phones_are_refused_with_their_field(
    running: Running, field: str, value: str
) -> None:
    """Control, format and non-ASCII-digit input is a 422 naming the field, and sends no code."""
    body = {"name": "홍길동", "resident_number": person_number(date(1990, 5, 13)), "phone": "010-1234-5678",
            "method": "kakao", field: value}
    answer = await running.client.post("/api/auth/start", headers={"X-Device-Id": "d1"}, json=body)
    assert answer.status_code == 422 and answer.json()["field"] == field
    assert "request_token" not in answer.json()


async def test_a_canonical_name_is_what_the_clinic_list_shows(running: Running) -> None:
    """A decomposed, space-padded name is stored masked in its canonical form."""
    await add_clinic_with_slot(running.container.clinics)
    person = Person(person_number(date(1990, 5, 13)), "d1")
    started = await running.client.post(
        "/api/auth/start", headers=person.headers,
        json={"name": "  \u1112\u1169\u11bc\u1100\u1175\u11af\u1103\u1169\u11bc ",  # 홍길동, decomposed
              "resident_number": person.number, "phone": "010-1234-5678", "method": "kakao"},
    )
    assert started.status_code == 200, started.text
    verified = await running.client.post(
        "/api/auth/verify", headers=person.headers,
        json={"request_token": started.json()["request_token"], "code": started.json()["dev_code"]},
    )
    person.identity = verified.json()["identity_token"]
    ticket = (await running.client.post("/api/line/join", headers=person.bearer(person.identity))).json()
    person.ticket = ticket["ticket"]
    status = await running.client.get("/api/line/status", headers=person.bearer(person.ticket))
    person.admission = status.json()["admission_pass"]
    slots = await running.client.get("/api/clinics/C1/slots", headers=person.bearer(person.admission))
    assert (await book(running.client, person, slots.json()["slots"][0]["id"])).status_code == 201
    (row,) = await running.container.ledger.clinic_bookings("C1", date(2021, 8, 20))
    assert row.masked_name == "홍*동"


async def test_a_non_ascii_code_is_a_wrong_code_not_a_crash(running: Running) -> None:
    """A code in full-width digits is refused as wrong (401), never a 500."""
    person = Person(person_number(date(1990, 5, 13)), "d1")
    started = await running.client.post(
        "/api/auth/start", headers=person.headers,
        json={"name": "홍길동", "resident_number": person.number, "phone": "010-1234-5678",
              "method": "kakao"},
    )
    code = "".join(chr(0xFF10 + int(d)) for d in started.json()["dev_code"])
    answer = await running.client.post(
        "/api/auth/verify", headers=person.headers,
        json={"request_token": started.json()["request_token"], "code": code},
    )
    assert answer.status_code == 401 and answer.json()["code"] == "verification_code_wrong"
