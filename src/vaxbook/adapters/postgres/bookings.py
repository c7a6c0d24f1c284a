"""The booking transactions, as statements on one connection inside one transaction.

Places are taken by conditional UPDATEs (`booked < capacity`). At READ COMMITTED, a second
writer of the same row waits for the first and re-checks the condition on the committed
row, so no interleaving can lose an update or overbook; the CHECK constraints stop any
code path that forgets the condition.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any

import asyncpg
import orjson

from vaxbook.adapters.postgres.notices import keep_contact, notice_arrays, void_reminders, write_notices
from vaxbook.adapters.postgres.standby_rows import offer_freed
from vaxbook.domain.booking import Booking, BookingRequest, Clinic, Slot
from vaxbook.domain.errors import Input, Problem, VaxbookError
from vaxbook.domain.inventory import SecondDoseCandidate, rank_second_dose_slots
from vaxbook.domain.notices import Notice
from vaxbook.domain.standby import Holds

SLOT_COLUMNS = 'id, clinic_id, day, start, "end", vaccine_id, first_capacity, second_capacity'


def slot_columns(alias: str) -> str:
    """SLOT_COLUMNS of the table named `alias` in a query."""
    return ", ".join(f"{alias}.{c.strip()}" for c in SLOT_COLUMNS.split(","))


# A booking with both its slots and its clinic; booking_from reads the row.
BOOKING_SELECT = (
    "SELECT b.id, b.person_key, b.masked_name, b.birth_date, b.share_group, b.created_at,"
    f" b.cancelled_at, {slot_columns('f')}, {slot_columns('s')}, c.id, c.name, c.sido, c.sigungu, c.address"
    " FROM bookings b JOIN slots f ON f.id = b.first_slot_id"
    " LEFT JOIN slots s ON s.id = b.second_slot_id JOIN clinics c ON c.id = f.clinic_id"
)
_BOOKING = BOOKING_SELECT + " WHERE b.id = $1"


def new_booking_id() -> str:
    return "VB" + secrets.token_hex(6).upper()


def slot_from(row: Any, at: int = 0) -> Slot:
    return Slot(
        id=row[at], clinic_id=row[at + 1], day=row[at + 2], start=row[at + 3], end=row[at + 4],
        vaccine_id=row[at + 5], first_capacity=row[at + 6], second_capacity=row[at + 7],
    )


def booking_from(row: Any) -> Booking:
    return Booking(
        id=row[0], person_key=row[1], masked_name=row[2], birth_date=row[3], share_group=row[4],
        first=slot_from(row, 7), second=slot_from(row, 15) if row[15] is not None else None,
        clinic=Clinic(*row[23:28]), created_at=row[5], cancelled_at=row[6],
    )


async def load_booking(db: Any, booking_id: str) -> Booking:
    return booking_from(await db.fetchrow(_BOOKING, booking_id))


async def active_booking_id(db: Any, person_key: str) -> str | None:
    found = await db.fetchval(
        "SELECT id FROM bookings WHERE person_key = $1 AND cancelled_at IS NULL", person_key
    )
    return str(found) if found is not None else None


async def replay(db: Any, request: BookingRequest) -> Booking | None:
    """The booking an earlier request with this idempotency key made, if any."""
    row = await db.fetchrow(
        "SELECT fingerprint, booking_id FROM idempotency WHERE person_key = $1 AND key = $2",
        request.person_key, request.idempotency_key,
    )
    if row is None:
        return None
    if row[0] != request.fingerprint:
        raise VaxbookError(Problem.IDEMPOTENCY_KEY_REUSED, field=Input.IDEMPOTENCY_KEY)
    return await load_booking(db, row[1])


# A refusal raised by the vaxbook_book function (migration 0011) -> the request field at fault.
REFUSAL_FIELDS: dict[Problem, str | None] = {
    Problem.ALREADY_BOOKED: None, Problem.SLOT_FULL: "slot_id", Problem.SECOND_DOSE_UNAVAILABLE: "slot_id",
    Problem.IDEMPOTENCY_KEY_REUSED: Input.IDEMPOTENCY_KEY,
}


@dataclass(frozen=True)
class Booked:
    """What vaxbook_book answered: the booking, less what the caller already knows (the first
    slot and its clinic, from its cache), or a replay of the key's earlier booking."""

    replayed: bool
    booking_id: str
    masked_name: str
    birth_date: date
    share_group: int
    created_at: datetime
    cancelled_at: datetime | None
    first_slot_id: int
    second: Slot | None


async def book(db: Any, request: BookingRequest, first: Slot) -> Booked:
    """The whole booking in one round trip (migration 0011); a refusal raises VaxbookError."""
    try:
        row = await db.fetchrow(
            "SELECT * FROM vaxbook_book($1, $2, $3, $4, $5::smallint[], $6, $7::bigint[], $8, $9, $10,"
            " $11, $12, $13, $14, $15, $16, $17::text[], $18::smallint[], $19::timestamptz[])",
            request.person_key, request.masked_name, request.birth_date, request.first_slot_id,
            list(request.share_groups), request.needs_second_dose, list(request.second_slot_ids),
            None if request.second_slot_ids else request.second_dose_day, first.clinic_id,
            first.vaccine_id, first.start.hour * 60 + first.start.minute,
            request.idempotency_key, request.fingerprint, request.at, new_booking_id(),
            request.contact, *notice_arrays(request.notices),
        )
    except asyncpg.exceptions.RaiseError as refusal:
        found = _refusal(str(refusal))
        if found is None:
            raise
        raise found from None
    return _booked(row)


def _refusal(text: str) -> VaxbookError | None:
    """The refusal vaxbook_book raised with this text, as the request's error; None if unknown."""
    code = next((known for known in REFUSAL_FIELDS if known.value == text), None)
    return None if code is None else VaxbookError(code, field=REFUSAL_FIELDS[code])


def _booked(row: Any, at: int = 0) -> Booked:
    """vaxbook_book's columns, from `at` in the row."""
    second = slot_from(row, at + 8) if row[at + 8] is not None else None
    return Booked(bool(row[at]), row[at + 1], row[at + 2], row[at + 3], row[at + 4], row[at + 5],
                  row[at + 6], row[at + 7], second)


# An item of vaxbook_book_many that must run on its own (book_batches.py): a concurrent
# request of the same person committed first, or a refusal this code does not know.
AGAIN = None


async def book_many(db: Any, items: list[tuple[BookingRequest, Slot]]) -> list[Booked | VaxbookError | None]:
    """Several bookings in one round trip and one transaction (migration 0014), each in a
    subtransaction of its own: per item its booking, its refusal, or AGAIN. An error of the
    statement itself (a deadlock, a lost connection) raises, and nothing of the batch is kept."""
    payload = orjson.dumps([_item(request, first) for request, first in items]).decode()
    rows = await db.fetch("SELECT * FROM vaxbook_book_many($1::jsonb)", payload)
    answers: list[Booked | VaxbookError | None] = [AGAIN] * len(items)
    for row in rows:
        refusal = row[1]
        answers[row[0] - 1] = _booked(row, 2) if refusal is None else _refusal(refusal)
    return answers


def _item(request: BookingRequest, first: Slot) -> dict[str, Any]:
    """vaxbook_book's parameters by name, as vaxbook_book_many reads them (arrays as literals)."""
    kinds, doses, due = notice_arrays(request.notices)
    return {
        "person": request.person_key, "name": request.masked_name, "birth": request.birth_date,
        "slot": request.first_slot_id, "groups": _array(request.share_groups),
        "needs_second": request.needs_second_dose, "seconds": _array(request.second_slot_ids),
        "second_day": None if request.second_slot_ids else request.second_dose_day,
        "clinic": first.clinic_id, "vaccine": first.vaccine_id,
        "near": first.start.hour * 60 + first.start.minute, "key": request.idempotency_key,
        "fingerprint": request.fingerprint, "at": _utc(request.at), "id": new_booking_id(),
        "contact": request.contact, "kinds": _array(kinds), "doses": _array(doses),
        "due": _array(_utc(t) for t in due),
    }


def _utc(moment: datetime) -> datetime:
    """In UTC, as asyncpg sends a timestamptz (a naive one read as the process's local time):
    the text must not be read in the session's TimeZone instead."""
    return moment.astimezone(UTC)


def _array(values: Iterable[object]) -> str:
    """A PostgreSQL array literal: every element quoted (and escaped), None as NULL."""
    quoted = ("NULL" if v is None else '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"'
              for v in values)
    return "{" + ",".join(quoted) + "}"


async def second_candidates(db: Any, request: BookingRequest) -> tuple[int, ...]:
    """The second-dose slots a change tries, in order: the request's own, or those of the first
    dose's clinic and vaccine on request.second_dose_day, ranked as the domain ranks them."""
    if request.second_slot_ids or not request.needs_second_dose or request.second_dose_day is None:
        return request.second_slot_ids
    rows = await db.fetch(
        "SELECT s.id, s.start, f.start FROM slots f JOIN slots s ON s.clinic_id = f.clinic_id"
        " AND s.vaccine_id = f.vaccine_id AND s.day = $2 AND s.second_capacity > 0 WHERE f.id = $1",
        request.first_slot_id, request.second_dose_day,  # full ones too: a change frees its own first
    )
    if not rows:
        return ()
    return tuple(rank_second_dose_slots([SecondDoseCandidate(r[0], r[1]) for r in rows], rows[0][2]))


async def change(db: Any, request: BookingRequest, holds: Holds | None = None) -> Booking:
    earlier = await replay(db, request)
    if earlier is not None:
        return earlier
    # FOR UPDATE: two changes of one person at once must not both release the old places.
    old = await db.fetchrow(
        "SELECT id, first_slot_id, share_group, second_slot_id FROM bookings"
        " WHERE person_key = $1 AND cancelled_at IS NULL FOR UPDATE",
        request.person_key,
    )
    if old is None:
        raise VaxbookError(Problem.NO_BOOKING)
    booking_id = old[0]
    request = replace(request, second_slot_ids=await second_candidates(db, request))
    await _lock_in_order(db, request, old[1], old[2], old[3])
    await _release_places(db, booking_id)
    group, second_id = await _take_places(db, request)
    await db.execute(
        "UPDATE bookings SET first_slot_id = $1, share_group = $2, second_slot_id = $3 WHERE id = $4",
        request.first_slot_id, group, second_id, booking_id,
    )
    await _remember_key(db, request, booking_id)
    await void_reminders(db, booking_id)
    await write_notices(db, request.person_key, request.notices, booking_id=booking_id, at=request.at)
    await keep_contact(db, request.person_key, request.contact, request.at)
    # The old first-dose place, if it is still free, held for standby in this transaction.
    await offer_freed(db, old[1], old[2], request.at, holds or Holds())
    return await load_booking(db, booking_id)


async def cancel(
    db: Any, person_key: str, at: datetime, notices: tuple[Notice, ...] = (), holds: Holds | None = None
) -> Booking:
    found = await db.fetchrow(
        "SELECT id, first_slot_id, share_group FROM bookings WHERE person_key = $1"
        " AND cancelled_at IS NULL FOR UPDATE", person_key
    )
    if found is None:
        raise VaxbookError(Problem.NO_BOOKING)
    booking_id = found[0]
    await _release_places(db, booking_id)
    await db.execute("UPDATE bookings SET cancelled_at = $1 WHERE id = $2", at, booking_id)
    await void_reminders(db, booking_id)
    await write_notices(db, person_key, notices, booking_id=booking_id, at=at)
    await offer_freed(db, found[1], found[2], at, holds or Holds())  # held for standby at once
    return await load_booking(db, booking_id)


async def _lock_in_order(
    db: Any, request: BookingRequest, old_slot: int, old_group: int, old_second: int | None
) -> None:
    """Lock every row a change may touch, shares before slots, each in key order.

    A change gives back one place and takes another; two people changing in opposite
    directions would otherwise lock the same two rows in opposite orders and deadlock.
    Every transaction here takes shares first, then slots, in ascending order, so no
    cycle can form. NO KEY UPDATE leaves the foreign-key checks of new bookings unblocked.
    """
    await db.execute(
        "SELECT 1 FROM shares WHERE (slot_id = $1 AND grp = $2) OR (slot_id = $3 AND grp = ANY($4))"
        " ORDER BY slot_id, grp FOR NO KEY UPDATE",
        old_slot, old_group, request.first_slot_id, list(request.share_groups),
    )
    seconds = sorted({*request.second_slot_ids, *([old_second] if old_second is not None else [])})
    if seconds:
        await db.execute(
            "SELECT 1 FROM slots WHERE id = ANY($1::bigint[]) ORDER BY id FOR NO KEY UPDATE", seconds
        )


async def _take_places(db: Any, request: BookingRequest) -> tuple[int, int | None]:
    """A first-dose place from the first share with room, then a second-dose place."""
    group = None
    for candidate in request.share_groups:
        taken = await db.fetchval(
            "UPDATE shares SET booked = booked + 1 WHERE slot_id = $1 AND grp = $2"
            " AND booked < capacity RETURNING grp",
            request.first_slot_id, candidate,
        )
        if taken is not None:
            group = int(taken)
            break
    if group is None:
        raise VaxbookError(Problem.SLOT_FULL, field="slot_id")
    if not request.needs_second_dose:
        return group, None
    for second in request.second_slot_ids:
        taken = await db.fetchval(
            "UPDATE slots SET second_booked = second_booked + 1 WHERE id = $1"
            " AND second_booked < second_capacity RETURNING id",
            second,
        )
        if taken is not None:
            return group, int(taken)
    raise VaxbookError(Problem.SECOND_DOSE_UNAVAILABLE, field="slot_id")


async def _release_places(db: Any, booking_id: str) -> None:
    await db.execute(
        "UPDATE shares SET booked = booked - 1 FROM bookings b"
        " WHERE b.id = $1 AND shares.slot_id = b.first_slot_id AND shares.grp = b.share_group",
        booking_id,
    )
    await db.execute(
        "UPDATE slots SET second_booked = second_booked - 1 FROM bookings b"
        " WHERE b.id = $1 AND slots.id = b.second_slot_id",
        booking_id,
    )


async def _remember_key(db: Any, request: BookingRequest, booking_id: str) -> None:
    await db.execute(
        "INSERT INTO idempotency (person_key, key, fingerprint, booking_id) VALUES ($1, $2, $3, $4)",
        request.person_key, request.idempotency_key, request.fingerprint, booking_id,
    )
