"""The period's share rule decides who may take a freed place: own group in the main period, any
share in the additional period (both backends)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from tests.conftest import Running
from tests.journey import add_clinic_with_slot
from tests.standby.kit import first_slot, join, offer, verified
from vaxbook.domain.booking import BookingRequest


async def book_share(running: Running, slot_id: int, group: int, who: str) -> None:
    """A booking drawn from one group's share, written to the ledger directly."""
    ledger = running.container.ledger
    seconds = await ledger.second_dose_candidates("C1", date(2021, 10, 1), "pfizer")
    await ledger.book(BookingRequest(
        person_key=who, masked_name="홍*동", birth_date=date(1980, 1, 1), first_slot_id=slot_id,
        share_groups=(group,), needs_second_dose=True, second_slot_ids=tuple(s.slot_id for s in seconds),
        idempotency_key="k", fingerprint="book", at=running.clock.now(),
    ))


async def test_main_period_offers_only_the_own_groups_share(running: Running) -> None:
    """In group 3's window a place freed in group 5's share is not offered to group 3's standby
    (it goes back free); one freed in group 3's share is."""
    await add_clinic_with_slot(running.container.clinics, first_capacity=10)
    slot_id = await first_slot(running)
    for group in range(10):
        await book_share(running, slot_id, group, f"person-{group}")
    waiting = await verified(running, 11)
    assert (await join(running.client, waiting)).status_code == 201
    ledger = running.container.ledger
    await ledger.cancel("person-5", running.clock.now())
    assert (await offer(running.client, waiting)).json()["code"] == "no_offer"
    assert await ledger.free_first_doses((5,), date(2021, 8, 13)) == 1
    await ledger.cancel("person-3", running.clock.now())
    assert (await offer(running.client, waiting)).status_code == 200
    assert await ledger.free_first_doses((3,), date(2021, 8, 13)) == 0


async def test_additional_period_offers_any_share(running: Running) -> None:
    """In the additional period a person of group 7 on standby is offered a place of group 5's share."""
    running.clock.set(datetime(2021, 8, 20, 12, 0, tzinfo=UTC))  # 21:00 KST, the additional period
    await add_clinic_with_slot(running.container.clinics, first_capacity=10, day=date(2021, 8, 25))
    slot_id = await first_slot(running)
    ledger = running.container.ledger
    seconds = await ledger.second_dose_candidates("C1", date(2021, 10, 6), "pfizer")
    for group in range(10):
        await ledger.book(BookingRequest(
            person_key=f"person-{group}", masked_name="홍*동", birth_date=date(1980, 1, 1),
            first_slot_id=slot_id, share_groups=(group,), needs_second_dose=True,
            second_slot_ids=tuple(s.slot_id for s in seconds), idempotency_key="k", fingerprint="book",
            at=running.clock.now(),
        ))
    waiting = await verified(running, 12, birth=date(1985, 3, 17))
    assert (await join(running.client, waiting)).status_code == 201
    await ledger.cancel("person-5", running.clock.now())
    held = await offer(running.client, waiting)
    assert held.status_code == 200, held.text
    made = await running.client.post("/api/offers/me/accept", headers=waiting.bearer(waiting.identity))
    assert made.status_code == 201 and made.json()["share_group"] == 5
