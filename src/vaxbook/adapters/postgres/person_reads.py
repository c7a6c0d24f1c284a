"""A booking read in one statement: a person's active one (eligibility, joining the line, "my
booking") or one by id (the outbox's letters).

bookings.load_booking reads a booking by id after a second statement found the id, inside a
transaction; here each read is one statement with no BEGIN and COMMIT around it, so it costs
one round trip (the journey's hot path, docs/benchmarks.md). The columns are load_booking's.
"""

from __future__ import annotations

from typing import Any

from vaxbook.adapters.postgres.bookings import SLOT_COLUMNS, slot_from
from vaxbook.domain.booking import Booking, Clinic

_F = ", ".join(f"f.{c.strip()}" for c in SLOT_COLUMNS.split(","))
_S = ", ".join(f"s.{c.strip()}" for c in SLOT_COLUMNS.split(","))
_SELECT = (
    "SELECT b.id, b.person_key, b.masked_name, b.birth_date, b.share_group, b.created_at,"
    f" b.cancelled_at, {_F}, {_S}, c.id, c.name, c.sido, c.sigungu, c.address"
    " FROM bookings b JOIN slots f ON f.id = b.first_slot_id"
    " LEFT JOIN slots s ON s.id = b.second_slot_id JOIN clinics c ON c.id = f.clinic_id"
)
# At most one row: one_active_booking_per_person (migration 0001) is a unique index on it.
_ACTIVE_BOOKING = _SELECT + " WHERE b.person_key = $1 AND b.cancelled_at IS NULL"
_BOOKING_BY_ID = _SELECT + " WHERE b.id = $1"


async def active_booking(db: Any, person_key: str) -> Booking | None:
    return _booking(await db.fetchrow(_ACTIVE_BOOKING, person_key))


async def booking_with_id(db: Any, booking_id: str) -> Booking | None:
    return _booking(await db.fetchrow(_BOOKING_BY_ID, booking_id))


def _booking(row: Any) -> Booking | None:
    if row is None:
        return None
    return Booking(
        id=row[0], person_key=row[1], masked_name=row[2], birth_date=row[3], share_group=row[4],
        first=slot_from(row, 7), second=slot_from(row, 15) if row[15] is not None else None,
        clinic=Clinic(*row[23:28]), created_at=row[5], cancelled_at=row[6],
    )
