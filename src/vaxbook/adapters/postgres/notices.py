"""Outbox rows and contacts, written on the connection of the booking's own transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from vaxbook.domain.notices import Notice


async def write_notices(
    db: Any, person_key: str, notices: tuple[Notice, ...], *,
    booking_id: str | None = None, offer_id: str | None = None, at: datetime,
) -> None:
    if notices:
        await db.executemany(
            "INSERT INTO outbox (kind, person_key, booking_id, offer_id, dose, due_at, created_at)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7)",
            [(n.kind.value, person_key, booking_id, offer_id, n.dose, n.due_at, at) for n in notices],
        )


async def void_reminders(db: Any, booking_id: str) -> None:
    """A changed or cancelled booking's reminders would name the wrong day: they are not sent."""
    await db.execute(
        "UPDATE outbox SET state = 'void' WHERE booking_id = $1 AND kind = 'reminder' AND state = 'pending'",
        booking_id,
    )


async def keep_contact(db: Any, person_key: str, sealed: str, at: datetime) -> None:
    if sealed:
        await db.execute(
            "INSERT INTO contacts (person_key, sealed, updated_at) VALUES ($1, $2, $3)"
            " ON CONFLICT (person_key) DO UPDATE SET sealed = excluded.sealed,"
            " updated_at = excluded.updated_at",
            person_key, sealed, at,
        )


def notice_arrays(notices: tuple[Notice, ...]) -> tuple[list[str], list[int | None], list[datetime]]:
    """The notices as the three arrays vaxbook_book (migration 0011) takes."""
    return [n.kind.value for n in notices], [n.dose for n in notices], [n.due_at for n in notices]
