"""Admission that ends: one pass per place, the same on every poll; lapsed or used, the person
joins again at the back; a used pass cannot book again after a cancel."""

from __future__ import annotations

from datetime import date

from tests.conftest import ManualClock, Running
from tests.journey import (
    Person,
    add_clinic_with_slot,
    admitted,
    app_with,
    book,
    join,
    person_number,
    status,
    verify,
)
from vaxbook.config import Settings


def somebody(serial: int) -> Person:
    return Person(person_number(date(1990, 5, 13), serial), f"phone-{serial}")


async def first_slot(running: Running, person: Person) -> int:
    answer = await running.client.get("/api/clinics/C1/slots", headers=person.bearer(person.admission))
    return int(answer.json()["slots"][0]["id"])


async def test_polling_again_returns_the_same_pass(running: Running) -> None:
    """An admitted ticket gets one pass: every later poll within its 10 minutes returns the same token."""
    await add_clinic_with_slot(running.container.clinics)
    person = await admitted(running.client, somebody(1))
    first = person.admission
    running.clock.advance(minutes=9, seconds=59)
    again = await status(running.client, person)
    assert again["state"] == "admitted" and again["admission_pass"] == first


async def test_a_lapsed_pass_sends_the_person_to_the_back(running: Running) -> None:
    """Unused for its 10 minutes, the pass lapses; the next poll gives a new number after the
    people who joined meanwhile, and (once admitted again) a new pass."""
    await add_clinic_with_slot(running.container.clinics)
    person = await admitted(running.client, somebody(1))
    old_number, old_pass = (await status(running.client, person))["number"], person.admission
    later = somebody(2)
    assert (await verify(running.client, later)).status_code == 200
    later_number = (await join(running.client, later))["number"]
    running.clock.advance(minutes=10, seconds=1)
    view = await status(running.client, person)
    assert view["number"] > later_number > old_number
    assert view["state"] == "admitted" and view["admission_pass"] != old_pass
    answer = await running.client.post("/api/line/join", headers=person.bearer(person.identity))
    assert answer.status_code == 401  # the identity token lived 10 minutes too; the place is kept
    assert (await status(running.client, person))["number"] == view["number"]


async def test_a_used_pass_cannot_book_again_after_a_cancel(running: Running) -> None:
    """Booked, cancelled, and booking again with the same pass is refused; joining again puts the
    person at the back, and the new pass books."""
    await add_clinic_with_slot(running.container.clinics)
    person = await admitted(running.client, somebody(1))
    old_number = (await status(running.client, person))["number"]
    slot = await first_slot(running, person)
    assert (await book(running.client, person, slot, key="first")).status_code == 201
    cancelled = await running.client.delete("/api/bookings/me", headers=person.bearer(person.identity))
    assert cancelled.status_code == 200
    again = await book(running.client, person, slot, key="second")
    assert again.status_code == 409 and again.json()["code"] == "admission_used"
    retry = await book(running.client, person, slot, key="first")  # a retry of the first still answers
    assert retry.status_code == 201
    used_pass = person.admission
    view = await status(running.client, person)
    assert view["number"] > old_number and view["state"] == "admitted"
    assert person.admission != used_pass
    assert (await join(running.client, person))["number"] == view["number"]  # the new place is kept
    assert (await book(running.client, person, slot, key="third")).status_code == 201


async def test_a_refused_booking_leaves_the_pass_unused(running: Running) -> None:
    """A booking the ledger refuses (no such slot) does not spend the pass."""
    await add_clinic_with_slot(running.container.clinics)
    person = await admitted(running.client, somebody(1))
    assert (await book(running.client, person, 999_999, key="a")).json()["code"] == "slot_not_found"
    assert (await book(running.client, person, await first_slot(running, person), key="b")).status_code == 201


async def test_the_cap_counts_live_passes_only(settings: Settings, clock: ManualClock) -> None:
    """With a cap of 1, polling does not stretch a pass: the next person goes in once it lapses."""
    async with app_with(settings, clock, admission_cap=1) as (container, client):
        await add_clinic_with_slot(container.clinics)
        first, second = somebody(1), somebody(2)
        for person in (first, second):
            assert (await verify(client, person)).status_code == 200
            await join(client, person)
        assert (await status(client, first))["state"] == "admitted"
        clock.advance(minutes=5)
        assert (await status(client, first))["state"] == "admitted"  # the same pass, not a new one
        assert (await status(client, second))["state"] == "waiting"
        clock.advance(minutes=5, seconds=1)
        assert (await status(client, second))["state"] == "admitted"


async def test_joining_again_after_a_lapsed_pass_keeps_the_place_at_the_back(running: Running) -> None:
    """The ledger's record of places follows a move to the back: verified again and joining
    again, the person gets the place at the back, never the used-up one."""
    await add_clinic_with_slot(running.container.clinics)
    person = await admitted(running.client, somebody(1))
    old_number = (await status(running.client, person))["number"]
    running.clock.advance(minutes=10, seconds=1)
    moved = (await status(running.client, person))["number"]
    assert moved > old_number
    assert (await verify(running.client, person)).status_code == 200
    assert (await join(running.client, person))["number"] == moved
