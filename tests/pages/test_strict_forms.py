"""Strict input through the pages on every backend: NUL bytes, invalid UTF-8 and non-ASCII or
out-of-range ids in forms and addresses give a 4xx page, never a 500 (issue 8 point 7)."""

from __future__ import annotations

import pytest

from tests.conftest import Running
from tests.journey import add_clinic_with_slot
from tests.pages.conftest import MakeVisitor
from tests.pages.visitor import born


@pytest.mark.parametrize(
    "slot", ["１", "٣", str(2**63), "99999999999999999999", "0", "-1", "1\x00", "", " 1"], ids=repr
)
async def test_booking_form_slot_must_be_ascii_digits_in_range(
    running: Running, visitor: MakeVisitor, slot: str
) -> None:
    """A booking form whose slot is not ASCII digits from 1 to 2**63-1 is a 422 page and books nothing."""
    await add_clinic_with_slot(running.container.clinics)
    person = await visitor()
    await person.verify(born(13))
    await person.get("/book")
    answer = await person.post("/book", {"slot": slot, "key": "k1"})
    assert answer.status_code == 422, answer.text
    assert (await person.get("/mine")).status_code != 500


async def test_verification_form_with_nul_and_invalid_utf8(running: Running, visitor: MakeVisitor) -> None:
    """A verification form holding NUL or bytes that are not UTF-8 is a 4xx page, never a 500."""
    person = await visitor()
    await person.get("/verify")
    fields = f"csrf={person.csrf}&resident_number=900513-1234567&phone=010-1234-5678&method=kakao"
    for name in ("%00", "%FF%FE", "%ED%A0%80", "홍%00길동"):
        answer = await person.client.post(
            "/verify", content=f"{fields}&name={name}".encode(),
            headers={"content-type": "application/x-www-form-urlencoded"},
        )
        assert 400 <= answer.status_code < 500, answer.text
    raw = f"{fields}&name=".encode() + b"\xff\xfe\x00"
    answer = await person.client.post(
        "/verify", content=raw, headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert 400 <= answer.status_code < 500, answer.text


@pytest.mark.parametrize(
    "query",
    ["sido=%00", "sido=%FF", "sido=서울특별시&sigungu=%00", "clinic=%00", "clinic=%FF", "slot=%00"],
)
async def test_booking_addresses_with_nul_and_invalid_utf8(
    running: Running, visitor: MakeVisitor, query: str
) -> None:
    """A booking page address holding NUL or invalid UTF-8 is a 4xx page, never a 500."""
    await add_clinic_with_slot(running.container.clinics)
    person = await visitor()
    await person.verify(born(13))
    await person.get("/book")
    defaults = {"sido": "서울특별시", "sigungu": "종로구", "clinic": "C1", "slot": "1"}
    given = dict(part.split("=", 1) for part in query.split("&"))
    for page in ("/book/districts", "/book/clinics", "/book/slots", "/book/review"):
        address = page + "?" + "&".join(f"{k}={given.get(k, v)}" for k, v in defaults.items())
        answer = await person.client.get(address)
        assert answer.status_code != 500 and answer.status_code < 500, (address, answer.text[:300])
