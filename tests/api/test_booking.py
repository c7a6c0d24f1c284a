"""Booking with an admission pass: both doses or neither, fair shares, idempotency, change, cancel."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from tests.conftest import Running
from tests.journey import Person, add_clinic_with_slot, admitted, book, change, person_number

SEOUL = ZoneInfo("Asia/Seoul")


async def slot_ids(running: Running, person: Person, clinic: str = "C1") -> list[int]:
    answer = await running.client.get(f"/api/clinics/{clinic}/slots", headers=person.bearer(person.admission))
    return [s["id"] for s in answer.json()["slots"]]


async def free_for(running: Running, person: Person, clinic: str = "C1") -> list[int]:
    answer = await running.client.get(f"/api/clinics/{clinic}/slots", headers=person.bearer(person.admission))
    return [s["free"] for s in answer.json()["slots"]]


async def group_3(running: Running, serial: int = 1) -> Person:
    return await admitted(running.client, Person(person_number(date(1990, 5, 13), serial), f"d{serial}"))


async def test_retry_with_same_key_books_once(running: Running) -> None:
    """The same Idempotency-Key returns the same booking and takes one place only."""
    await add_clinic_with_slot(running.container.clinics)
    await add_clinic_with_slot(running.container.clinics, clinic_id="C2")
    person = await group_3(running)
    slot, other_slot = (await slot_ids(running, person))[0], (await slot_ids(running, person, "C2"))[0]
    first = await book(running.client, person, slot, key="same")
    again = await book(running.client, person, slot, key="same")
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert await free_for(running, person) == [9]
    reused = await book(running.client, person, other_slot, key="same")
    assert reused.status_code == 422 and reused.json()["code"] == "idempotency_key_reused"
    other_key = await book(running.client, person, slot, key="another")
    assert other_key.status_code == 409 and other_key.json()["code"] == "already_booked"
    missing = await running.client.post(
        "/api/bookings", json={"slot_id": slot}, headers=person.bearer(person.admission)
    )
    assert missing.status_code == 400 and missing.json()["code"] == "missing_idempotency_key"


async def test_no_second_dose_room_means_no_booking(running: Running) -> None:
    """Without a second-dose place 42 days later, the first dose is refused and nothing is taken."""
    await add_clinic_with_slot(running.container.clinics, second_capacity=0)
    person = await group_3(running)
    slot = (await slot_ids(running, person))[0]
    answer = await book(running.client, person, slot)
    assert answer.status_code == 409 and answer.json()["code"] == "second_dose_unavailable"
    assert await free_for(running, person) == [10]
    assert (
        await running.client.get("/api/bookings/me", headers=person.bearer(person.identity))
    ).status_code == 404


async def test_second_dose_moves_to_another_time_when_the_same_is_full(running: Running) -> None:
    """If the same time 42 days later is full, the second dose takes another slot that day."""
    from datetime import time  # noqa: PLC0415  # only this test needs it

    clinics = running.container.clinics
    await add_clinic_with_slot(clinics, second_capacity=0)
    from vaxbook.services.clinics import SlotPlan  # noqa: PLC0415  # only this test needs it

    await clinics.add_slots([SlotPlan("C1", date(2021, 10, 1), time(15), time(16), "pfizer", 0, 5)])
    person = await group_3(running)
    booking = (await book(running.client, person, (await slot_ids(running, person))[0])).json()
    assert booking["second_dose"]["date"] == "2021-10-01" and booking["second_dose"]["start"] == "15:00"


async def test_main_period_books_only_from_own_share(running: Running) -> None:
    """Group 3 sees and books only its tenth of a slot, whatever is left for the other groups."""
    await add_clinic_with_slot(running.container.clinics, first_capacity=20)  # 2 per group
    people = [await group_3(running, serial=i) for i in range(1, 4)]
    slot = (await slot_ids(running, people[0]))[0]
    answers = [await book(running.client, p, slot) for p in people]
    assert [a.status_code for a in answers] == [201, 201, 409]
    assert answers[2].json()["code"] == "slot_full"
    assert {a.json()["share_group"] for a in answers[:2]} == {3}


async def test_additional_period_opens_every_unbooked_share(running: Running) -> None:
    """In the additional period one person may take places from any group's share."""
    await add_clinic_with_slot(running.container.clinics, first_capacity=10, day=date(2021, 8, 25))
    running.clock.set(datetime(2021, 8, 20, 9, tzinfo=SEOUL))
    people = []
    for serial, day in enumerate((13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23), start=1):
        people.append(
            await admitted(running.client, Person(person_number(date(1990, 5, day), serial), f"d{serial}"))
        )
    assert await free_for(running, people[0]) == [10]
    slot = (await slot_ids(running, people[0]))[0]
    codes = [(await book(running.client, p, slot)).status_code for p in people]
    assert codes == [201] * 10 + [409]


async def test_change_moves_both_doses_and_frees_the_old_places(running: Running) -> None:
    """Changing to another slot books the new pair and returns the old places to their shares."""
    clinics = running.container.clinics
    await add_clinic_with_slot(clinics, clinic_id="C1")
    await add_clinic_with_slot(clinics, clinic_id="C2", day=date(2021, 8, 21))
    person = await group_3(running)
    await book(running.client, person, (await slot_ids(running, person, "C1"))[0])
    new_slot = (await slot_ids(running, person, "C2"))[0]
    changed = await change(running.client, person, new_slot, key="change-1")
    assert changed.status_code == 200, changed.text
    assert changed.json()["clinic"]["id"] == "C2" and changed.json()["second_dose"]["date"] == "2021-10-02"
    assert await free_for(running, person, "C1") == [10]
    assert await free_for(running, person, "C2") == [9]


async def test_cancel_returns_the_place_to_its_share(running: Running) -> None:
    """Cancelling frees the first-dose place in the share it came from; viewing then finds nothing."""
    await add_clinic_with_slot(running.container.clinics)
    person = await group_3(running)
    await book(running.client, person, (await slot_ids(running, person))[0])
    assert await free_for(running, person) == [9]
    cancelled = await running.client.delete("/api/bookings/me", headers=person.bearer(person.identity))
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert await free_for(running, person) == [10]
    mine = await running.client.get("/api/bookings/me", headers=person.bearer(person.identity))
    assert mine.status_code == 404 and mine.json()["code"] == "no_booking"
    again = await running.client.delete("/api/bookings/me", headers=person.bearer(person.identity))
    assert again.status_code == 404


async def test_own_booking_needs_a_fresh_verification(running: Running) -> None:
    """An identity token older than 10 minutes no longer shows or cancels the booking."""
    await add_clinic_with_slot(running.container.clinics)
    person = await group_3(running)
    await book(running.client, person, (await slot_ids(running, person))[0])
    running.clock.advance(minutes=10, seconds=1)
    stale = await running.client.get("/api/bookings/me", headers=person.bearer(person.identity))
    assert stale.status_code == 401 and stale.json()["code"] == "identity_invalid"


async def test_slot_errors(running: Running) -> None:
    """Unknown slots and clinics, and second-dose-only slots, are refused clearly."""
    await add_clinic_with_slot(running.container.clinics)
    person = await group_3(running)
    unknown = await book(running.client, person, 9999)
    assert unknown.status_code == 404 and unknown.json()["code"] == "slot_not_found"
    second_only = (await slot_ids(running, person))[0] + 1
    refused = await book(running.client, person, second_only, key="k2")
    assert refused.status_code == 409 and refused.json()["code"] == "slot_not_bookable"
    no_clinic = await running.client.get("/api/clinics/NOPE/slots", headers=person.bearer(person.admission))
    assert no_clinic.status_code == 404 and no_clinic.json()["code"] == "clinic_not_found"
    assert running.clock.now() < datetime(2021, 8, 14, tzinfo=SEOUL) + timedelta(days=1)


async def test_change_needs_a_fresh_verification_of_the_same_person(running: Running) -> None:
    """A pass alone cannot change a booking: a fresh identity token of the same person is needed."""
    clinics = running.container.clinics
    await add_clinic_with_slot(clinics, clinic_id="C1")
    await add_clinic_with_slot(clinics, clinic_id="C2", day=date(2021, 8, 21))
    person = await group_3(running)
    other = await group_3(running, serial=2)
    await book(running.client, person, (await slot_ids(running, person, "C1"))[0])
    new_slot = (await slot_ids(running, person, "C2"))[0]
    headers = {**person.bearer(person.admission), "Idempotency-Key": "c"}
    for identity, code in ((None, "identity_required"), (other.identity, "device_mismatch")):
        extra = {"X-Identity-Token": identity} if identity else {}
        refused = await running.client.put(
            "/api/bookings/me", json={"slot_id": new_slot}, headers={**headers, **extra}
        )
        assert refused.json()["code"] == code
    key = _key(running, person)
    running.clock.advance(minutes=10, seconds=1)
    stale = await running.client.put(
        "/api/bookings/me",
        json={"slot_id": new_slot},
        headers={**headers, "X-Identity-Token": person.identity},
    )
    assert stale.status_code == 401
    still = await running.container.ledger.booking_of(key)
    assert still is not None and still.clinic.id == "C1"


async def test_change_within_the_day_may_reuse_its_own_second_dose_place(running: Running) -> None:
    """Moving the first dose to another hour keeps working when the only second-dose place is one's own."""
    from datetime import time  # noqa: PLC0415  # only this test needs it

    from vaxbook.services.clinics import SlotPlan  # noqa: PLC0415  # only this test needs it

    clinics = running.container.clinics
    await add_clinic_with_slot(clinics, second_capacity=1)
    await clinics.add_slots([SlotPlan("C1", date(2021, 8, 20), time(11), time(12), "pfizer", 100, 0)])
    person = await group_3(running)
    nine, eleven = await slot_ids(running, person)
    await book(running.client, person, nine)
    changed = await change(running.client, person, eleven, key="c")
    assert changed.status_code == 200, changed.text
    assert changed.json()["first_dose"]["start"] == "11:00"
    assert changed.json()["second_dose"]["date"] == "2021-10-01"


async def test_a_slot_that_has_started_cannot_be_booked(running: Running) -> None:
    """Late in the evening, that morning's slot of the same day is refused."""
    await add_clinic_with_slot(running.container.clinics, day=date(2021, 8, 13))
    person = await group_3(running)
    answer = await book(running.client, person, 1)
    assert answer.status_code == 409 and answer.json()["code"] == "slot_not_bookable"


def _key(running: Running, person: Person) -> str:
    return running.container.auth.identity(person.identity, person.device).person
