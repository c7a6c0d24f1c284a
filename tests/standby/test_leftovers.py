"""Leftover doses of the day: posted with the clinic key, offered to the district's standby in
order with the short hold, never free on a map (both backends)."""

from __future__ import annotations

from datetime import date, time

from tests.conftest import Running
from tests.journey import add_clinic_with_slot, from_address
from tests.standby.kit import accept, booked, first_slot, join, offer, verified
from vaxbook.services.clinics import SlotPlan

URL = "/api/clinics/C1/leftovers"
POST = {"vaccine_id": "pfizer", "doses": 1, "until": "21:30"}


async def test_leftover_doses_go_to_standby_in_order(running: Running) -> None:
    """A posted leftover dose is held 15 minutes for the first on standby, never shown free; when
    it lapses the next person gets it and can book it with a second dose 42 days later."""
    await add_clinic_with_slot(running.container.clinics, first_capacity=10)
    await running.container.clinics.add_slots(
        [SlotPlan("C1", date(2021, 9, 24), time(21), time(22), "pfizer", 0, 5)])
    await booked(running, 800, await first_slot(running))
    first, second = await verified(running, 13), await verified(running, 14)
    await join(running.client, first)
    await join(running.client, second)
    wrong = await running.client.post(URL, json=POST, headers={"X-Clinic-Key": "nope"})
    assert wrong.status_code == 401 and wrong.json()["code"] == "clinic_key_invalid"
    posted = await running.client.post(URL, json=POST, headers={"X-Clinic-Key": "key-C1"})
    assert posted.status_code == 201, posted.text
    assert posted.json()["offered"] == 1
    held = await offer(running.client, first)
    assert held.json()["leftover"] is True and held.json()["slot"]["date"] == "2021-08-13"
    free = await running.container.ledger.free_first_doses(tuple(range(10)), date(2021, 8, 13))
    assert free == 9  # the clinic's other places; the leftover dose is never free
    running.clock.advance(minutes=16)
    second = await verified(running, 14)
    assert (await offer(running.client, second)).json()["leftover"] is True
    made = await accept(running.client, second)
    assert made.status_code == 201, made.text
    assert made.json()["second_dose"]["date"] == "2021-09-24"


async def test_leftover_form_is_behind_the_wrong_key_throttle(running: Running) -> None:
    """Ten wrong clinic keys from one address, then 429 even with the right key."""
    await add_clinic_with_slot(running.container.clinics)
    async with from_address(running.app, "198.51.100.30") as guesser:
        for i in range(10):
            wrong = await guesser.post(URL, json=POST, headers={"X-Clinic-Key": f"guess-{i}"})
            assert wrong.status_code == 401
        refused = await guesser.post(URL, json=POST, headers={"X-Clinic-Key": "key-C1"})
        assert refused.status_code == 429 and refused.json()["code"] == "too_many_requests"
    bad = await running.client.post(URL, json={**POST, "vaccine_id": "nothing"},
                                    headers={"X-Clinic-Key": "key-C1"})
    assert bad.status_code == 422 and bad.json()["code"] == "vaccine_not_found"
