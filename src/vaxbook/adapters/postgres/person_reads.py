"""A booking read in one statement: a person's active one (eligibility, joining the line, "my
booking") or one by id (the outbox's letters).

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
_BOOKING_BY_ID = BOOKING_SELECT + " WHERE b.id = $1"


async def active_booking(db: Any, person_key: str) -> Booking | None:
    return _booking(await db.fetchrow(_ACTIVE_BOOKING, person_key))


async def booking_with_id(db: Any, booking_id: str) -> Booking | None:
    return _booking(await db.fetchrow(_BOOKING_BY_ID, booking_id))


def _booking(row: Any) -> Booking | None:
    return None if row is None else booking_from(row)
