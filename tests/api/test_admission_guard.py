"""Every booking endpoint checks the admission pass on the server: no pass, no booking."""

from __future__ import annotations

import time
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import Running
from tests.journey import Person, add_clinic_with_slot, admitted, book, join, person_number, status, verify
from vaxbook.adapters.signer import JwtSigner
from vaxbook.domain.credentials import AdmissionPass
from vaxbook.keys import KeyRing

BOOKING_ENDPOINTS = [
    ("GET", "/api/regions", None),
    ("GET", "/api/regions/서울특별시/districts", None),
    ("GET", "/api/clinics?sido=서울특별시&sigungu=종로구", None),
    ("GET", "/api/clinics/C1/slots", None),
    ("POST", "/api/bookings", {"slot_id": 1}),
    ("PUT", "/api/bookings/me", {"slot_id": 1}),
]


async def person_with_pass(running: Running, device: str = "phone") -> Person:
    await add_clinic_with_slot(running.container.clinics)
    return await admitted(running.client, Person(person_number(date(1990, 5, 13)), device))


@pytest.mark.parametrize(("method", "path", "body"), BOOKING_ENDPOINTS)
async def test_no_pass_is_refused(running: Running, method: str, path: str, body: object) -> None:
    """Without an admission pass every booking endpoint answers 401 admission_required."""
    person = await person_with_pass(running)
    answer = await running.client.request(
        method, path, json=body, headers={**person.headers, "Idempotency-Key": "k"}
    )
    assert answer.status_code == 401 and answer.json()["code"] == "admission_required"


@pytest.mark.parametrize(("method", "path", "body"), BOOKING_ENDPOINTS)
async def test_identity_token_is_not_a_pass(running: Running, method: str, path: str, body: object) -> None:
    """An identity token (verified but not through the line) does not open booking."""
    person = await person_with_pass(running)
    answer = await running.client.request(
        method, path, json=body, headers={**person.bearer(person.identity), "Idempotency-Key": "k"}
    )
    assert answer.status_code == 401 and answer.json()["code"] == "admission_invalid"


async def test_forged_pass_is_refused(running: Running) -> None:
    """A pass signed with another secret, or tampered with, is refused."""
    person = await person_with_pass(running)
    forger = JwtSigner(KeyRing.single("s1", b"not-the-server-secret"), time.time)
    forged = forger.sign(
        AdmissionPass(
            person="x",
            device=person.device,
            line="main-2021-08-13",
            groups=[3],
            birth="1990-05-13",
            name="x",
            exp=2e9,
        )
    )
    person.admission = forged
    assert (await book(running.client, person, 1)).json()["code"] == "admission_invalid"
    header, payload, signature = (await admitted_again(running)).split(".")
    person.admission = f"{header}.{payload}x.{signature}"
    assert (await book(running.client, person, 1)).json()["code"] == "admission_invalid"


async def admitted_again(running: Running) -> str:
    other = await admitted(running.client, Person(person_number(date(1991, 6, 23), 2), "other"))
    return other.admission


async def test_expired_pass_is_refused(running: Running) -> None:
    """A pass is short-lived: 10 minutes after admission it no longer books."""
    person = await person_with_pass(running)
    running.clock.advance(minutes=10, seconds=1)
    answer = await book(running.client, person, 1)
    assert answer.status_code == 401 and answer.json()["code"] == "admission_invalid"


async def test_another_devices_pass_is_refused(running: Running) -> None:
    """A pass copied to another device is refused: it is bound to the device that verified."""
    person = await person_with_pass(running)
    thief = Person(person.number, "stolen-laptop", admission=person.admission)
    answer = await book(running.client, thief, 1)
    assert answer.status_code == 403 and answer.json()["code"] == "device_mismatch"


async def test_pass_of_a_device_that_lost_the_binding_is_refused(running: Running) -> None:
    """A device admitted late loses its pass when, 10 minutes after it verified, another takes over."""
    await add_clinic_with_slot(running.container.clinics)
    first = Person(person_number(date(1990, 5, 13)), "first-phone")
    assert (await verify(running.client, first)).status_code == 200
    running.clock.advance(minutes=5)
    await join(running.client, first)
    assert (await status(running.client, first))["state"] == "admitted"
    running.clock.advance(minutes=5, seconds=1)
    second = Person(first.number, "second-phone")
    assert (await verify(running.client, second)).status_code == 200
    answer = await book(running.client, first, 1)
    assert answer.status_code == 409 and answer.json()["code"] == "device_bound_elsewhere"


async def test_a_pass_ends_with_its_window(running: Running) -> None:
    """Admitted a minute before 18:00, the pass stops at 18:00 and cannot book after it."""
    await add_clinic_with_slot(running.container.clinics)
    running.clock.set(datetime(2021, 8, 14, 17, 59, tzinfo=ZoneInfo("Asia/Seoul")))
    person = await admitted(running.client, Person(person_number(date(1990, 5, 13)), "phone"))
    running.clock.advance(minutes=1)
    answer = await book(running.client, person, 1)
    assert answer.status_code == 401 and answer.json()["code"] == "admission_invalid"
