"""The embedded ledger's durable copy of what the gate must not forget (its in-process gate
forgets everything when the process restarts): places in lines, last verifications."""

from __future__ import annotations

import sqlite3

from vaxbook.ports import VerificationOutcome

SCHEMA = """
CREATE TABLE IF NOT EXISTS line_places (
    line_id TEXT NOT NULL,
    person_key TEXT NOT NULL,
    number INTEGER NOT NULL CHECK (number > 0),
    PRIMARY KEY (line_id, person_key)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS verifications (
    person_key TEXT PRIMARY KEY,
    device TEXT NOT NULL,
    verified_at REAL NOT NULL,
    reference TEXT  -- the provider's reference of that verification: its retry replays
) WITHOUT ROWID;
"""


def hold_place(db: sqlite3.Connection, line_id: str, person_key: str, number: int) -> int:
    db.execute("INSERT OR IGNORE INTO line_places (line_id, person_key, number) VALUES (?, ?, ?)",
               (line_id, person_key, number))
    (held,) = db.execute("SELECT number FROM line_places WHERE line_id = ? AND person_key = ?",
                         (line_id, person_key)).fetchone()
    return int(held)


def move_place(db: sqlite3.Connection, line_id: str, person_key: str, number: int) -> None:
    # Places only move back; a smaller number never wins.
    db.execute("INSERT INTO line_places (line_id, person_key, number) VALUES (?, ?, ?)"
               " ON CONFLICT (line_id, person_key) DO UPDATE SET number = max(number, excluded.number)",
               (line_id, person_key, number))


def claim_verification(
    db: sqlite3.Connection, person_key: str, device_id: str, now: float, hold_seconds: int,
    reference: str,
) -> VerificationOutcome:
    """The gate's claim_verification rule, on the durable record; the same verification retried
    (same device and reference) within the hold is ok and changes nothing."""
    row = db.execute("SELECT device, verified_at, reference FROM verifications WHERE person_key = ?",
                     (person_key,)).fetchone()
    if row is not None and row[1] + hold_seconds > now:
        until = float(row[1] + hold_seconds)
        if row[0] != device_id:
            return VerificationOutcome(ok=False, device_bound_until=until)
        if row[2] == reference:
            return VerificationOutcome(ok=True)
        return VerificationOutcome(ok=False, retry_after=until - now)
    db.execute("INSERT OR REPLACE INTO verifications (person_key, device, verified_at, reference)"
               " VALUES (?, ?, ?, ?)", (person_key, device_id, now, reference))
    return VerificationOutcome(ok=True)
