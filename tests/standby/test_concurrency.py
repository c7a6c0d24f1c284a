"""Many concurrent cancels and acceptances never give one place twice and never lose one."""

from __future__ import annotations

import asyncio
import random
from datetime import date

from tests.conftest import Running
from tests.journey import add_clinic_with_slot
from tests.standby.kit import accept, booked, cancel, first_slot, join, offer, verified

WAITING = 14


async def test_concurrent_cancels_and_acceptances(running: Running) -> None:
    """10 cancels and 3 acceptances by each of 14 standby people, all at once: exactly 10 of them
    end up booked or holding an offer, nobody twice, and no place is free, lost or overbooked."""
    await add_clinic_with_slot(running.container.clinics, first_capacity=100)  # group 3's share: 10
    slot_id = await first_slot(running)
    bookers = [await booked(running, 600 + i, slot_id) for i in range(10)]
    waiting = [await verified(running, 700 + i) for i in range(WAITING)]
    for person in waiting:
        assert (await join(running.client, person)).status_code == 201
    requests = [cancel(running.client, b) for b in bookers]
    requests += [accept(running.client, p) for p in waiting for _ in range(3)]
    random.Random(7).shuffle(requests)
    answers = await asyncio.gather(*requests)
    assert all(a.status_code < 500 for a in answers), [a.text for a in answers if a.status_code >= 500]
    # Everyone still holding an offer accepts now.
    await asyncio.gather(*(accept(running.client, p) for p in waiting))
    mine = [await running.client.get("/api/bookings/me", headers=p.bearer(p.identity)) for p in waiting]
    held = [await offer(running.client, p) for p in waiting]
    holders = [a.json() for a in mine if a.status_code == 200]
    assert len(holders) == 10, (len(holders), [a.status_code for a in held])
    assert all(a.status_code == 404 for a in held)  # every offer was accepted
    assert {b["first_dose"]["id"] for b in holders} == {slot_id} and len({b["id"] for b in holders}) == 10
    assert await running.container.ledger.free_first_doses((3,), date(2021, 8, 13)) == 0
    for booker in bookers:
        gone = await running.client.get("/api/bookings/me", headers=booker.bearer(booker.identity))
        assert gone.status_code == 404
