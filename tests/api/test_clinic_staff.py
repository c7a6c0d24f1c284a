"""Clinic staff over the API with the clinic's key: slots, capacities, and the day's doses."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from tests.conftest import Running
from tests.journey import Person, add_clinic_with_slot, admitted, book, person_number

KEY = {"X-Clinic-Key": "key-C1"}
NEW = {"date": "2021-08-27", "start": "14:00", "end": "15:00", "vaccine": "pfizer",
       "first_capacity": 23, "second_capacity": 0}


async def _inventory(running: Running) -> list[dict[str, Any]]:
    answer = await running.client.get("/api/clinics/C1/inventory", headers=KEY)
    assert answer.status_code == 200, answer.text
    return list(answer.json()["slots"])


async def _booked(running: Running) -> dict[str, Any]:
    """A group-3 person booked into C1's first slot (20 Aug 09:00)."""
    person = await admitted(running.client, Person(person_number(date(1990, 5, 13)), "device-staff-1"))
    slots = await running.client.get("/api/clinics/C1/slots", headers=person.bearer(person.admission))
    answer = await book(running.client, person, slots.json()["slots"][0]["id"])
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


async def test_clinic_adds_a_slot_split_among_the_groups(running: Running) -> None:
    """A slot a clinic adds is listed with its capacity and bookable by each group's share."""
    await add_clinic_with_slot(running.container.clinics)
    added = await running.client.post("/api/clinics/C1/inventory", json=NEW, headers=KEY)
    assert added.status_code == 201, added.text
    assert added.json() | {"id": 0} == {"id": 0, "date": "2021-08-27", "start": "14:00", "end": "15:00",
                                        "vaccine_id": "pfizer", "first_capacity": 23, "first_booked": 0,
                                        "second_capacity": 0, "second_booked": 0}
    shares = [sum(s.free_first for s in await running.container.ledger.slots("C1", (g,), date(2021, 8, 27))
                  if s.slot.id == added.json()["id"]) for g in range(10)]
    assert sum(shares) == 23 and sorted(shares) == [2] * 7 + [3] * 3
    again = await running.client.post("/api/clinics/C1/inventory", json=NEW, headers=KEY)
    assert again.status_code == 409 and again.json()["code"] == "slot_exists"
    past = await running.client.post("/api/clinics/C1/inventory", json=NEW | {"date": "2021-08-13",
                                                                             "start": "09:00"}, headers=KEY)
    assert past.status_code == 409 and past.json()["code"] == "slot_started"
    bad = await running.client.post("/api/clinics/C1/inventory", json=NEW | {"vaccine": "sputnik"},
                                    headers=KEY)
    assert bad.status_code == 422 and bad.json()["field"] == "vaccine"


async def test_capacity_raised_and_lowered_never_below_booked(running: Running) -> None:
    """A future slot's capacity goes up and down, but not under its bookings nor once started."""
    await add_clinic_with_slot(running.container.clinics, first_capacity=10)
    await _booked(running)
    first = (await _inventory(running))[0]
    assert (first["first_capacity"], first["first_booked"]) == (10, 1)
    url = f"/api/clinics/C1/inventory/{first['id']}"
    raised = await running.client.patch(url, json={"first_capacity": 40}, headers=KEY)
    assert raised.status_code == 200 and raised.json()["first_capacity"] == 40
    lowered = await running.client.patch(url, json={"first_capacity": 1}, headers=KEY)
    assert lowered.status_code == 200 and lowered.json()["first_capacity"] == 1
    under = await running.client.patch(url, json={"first_capacity": 0}, headers=KEY)
    assert under.status_code == 409 and under.json()["code"] == "capacity_below_booked"
    assert under.json()["field"] == "first_capacity"
    negative = await running.client.patch(url, json={"first_capacity": -1}, headers=KEY)
    assert negative.status_code == 422
    running.clock.set(datetime(2021, 8, 20, 0, 30, tzinfo=UTC))  # 09:30 in Seoul: started
    started = await running.client.patch(url, json={"first_capacity": 5}, headers=KEY)
    assert started.status_code == 409 and started.json()["code"] == "slot_started"


async def test_marks_each_dose_of_the_day(running: Running) -> None:
    """On the day, the clinic marks a booked dose vaccinated, then no_show; other days are refused."""
    await add_clinic_with_slot(running.container.clinics)
    booking = await _booked(running)
    url = f"/api/clinics/C1/bookings/{booking['id']}/doses/1"
    early = await running.client.put(url, json={"outcome": "vaccinated"}, headers=KEY)
    assert early.status_code == 404 and early.json()["code"] == "not_on_day_list"
    running.clock.set(datetime(2021, 8, 20, 0, 30, tzinfo=UTC))
    marked = await running.client.put(url, json={"outcome": "vaccinated"}, headers=KEY)
    assert marked.status_code == 200 and marked.json()["outcome"] == "vaccinated"
    changed = await running.client.put(url, json={"outcome": "no_show"}, headers=KEY)
    assert changed.json()["outcome"] == "no_show"
    listed = await running.client.get("/api/clinics/C1/bookings", params={"day": "2021-08-20"}, headers=KEY)
    assert [r["outcome"] for r in listed.json()["bookings"]] == ["no_show"]
    odd = await running.client.put(url, json={"outcome": "maybe"}, headers=KEY)
    assert odd.status_code == 422


async def test_every_staff_action_needs_the_clinic_key(running: Running) -> None:
    """Without the right key nothing is shown or changed, and wrong keys are throttled."""
    await add_clinic_with_slot(running.container.clinics, clinic_id="C1")
    await add_clinic_with_slot(running.container.clinics, clinic_id="C2")
    other = {"X-Clinic-Key": "key-C2"}
    slot_id = (await _inventory(running))[0]["id"]
    for method, url, body in (
        ("GET", "/api/clinics/C1/inventory", None),
        ("POST", "/api/clinics/C1/inventory", NEW),
        ("PATCH", f"/api/clinics/C1/inventory/{slot_id}", {"first_capacity": 1}),
        ("PUT", "/api/clinics/C1/bookings/VB000000000000/doses/1", {"outcome": "vaccinated"}),
    ):
        answer = await running.client.request(method, url, json=body, headers=other)
        assert answer.status_code == 401 and answer.json()["code"] == "clinic_key_invalid", (method, url)
    assert (await _inventory(running))[0]["first_capacity"] == 100
    codes = set()
    for _ in range(12):  # the per-client limit is 10 wrong keys in 10 minutes
        answer = await running.client.get("/api/clinics/C1/inventory", headers=other)
        codes.add(answer.json()["code"])
    assert "too_many_requests" in codes


async def test_a_clinic_cannot_touch_another_clinics_slot(running: Running) -> None:
    """A slot id of another clinic is not found under this clinic's key."""
    await add_clinic_with_slot(running.container.clinics, clinic_id="C1")
    await add_clinic_with_slot(running.container.clinics, clinic_id="C2")
    theirs = (await running.client.get("/api/clinics/C2/inventory", headers={"X-Clinic-Key": "key-C2"}))
    slot_id = theirs.json()["slots"][0]["id"]
    answer = await running.client.patch(f"/api/clinics/C1/inventory/{slot_id}", json={"first_capacity": 0},
                                        headers=KEY)
    assert answer.status_code == 404 and answer.json()["code"] == "slot_not_found"
