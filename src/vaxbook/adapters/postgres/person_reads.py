"""Bookings read in one statement: a person's active one (eligibility, joining the line, "my
booking") or a batch by id (the outbox's letters: one read per claimed batch).

bookings.load_booking reads a booking by id after a second statement found the id, inside a
transaction; here each read is one statement with no BEGIN and COMMIT around it, so it costs
one round trip (the journey's hot path, docs/benchmarks.md). The columns are load_booking's.
"""

from __future__ import annotations

from typing import Any

from vaxbook.adapters.postgres.bookings import BOOKING_SELECT, booking_from
from vaxbook.domain.booking import Booking

# At most one row: one_active_booking_per_person (migration 0001) is a unique index on it.
_ACTIVE_BOOKING = BOOKING_SELECT + " WHERE b.person_key = $1 AND b.cancelled_at IS NULL"
_BOOKINGS_BY_ID = BOOKING_SELECT + " WHERE b.id = ANY($1::text[])"


async def active_booking(db: Any, person_key: str) -> Booking | None:
    return _booking(await db.fetchrow(_ACTIVE_BOOKING, person_key))


async def bookings_with_ids(db: Any, booking_ids: list[str]) -> dict[str, Booking]:
    rows = await db.fetch(_BOOKINGS_BY_ID, booking_ids)
    return {booking.id: booking for booking in map(booking_from, rows)}


def _booking(row: Any) -> Booking | None:
    return None if row is None else booking_from(row)
