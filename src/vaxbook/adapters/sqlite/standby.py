"""The embedded standby list: every step one BEGIN IMMEDIATE transaction on the ledger's connection.

SQLite has one writer at a time, so a cancel that frees a place and the offer that holds it,
or an acceptance and a lapse of the same offer, can never interleave.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

from vaxbook.adapters.sqlite.ledger import SqliteLedger, new_booking_id
from vaxbook.adapters.sqlite.notices import keep_contact, write_notices
from vaxbook.adapters.sqlite.standby_rows import (
    close_offer,
    lapse_due,
    load_offer,
    offer_free_places,
    offer_leftovers,
)
from vaxbook.adapters.sqlite.transaction import transaction
from vaxbook.domain.booking import Booking, NewSlot
from vaxbook.domain.errors import Problem, VaxbookError
from vaxbook.domain.standby import Acceptance, District, Offer, OfferState, StandbyEntry, StandbyJoin

_POSITION = (
    "SELECT COUNT(*) FROM standby o WHERE o.seq <= ? AND o.until > ?"
    " AND EXISTS (SELECT 1 FROM standby_districts od JOIN standby_districts md"
    " ON md.sido = od.sido AND md.sigungu = od.sigungu"
    " WHERE od.person_key = o.person_key AND md.person_key = ?)"
    " AND NOT EXISTS (SELECT 1 FROM bookings b WHERE b.person_key = o.person_key"
    " AND b.cancelled_at IS NULL)"
)


class SqliteStandby:
    def __init__(self, ledger: SqliteLedger) -> None:
        self._ledger = ledger

    def _swept(self, now: datetime) -> sqlite3.Connection:
        with transaction(self._ledger.connection) as db:
            lapse_due(db, now, self._ledger.holds)
        return self._ledger.connection

    async def sweep(self, now: datetime) -> int:
        with transaction(self._ledger.connection) as db:
            return lapse_due(db, now, self._ledger.holds)

    async def join(self, entry: StandbyJoin) -> StandbyEntry:
        with transaction(self._ledger.connection) as db:
            lapse_due(db, entry.at, self._ledger.holds)
            if db.execute("SELECT 1 FROM bookings WHERE person_key = ? AND cancelled_at IS NULL",
                          (entry.person_key,)).fetchone():
                raise VaxbookError(Problem.ALREADY_BOOKED)
            if db.execute("SELECT 1 FROM standby WHERE person_key = ?", (entry.person_key,)).fetchone():
                raise VaxbookError(Problem.ALREADY_ON_STANDBY)
            db.execute(
                "INSERT INTO standby (person_key, grp, any_share, until, joined_at) VALUES (?, ?, ?, ?, ?)",
                (entry.person_key, entry.group, int(entry.any_share), entry.until.timestamp(),
                 entry.at.timestamp()),
            )
            db.executemany(
                "INSERT INTO standby_districts (person_key, sido, sigungu) VALUES (?, ?, ?)",
                [(entry.person_key, d.sido, d.sigungu) for d in entry.districts],
            )
            keep_contact(db, entry.person_key, entry.contact, entry.at)
            found = _entry(db, entry.person_key, entry.at)
        assert found is not None  # just written
        return found

    async def entry(self, person_key: str, now: datetime) -> StandbyEntry | None:
        return _entry(self._swept(now), person_key, now)

    async def leave(self, person_key: str, now: datetime) -> None:
        with transaction(self._ledger.connection) as db:
            lapse_due(db, now, self._ledger.holds)
            row = db.execute("SELECT offer_id FROM standby WHERE person_key = ?", (person_key,)).fetchone()
            if row is None:
                raise VaxbookError(Problem.NOT_ON_STANDBY)
            if row[0] is not None:
                close_offer(db, row[0], OfferState.DECLINED, now, self._ledger.holds)
            db.execute("DELETE FROM standby WHERE person_key = ?", (person_key,))

    async def offer_of(self, person_key: str, now: datetime) -> Offer | None:
        return load_offer(self._swept(now), "o.person_key = ? AND o.state = 'open'", person_key)

    async def offer_by_id(self, offer_id: str) -> Offer | None:
        return load_offer(self._ledger.connection, "o.id = ?", offer_id)

    async def decline(self, person_key: str, now: datetime) -> Offer:
        with transaction(self._ledger.connection) as db:
            lapse_due(db, now, self._ledger.holds)
            offer = load_offer(db, "o.person_key = ? AND o.state = 'open'", person_key)
            if offer is None:
                raise VaxbookError(Problem.NO_OFFER)
            close_offer(db, offer.id, OfferState.DECLINED, now, self._ledger.holds)
            closed = load_offer(db, "o.id = ?", offer.id)
        assert closed is not None
        return closed

    async def accept(self, offer_id: str, acceptance: Acceptance) -> Booking:
        with transaction(self._ledger.connection) as db:
            lapse_due(db, acceptance.at, self._ledger.holds)
            row = db.execute(
                "SELECT state, booking_id, slot_id, share_group FROM offers WHERE id = ? AND person_key = ?",
                (offer_id, acceptance.person_key),
            ).fetchone()
            if row is not None and row[0] == OfferState.ACCEPTED.value:
                return self._ledger.booking_in(db, row[1])  # a retry: the booking it made
            if row is None or row[0] != OfferState.OPEN.value:
                raise VaxbookError(Problem.NO_OFFER)
            if db.execute("SELECT 1 FROM bookings WHERE person_key = ? AND cancelled_at IS NULL",
                          (acceptance.person_key,)).fetchone():
                raise VaxbookError(Problem.ALREADY_BOOKED)
            second = _take_second(db, acceptance)
            booking_id = new_booking_id()
            db.execute(
                "INSERT INTO bookings (id, person_key, masked_name, birth_date, first_slot_id,"
                " share_group, second_slot_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (booking_id, acceptance.person_key, acceptance.masked_name,
                 acceptance.birth_date.isoformat(), row[2], row[3], second, acceptance.at.isoformat()),
            )
            # The held place becomes the booking's: shares.booked already counts it.
            db.execute("UPDATE offers SET state = 'accepted', booking_id = ? WHERE id = ?",
                       (booking_id, offer_id))
            db.execute("DELETE FROM standby WHERE person_key = ?", (acceptance.person_key,))
            write_notices(db, acceptance.person_key, acceptance.notices, booking_id=booking_id,
                          at=acceptance.at)
            keep_contact(db, acceptance.person_key, acceptance.contact, acceptance.at)
            return self._ledger.booking_in(db, booking_id)

    async def post_leftovers(self, slot: NewSlot, now: datetime) -> tuple[int, int]:
        with transaction(self._ledger.connection) as db:
            lapse_due(db, now, self._ledger.holds)
            cursor = db.execute(
                'INSERT INTO slots (clinic_id, day, start, "end", vaccine_id, first_capacity,'
                " second_capacity) VALUES (?, ?, ?, ?, ?, ?, 0)",
                (slot.clinic_id, slot.day.isoformat(), slot.start.isoformat("minutes"),
                 slot.end.isoformat("minutes"), slot.vaccine_id, sum(slot.shares)),
            )
            slot_id = int(cursor.lastrowid or 0)
            # Every dose is taken into the pool at once: booked = capacity, so none shows as free.
            db.executemany("INSERT INTO shares (slot_id, grp, capacity, booked) VALUES (?, ?, ?, ?)",
                           [(slot_id, g, n, n) for g, n in enumerate(slot.shares)])
            db.executemany("INSERT INTO leftover_pool (slot_id, grp, pooled) VALUES (?, ?, ?)",
                           [(slot_id, g, n) for g, n in enumerate(slot.shares) if n])
            return slot_id, offer_leftovers(db, slot_id, now, self._ledger.holds)

    async def offer_free_places(self, slot_ids: list[int], now: datetime) -> int:
        with transaction(self._ledger.connection) as db:
            return sum(offer_free_places(db, slot_id, now, self._ledger.holds) for slot_id in slot_ids)


def _take_second(db: sqlite3.Connection, acceptance: Acceptance) -> int | None:
    if not acceptance.needs_second_dose:
        return None
    for candidate in acceptance.second_slot_ids:
        if db.execute("UPDATE slots SET second_booked = second_booked + 1 WHERE id = ?"
                      " AND second_booked < second_capacity", (candidate,)).rowcount == 1:
            return candidate
    raise VaxbookError(Problem.SECOND_DOSE_UNAVAILABLE)


def _entry(db: sqlite3.Connection, person_key: str, now: datetime) -> StandbyEntry | None:
    row = db.execute("SELECT seq, grp, joined_at FROM standby WHERE person_key = ?",
                     (person_key,)).fetchone()
    if row is None:
        return None
    districts = tuple(District(sido, sigungu) for sido, sigungu in db.execute(
        "SELECT sido, sigungu FROM standby_districts WHERE person_key = ? ORDER BY sido, sigungu",
        (person_key,),
    ).fetchall())
    (position,) = db.execute(_POSITION, (row[0], now.timestamp(), person_key)).fetchone()
    return StandbyEntry(person_key, row[1], districts, datetime.fromtimestamp(row[2], UTC),
                        max(int(position), 1))
