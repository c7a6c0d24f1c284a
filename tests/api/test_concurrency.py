"""Concurrency through HTTP: many simultaneous bookings never overbook and never double-book."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import date

from tests.conftest import Running
from tests.journey import Person, add_clinic_with_slot, admitted, book, from_address, person_number


async def crowd(running: Running, size: int) -> list[Person]:
    """`size` different people of group 3, each admitted with a pass, each from an address of their own."""
    births = [date(1975 + i % 25, 1 + i % 12, (3, 13, 23)[i % 3]) for i in range(size)]

    async def one(i: int, birth: date) -> Person:
        async with from_address(running.app, f"10.1.{i // 250}.{i % 250 + 1}") as client:
            return await admitted(client, Person(person_number(birth, serial=i), f"device-{i}"))

    return list(await asyncio.gather(*(one(i, birth) for i, birth in enumerate(births))))


async def test_200_people_for_a_share_of_10(running: Running) -> None:
    """200 concurrent requests for a slot whose group share is 10 give 10 bookings and 190 refusals."""
    await add_clinic_with_slot(running.container.clinics, first_capacity=100)
    people = await crowd(running, 200)
    slot = (
        await running.client.get("/api/clinics/C1/slots", headers=people[0].bearer(people[0].admission))
    ).json()["slots"][0]
    answers = await asyncio.gather(*(book(running.client, p, slot["id"]) for p in people))
    outcomes = Counter(a.status_code for a in answers)
    assert outcomes == {201: 10, 409: 190}
    assert {a.json()["code"] for a in answers if a.status_code == 409} == {"slot_full"}
    booked_ids = {a.json()["id"] for a in answers if a.status_code == 201}
    stored = [await running.container.ledger.booking_of(_person(running, p)) for p in people]
    assert {b.id for b in stored if b is not None} == booked_ids
    left = (
        await running.client.get("/api/clinics/C1/slots", headers=people[0].bearer(people[0].admission))
    ).json()["slots"][0]
    assert left["free"] == 0


async def test_one_person_many_requests_books_once(running: Running) -> None:
    """20 simultaneous requests of one person with different keys give exactly one booking; the
    others are refused (409) as already booked, or, before that booking commits, as a pass used."""
    await add_clinic_with_slot(running.container.clinics, first_capacity=1000)
    (person,) = await crowd(running, 1)
    slot = (
        await running.client.get("/api/clinics/C1/slots", headers=person.bearer(person.admission))
    ).json()["slots"][0]
    answers = await asyncio.gather(
        *(book(running.client, person, slot["id"], key=f"k{i}") for i in range(20))
    )
    assert Counter(a.status_code for a in answers) == {201: 1, 409: 19}
    assert {a.json()["code"] for a in answers if a.status_code == 409} <= {"already_booked", "admission_used"}
    assert (
        slot["free"] - 1
        == (
            await running.client.get("/api/clinics/C1/slots", headers=person.bearer(person.admission))
        ).json()["slots"][0]["free"]
    )


def _person(running: Running, person: Person) -> str:
    return running.container.auth.identity(person.identity, person.device).person
