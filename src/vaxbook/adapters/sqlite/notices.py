"""Outbox rows and contacts, written inside the embedded ledger's own transactions."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from vaxbook.domain.notices import Notice


def write_notices(
    db: sqlite3.Connection, person_key: str, notices: tuple[Notice, ...], *,
    booking_id: str | None = None, offer_id: str | None = None, at: datetime,
) -> None:
    db.executemany(
        "INSERT INTO outbox (kind, person_key, booking_id, offer_id, dose, due_at, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(n.kind.value, person_key, booking_id, offer_id, n.dose, n.due_at.timestamp(), at.timestamp())
         for n in notices],
    )


def void_reminders(db: sqlite3.Connection, booking_id: str) -> None:
    """A changed or cancelled booking's reminders would name the wrong day: they are not sent."""
    db.execute(
        "UPDATE outbox SET state = 'void' WHERE booking_id = ? AND kind = 'reminder' AND state = 'pending'",
        (booking_id,),
    )


def keep_contact(db: sqlite3.Connection, person_key: str, sealed: str, at: datetime) -> None:
    if sealed:
        db.execute(
            "INSERT INTO contacts (person_key, sealed, updated_at) VALUES (?, ?, ?)"
            " ON CONFLICT (person_key) DO UPDATE SET sealed = excluded.sealed,"
            " updated_at = excluded.updated_at",
            (person_key, sealed, at.isoformat()),
        )
