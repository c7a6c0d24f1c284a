"""The booking transactions, as statements on one connection inside one transaction.

Places are taken by conditional UPDATEs (`booked < capacity`). At READ COMMITTED, a second
writer of the same row waits for the first and re-checks the condition on the committed
row, so no interleaving can lose an update or overbook; the CHECK constraints stop any
code path that forgets the condition.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

import asyncpg

from vaxbook.adapters.postgres.notices import keep_contact, notice_arrays, void_reminders, write_notices
from vaxbook.adapters.postgres.standby_rows import offer_freed
from vaxbook.domain.booking import Booking, BookingRequest, Clinic, Slot
from vaxbook.domain.errors import Input, Problem, VaxbookError
from vaxbook.domain.notices import Notice
from vaxbook.domain.standby import Holds

SLOT_COLUMNS = 'id, clinic_id, day, start, "end", vaccine_id, first_capacity, second_capacity'
_F = ", ".join(f"f.{c.strip()}" for c in SLOT_COLUMNS.split(","))
_S = ", ".join(f"s.{c.strip()}" for c in SLOT_COLUMNS.split(","))
_BOOKING = (
    "SELECT b.id, b.person_key, b.masked_name, b.birth_date, b.share_group, b.created_at,"
    f" b.cancelled_at, {_F}, {_S}, c.id, c.name, c.sido, c.sigungu, c.address"
    " FROM bookings b JOIN slots f ON f.id = b.first_slot_id"
    " LEFT JOIN slots s ON s.id = b.second_slot_id JOIN clinics c ON c.id = f.clinic_id"
    " WHERE b.id = $1"
)


def new_booking_id() -> str:
    return "VB" + secrets.token_hex(6).upper()


def slot_from(row: Any, at: int = 0) -> Slot:
    return Slot(
        id=row[at], clinic_id=row[at + 1], day=row[at + 2], start=row[at + 3], end=row[at + 4],
        vaccine_id=row[at + 5], first_capacity=row[at + 6], second_capacity=row[at + 7],
    )


async def load_booking(db: Any, booking_id: str) -> Booking:
    row = await db.fetchrow(_BOOKING, booking_id)
    return Booking(
        id=row[0], person_key=row[1], masked_name=row[2], birth_date=row[3], share_group=row[4],
        first=slot_from(row, 7), second=slot_from(row, 15) if row[15] is not None else None,
        clinic=Clinic(*row[23:28]), created_at=row[5], cancelled_at=row[6],
    )


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


# A refusal raised by the vaxbook_book function (migration 0003) -> the request field at fault.
REFUSAL_FIELDS: dict[Problem, str | None] = {
    Problem.ALREADY_BOOKED: None, Problem.SLOT_FULL: "slot_id", Problem.SECOND_DOSE_UNAVAILABLE: "slot_id",
    Problem.IDEMPOTENCY_KEY_REUSED: Input.IDEMPOTENCY_KEY,
}


async def book(db: Any, request: BookingRequest) -> tuple[bool, str, int | None, int | None]:
    """The whole booking in one round trip: (replayed, booking id, share group, second slot id).

    Group and second slot are None for a replay; a refusal raises VaxbookError.
    """
    try:
        row = await db.fetchrow(
            "SELECT * FROM vaxbook_book_announced($1, $2, $3, $4, $5::smallint[], $6, $7::bigint[], $8,"
            " $9, $10, $11, $12, $13::text[], $14::smallint[], $15::timestamptz[])",
            request.person_key, request.masked_name, request.birth_date, request.first_slot_id,
            list(request.share_groups), request.needs_second_dose, list(request.second_slot_ids),
            request.idempotency_key, request.fingerprint, request.at, new_booking_id(),
            request.contact, *notice_arrays(request.notices),
        )
    except asyncpg.exceptions.RaiseError as refusal:
        code = next((known for known in REFUSAL_FIELDS if known.value == str(refusal)), None)
        if code is None:
            raise
        raise VaxbookError(code, field=REFUSAL_FIELDS[code]) from None
    return bool(row[0]), str(row[1]), row[2], row[3]


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
