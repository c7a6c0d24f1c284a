"""Standby over HTTP on both backends: join, position, leave, offers held, accepted, lapsed."""

from __future__ import annotations

from datetime import date, time

from tests.conftest import Running
from tests.journey import add_clinic_with_slot
from tests.standby.kit import DISTRICT, accept, booked, cancel, first_slot, join, offer, verified
from vaxbook.services.clinics import SlotPlan


async def full_clinic(running: Running) -> tuple[int, list]:  # type: ignore[type-arg]
    """Clinic C1 whose group-3 share (1 place of 10) is booked."""
    await add_clinic_with_slot(running.container.clinics, first_capacity=10)
    slot_id = await first_slot(running)
    return slot_id, [await booked(running, 500, slot_id)]


async def test_join_shows_position_and_is_one_per_person(running: Running) -> None:
    """Two people join standby in order and see positions 1 and 2; a second join is refused."""
    await full_clinic(running)
    first, second = await verified(running, 1), await verified(running, 2)
    one = await join(running.client, first)
    assert one.status_code == 201, one.text
    assert one.json()["position"] == 1 and one.json()["districts"] == [DISTRICT]
    assert (await join(running.client, second)).json()["position"] == 2
    again = await join(running.client, first)
    assert again.status_code == 409 and again.json()["code"] == "already_on_standby"
    mine = await running.client.get("/api/standby/me", headers=second.bearer(second.identity))
    assert mine.json()["position"] == 2


async def test_join_refused_while_places_are_free(running: Running) -> None:
    """A district with a free place for the person is refused: they should book it instead."""
    await add_clinic_with_slot(running.container.clinics, first_capacity=10)
    person = await verified(running, 3)
    answer = await join(running.client, person)
    assert answer.status_code == 409 and answer.json()["code"] == "places_free"
    unknown = await join(running.client, person, {"sido": "서울특별시", "sigungu": "없는구"})
    assert unknown.status_code == 404 and unknown.json()["code"] == "district_not_found"


async def test_cancel_offers_the_place_and_accepting_books_it(running: Running) -> None:
    """A cancel holds the place for the first on standby (not free to others); accepting books
    both doses and ends the standby."""
    slot_id, (booker,) = await full_clinic(running)
    waiting = await verified(running, 4)
    assert (await join(running.client, waiting)).status_code == 201
    assert (await offer(running.client, waiting)).json()["code"] == "no_offer"
    assert (await cancel(running.client, booker)).status_code == 200
    held = await offer(running.client, waiting)
    assert held.status_code == 200, held.text
    assert held.json()["slot"]["id"] == slot_id and held.json()["state"] == "open"
    groups = (3,)
    assert await running.container.ledger.free_first_doses(groups, date(2021, 8, 13)) == 0
    made = await accept(running.client, waiting)
    assert made.status_code == 201, made.text
    assert made.json()["first_dose"]["id"] == slot_id and made.json()["second_dose"] is not None
    assert (await accept(running.client, waiting)).json()["code"] == "no_offer"  # accepted: none open
    gone = await running.client.get("/api/standby/me", headers=waiting.bearer(waiting.identity))
    assert gone.status_code == 404 and gone.json()["code"] == "not_on_standby"
    assert await running.container.ledger.free_first_doses(groups, date(2021, 8, 13)) == 0


async def test_a_lapsed_offer_moves_on(running: Running) -> None:
    """An offer not answered within the hold (30 minutes) passes to the next person."""
    _, (booker,) = await full_clinic(running)
    first, second = await verified(running, 5), await verified(running, 6)
    await join(running.client, first)
    await join(running.client, second)
    await cancel(running.client, booker)
    assert (await offer(running.client, first)).status_code == 200
    running.clock.advance(minutes=29)
    assert (await running.container.standby.sweep(running.clock.now())) == 0
    running.clock.advance(minutes=2)
    first, second = await verified(running, 5), await verified(running, 6)  # identities last 10 minutes
    assert (await offer(running.client, first)).json()["code"] == "no_offer"
    moved = await offer(running.client, second)
    assert moved.status_code == 200, moved.text
    assert (await accept(running.client, second)).status_code == 201


async def test_declining_passes_the_offer_on(running: Running) -> None:
    """Declining gives the place to the next person and ends the decliner's standby."""
    _, (booker,) = await full_clinic(running)
    first, second = await verified(running, 7), await verified(running, 8)
    await join(running.client, first)
    await join(running.client, second)
    await cancel(running.client, booker)
    declined = await running.client.post("/api/offers/me/decline", headers=first.bearer(first.identity))
    assert declined.status_code == 200 and declined.json()["state"] == "declined"
    assert (await offer(running.client, second)).status_code == 200
    mine = await running.client.get("/api/standby/me", headers=first.bearer(first.identity))
    assert mine.json()["code"] == "not_on_standby"


async def test_leaving_standby(running: Running) -> None:
    """Leaving removes the entry, moves the next person up, and a second leave is refused."""
    _, (booker,) = await full_clinic(running)
    first, second = await verified(running, 9), await verified(running, 10)
    await join(running.client, first)
    await join(running.client, second)
    left = await running.client.delete("/api/standby/me", headers=first.bearer(first.identity))
    assert left.status_code == 200 and left.json() == {"left": True}
    again = await running.client.delete("/api/standby/me", headers=first.bearer(first.identity))
    assert again.status_code == 404 and again.json()["code"] == "not_on_standby"
    mine = await running.client.get("/api/standby/me", headers=second.bearer(second.identity))
    assert mine.json()["position"] == 1
    await cancel(running.client, booker)
    assert (await offer(running.client, second)).status_code == 200


async def test_places_a_clinic_adds_are_offered_to_standby_first(running: Running) -> None:
    """A slot a clinic adds in a district with people on standby is held for the first of them."""
    slot_id, _ = await full_clinic(running)
    first, second = await verified(running, 11), await verified(running, 12)
    await join(running.client, first)
    await join(running.client, second)
    added = await running.container.clinics.add_slots(
        [SlotPlan("C1", date(2021, 8, 20), time(11), time(12), "pfizer", 10, 0)])
    held = await offer(running.client, first)
    assert held.status_code == 200, held.text
    assert held.json()["slot"]["id"] == added[0] != slot_id and held.json()["state"] == "open"
    assert (await offer(running.client, second)).json()["code"] == "no_offer"  # the group's one place
    assert await running.container.ledger.free_first_doses((3,), date(2021, 8, 13)) == 0
    assert (await accept(running.client, first)).status_code == 201
