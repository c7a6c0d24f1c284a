"""Steps of the standby path over HTTP, shared by the standby tests."""

from __future__ import annotations

from datetime import date

import httpx

from tests.conftest import Running
from tests.journey import Person, admitted, from_address, person_number, verify

DISTRICT = {"sido": "서울특별시", "sigungu": "종로구"}


async def verified(running: Running, serial: int, birth: date = date(1980, 5, 13)) -> Person:
    """A person of the birth's group, verified from an address of their own."""
    async with from_address(running.app, f"10.9.{serial // 250}.{serial % 250 + 1}") as client:
        person = Person(person_number(birth, serial=serial), f"sb-device-{serial}")
        answer = await verify(client, person)
        assert answer.status_code == 200, answer.text
        return person


async def booked(running: Running, serial: int, slot_id: int, birth: date = date(1981, 6, 23)) -> Person:
    """A person who was admitted and booked `slot_id`."""
    async with from_address(running.app, f"10.8.{serial // 250}.{serial % 250 + 1}") as client:
        person = await admitted(client, Person(person_number(birth, serial=serial), f"bk-device-{serial}"))
        answer = await client.post("/api/bookings", json={"slot_id": slot_id},
                                   headers={**person.bearer(person.admission), "Idempotency-Key": "k"})
        assert answer.status_code == 201, answer.text
        return person


async def first_slot(running: Running) -> int:
    slot = await running.container.ledger.second_dose_candidates("C1", date(2021, 8, 20), "pfizer")
    assert slot == []  # the first-dose slot has no second-dose capacity
    found = [s for s in range(1, 10) if (x := await running.container.ledger.slot(s)) and x.first_capacity]
    return found[0]


async def join(client: httpx.AsyncClient, person: Person, *districts: dict[str, str]) -> httpx.Response:
    return await client.post("/api/standby", json={"districts": list(districts or (DISTRICT,))},
                             headers=person.bearer(person.identity))


async def offer(client: httpx.AsyncClient, person: Person) -> httpx.Response:
    return await client.get("/api/offers/me", headers=person.bearer(person.identity))


async def accept(client: httpx.AsyncClient, person: Person) -> httpx.Response:
    return await client.post("/api/offers/me/accept", headers=person.bearer(person.identity))


async def cancel(client: httpx.AsyncClient, person: Person) -> httpx.Response:
    return await client.delete("/api/bookings/me", headers=person.bearer(person.identity))
