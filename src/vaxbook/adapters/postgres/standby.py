"""The cluster standby list: each step one transaction on the ledger's pool, with its retries."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from vaxbook.adapters.outages import reports_outages
from vaxbook.adapters.postgres.bookings import load_booking, new_booking_id
from vaxbook.adapters.postgres.ledger import UNREACHABLE, PostgresLedger
from vaxbook.adapters.postgres.notices import keep_contact, write_notices
from vaxbook.adapters.postgres.standby_rows import (
    close_offer,
    lapse_due,
    load_offer,
    offer_free_places,
    offer_leftovers,
)
from vaxbook.domain.booking import Booking, NewSlot
from vaxbook.domain.errors import Problem, VaxbookError
from vaxbook.domain.standby import Acceptance, District, Offer, OfferState, StandbyEntry, StandbyJoin

_POSITION = (
    "SELECT COUNT(*) FROM standby o WHERE o.seq <= $1 AND o.until > $2"
    " AND EXISTS (SELECT 1 FROM standby_districts od JOIN standby_districts md"
    " ON md.sido = od.sido AND md.sigungu = od.sigungu"
    " WHERE od.person_key = o.person_key AND md.person_key = $3)"
    " AND NOT EXISTS (SELECT 1 FROM bookings b WHERE b.person_key = o.person_key"
    " AND b.cancelled_at IS NULL)"
)
_HAS_BOOKING = "SELECT 1 FROM bookings WHERE person_key = $1 AND cancelled_at IS NULL"


@reports_outages(*UNREACHABLE)
class PostgresStandby:
    def __init__(self, ledger: PostgresLedger) -> None:
        self._ledger = ledger

    async def _swept(self, now: datetime) -> None:
        await self._ledger.in_transaction(lambda db: lapse_due(db, now, self._ledger.holds))

    async def sweep(self, now: datetime) -> int:
        return await self._ledger.in_transaction(lambda db: lapse_due(db, now, self._ledger.holds))

    async def join(self, entry: StandbyJoin) -> StandbyEntry:
        async def work(db: Any) -> StandbyEntry | None:
            await lapse_due(db, entry.at, self._ledger.holds)
            if await db.fetchval(_HAS_BOOKING, entry.person_key):
                raise VaxbookError(Problem.ALREADY_BOOKED)
            inserted = await db.fetchval(
                "INSERT INTO standby (person_key, grp, any_share, until, joined_at)"
                " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (person_key) DO NOTHING RETURNING seq",
                entry.person_key, entry.group, entry.any_share, entry.until, entry.at,
            )
            if inserted is None:
                raise VaxbookError(Problem.ALREADY_ON_STANDBY)
            await db.executemany(
                "INSERT INTO standby_districts (person_key, sido, sigungu) VALUES ($1, $2, $3)",
                [(entry.person_key, d.sido, d.sigungu) for d in entry.districts],
            )
            await keep_contact(db, entry.person_key, entry.contact, entry.at)
            return await _entry(db, entry.person_key, entry.at)

        found = await self._ledger.in_transaction(work)
        assert found is not None  # just written
        return found

    async def entry(self, person_key: str, now: datetime) -> StandbyEntry | None:
        await self._swept(now)
        return await self._ledger.in_transaction(lambda db: _entry(db, person_key, now))

    async def leave(self, person_key: str, now: datetime) -> None:
        async def work(db: Any) -> None:
            await lapse_due(db, now, self._ledger.holds)
            # The offer first, then the entry: the order an acceptance locks them in.
            offer_id = await db.fetchval("SELECT id FROM offers WHERE person_key = $1 AND state = 'open'"
                                         " FOR UPDATE", person_key)
            if offer_id is not None:
                await close_offer(db, offer_id, OfferState.DECLINED, now, self._ledger.holds)
            elif await db.fetchval("DELETE FROM standby WHERE person_key = $1 RETURNING 1",
                                   person_key) is None:
                raise VaxbookError(Problem.NOT_ON_STANDBY)

        await self._ledger.in_transaction(work, replay_safe=False)

    async def offer_of(self, person_key: str, now: datetime) -> Offer | None:
        await self._swept(now)
        return await self._ledger.in_transaction(
            lambda db: load_offer(db, "o.person_key = $1 AND o.state = 'open'", person_key))

    async def offer_by_id(self, offer_id: str) -> Offer | None:
        return await self._ledger.in_transaction(lambda db: load_offer(db, "o.id = $1", offer_id))

    async def decline(self, person_key: str, now: datetime) -> Offer:
        async def work(db: Any) -> Offer | None:
            await lapse_due(db, now, self._ledger.holds)
            offer_id = await db.fetchval("SELECT id FROM offers WHERE person_key = $1 AND state = 'open'"
                                         " FOR UPDATE", person_key)
            if offer_id is None:
                raise VaxbookError(Problem.NO_OFFER)
            await close_offer(db, offer_id, OfferState.DECLINED, now, self._ledger.holds)
            return await load_offer(db, "o.id = $1", offer_id)

        closed = await self._ledger.in_transaction(work, replay_safe=False)
        assert closed is not None
        return closed

    async def accept(self, offer_id: str, acceptance: Acceptance) -> Booking:
        async def work(db: Any) -> Booking:
            await lapse_due(db, acceptance.at, self._ledger.holds)
            row = await db.fetchrow(
                "SELECT state, booking_id, slot_id, share_group FROM offers WHERE id = $1"
                " AND person_key = $2 FOR UPDATE", offer_id, acceptance.person_key,
            )
            if row is not None and row[0] == OfferState.ACCEPTED.value:
                return await load_booking(db, row[1])  # a retry: the booking it made
            if row is None or row[0] != OfferState.OPEN.value:
                raise VaxbookError(Problem.NO_OFFER)
            if await db.fetchval(_HAS_BOOKING, acceptance.person_key):
                raise VaxbookError(Problem.ALREADY_BOOKED)
            second = await _take_second(db, acceptance)
            booking_id = new_booking_id()
            await db.execute(
                "INSERT INTO bookings (id, person_key, masked_name, birth_date, first_slot_id,"
                " share_group, second_slot_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                booking_id, acceptance.person_key, acceptance.masked_name, acceptance.birth_date,
                row[2], row[3], second, acceptance.at,
            )
            # The held place becomes the booking's: shares.booked already counts it.
            await db.execute("UPDATE offers SET state = 'accepted', booking_id = $1 WHERE id = $2",
                             booking_id, offer_id)
            await db.execute("DELETE FROM standby WHERE person_key = $1", acceptance.person_key)
            await write_notices(db, acceptance.person_key, acceptance.notices, booking_id=booking_id,
                                at=acceptance.at)
            await keep_contact(db, acceptance.person_key, acceptance.contact, acceptance.at)
            return await load_booking(db, booking_id)

        return await self._ledger.in_transaction(work)

    async def post_leftovers(self, slot: NewSlot, now: datetime) -> tuple[int, int]:
        async def work(db: Any) -> tuple[int, int]:
            await lapse_due(db, now, self._ledger.holds)
            slot_id = await db.fetchval(
                'INSERT INTO slots (clinic_id, day, start, "end", vaccine_id, first_capacity,'
                " second_capacity) VALUES ($1, $2, $3, $4, $5, $6, 0) RETURNING id",
                slot.clinic_id, slot.day, slot.start, slot.end, slot.vaccine_id, sum(slot.shares),
            )
            # Every dose is taken into the pool at once: booked = capacity, so none shows as free.
            await db.executemany("INSERT INTO shares (slot_id, grp, capacity, booked)"
                                 " VALUES ($1, $2, $3, $3)",
                                 [(slot_id, g, n) for g, n in enumerate(slot.shares)])
            await db.executemany("INSERT INTO leftover_pool (slot_id, grp, pooled) VALUES ($1, $2, $3)",
                                 [(slot_id, g, n) for g, n in enumerate(slot.shares) if n])
            return int(slot_id), await offer_leftovers(db, slot_id, now, self._ledger.holds)

        return await self._ledger.in_transaction(work, replay_safe=False)

    async def offer_free_places(self, slot_ids: list[int], now: datetime) -> int:
        async def work(db: Any) -> int:
            return sum([await offer_free_places(db, s, now, self._ledger.holds) for s in sorted(slot_ids)])

        return await self._ledger.in_transaction(work)


async def _take_second(db: Any, acceptance: Acceptance) -> int | None:
    if not acceptance.needs_second_dose:
        return None
    for candidate in acceptance.second_slot_ids:
        taken = await db.fetchval("UPDATE slots SET second_booked = second_booked + 1 WHERE id = $1"
                                  " AND second_booked < second_capacity RETURNING id", candidate)
        if taken is not None:
            return int(taken)
    raise VaxbookError(Problem.SECOND_DOSE_UNAVAILABLE)


async def _entry(db: Any, person_key: str, now: datetime) -> StandbyEntry | None:
    row = await db.fetchrow("SELECT seq, grp, joined_at FROM standby WHERE person_key = $1", person_key)
    if row is None:
        return None
    districts = tuple(District(r[0], r[1]) for r in await db.fetch(
        "SELECT sido, sigungu FROM standby_districts WHERE person_key = $1 ORDER BY sido, sigungu",
        person_key))
    position = await db.fetchval(_POSITION, row[0], now, person_key)
    return StandbyEntry(person_key, row[1], districts, row[2], max(int(position), 1))
