"""The embedded ledger's schema. Constraints, not code, forbid overbooking and double booking."""

from __future__ import annotations

import sqlite3

from vaxbook.adapters.sqlite import gate_records, standby_rows

VERSION = 1

SCHEMA = """
CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);

-- Facts the ledger is bound to, such as the fingerprint of the pepper of its person keys.
CREATE TABLE IF NOT EXISTS ledger_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS clinics (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    sido TEXT NOT NULL,
    sigungu TEXT NOT NULL,
    address TEXT NOT NULL,
    key_hash TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS clinics_region ON clinics (sido, sigungu);

CREATE TABLE IF NOT EXISTS slots (
    id INTEGER PRIMARY KEY,
    clinic_id TEXT NOT NULL REFERENCES clinics (id),
    day TEXT NOT NULL,
    start TEXT NOT NULL,
    "end" TEXT NOT NULL,
    vaccine_id TEXT NOT NULL,
    first_capacity INTEGER NOT NULL CHECK (first_capacity >= 0),
    second_capacity INTEGER NOT NULL CHECK (second_capacity >= 0),
    second_booked INTEGER NOT NULL DEFAULT 0,
    CHECK (second_booked BETWEEN 0 AND second_capacity)
);
CREATE INDEX IF NOT EXISTS slots_clinic_day ON slots (clinic_id, day, vaccine_id);

-- One row per slot and group: the group's share of the slot's first doses.
CREATE TABLE IF NOT EXISTS shares (
    slot_id INTEGER NOT NULL REFERENCES slots (id),
    grp INTEGER NOT NULL CHECK (grp BETWEEN 0 AND 9),
    capacity INTEGER NOT NULL CHECK (capacity >= 0),
    booked INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (slot_id, grp),
    CHECK (booked BETWEEN 0 AND capacity)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS shares_group ON shares (grp, slot_id);

CREATE TABLE IF NOT EXISTS bookings (
    id TEXT PRIMARY KEY,
    person_key TEXT NOT NULL,
    masked_name TEXT NOT NULL,
    birth_date TEXT NOT NULL,
    first_slot_id INTEGER NOT NULL,
    share_group INTEGER NOT NULL,
    second_slot_id INTEGER REFERENCES slots (id),
    created_at TEXT NOT NULL,
    cancelled_at TEXT,
    FOREIGN KEY (first_slot_id, share_group) REFERENCES shares (slot_id, grp)
);
CREATE UNIQUE INDEX IF NOT EXISTS one_active_booking_per_person
    ON bookings (person_key) WHERE cancelled_at IS NULL;
CREATE INDEX IF NOT EXISTS bookings_first_slot ON bookings (first_slot_id);
CREATE INDEX IF NOT EXISTS bookings_second_slot ON bookings (second_slot_id);

-- What a clinic recorded on the day for each booked dose (issue 10: clinic staff).
CREATE TABLE IF NOT EXISTS dose_outcomes (
    booking_id TEXT NOT NULL REFERENCES bookings (id),
    dose INTEGER NOT NULL CHECK (dose IN (1, 2)),
    outcome TEXT NOT NULL CHECK (outcome IN ('vaccinated', 'no_show')),
    marked_at TEXT NOT NULL,
    PRIMARY KEY (booking_id, dose)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS idempotency (
    person_key TEXT NOT NULL,
    key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    booking_id TEXT NOT NULL REFERENCES bookings (id),
    PRIMARY KEY (person_key, key)
) WITHOUT ROWID;

-- The outbox (issue 11, docs/notifications.md): written in the transaction of the change it
-- announces, delivered later by a dispatcher that claims rows under BEGIN IMMEDIATE.
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    person_key TEXT NOT NULL,
    booking_id TEXT,
    offer_id TEXT,
    dose INTEGER,
    due_at REAL NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending'
        CHECK (state IN ('pending', 'sent', 'dead', 'void')),
    attempts INTEGER NOT NULL DEFAULT 0,
    lease_until REAL,
    claim TEXT,
    last_error TEXT,
    created_at REAL NOT NULL,
    sent_at REAL
);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox (due_at) WHERE state = 'pending';
CREATE INDEX IF NOT EXISTS outbox_booking ON outbox (booking_id) WHERE state = 'pending';

-- How to reach a person: AES-GCM sealed with a key kept outside the database; purged after
-- the campaign's last second dose (vaxbook retention purge).
CREATE TABLE IF NOT EXISTS contacts (
    person_key TEXT PRIMARY KEY,
    sealed TEXT NOT NULL,
    updated_at TEXT NOT NULL
) WITHOUT ROWID;
-- The daily allocation digests (docs/operators.md, "Public figures"): append-only, each
-- chained to the one before by its hash; the unique previous hash forbids a fork.
CREATE TABLE IF NOT EXISTS allocation_digests (
    day TEXT PRIMARY KEY,
    made_at TEXT NOT NULL,
    previous_sha256 TEXT NOT NULL UNIQUE,
    sha256 TEXT NOT NULL UNIQUE,
    body TEXT NOT NULL
);
CREATE TRIGGER IF NOT EXISTS allocation_digests_no_update BEFORE UPDATE ON allocation_digests
BEGIN SELECT RAISE(ABORT, 'allocation_digests is append-only'); END;
CREATE TRIGGER IF NOT EXISTS allocation_digests_no_delete BEFORE DELETE ON allocation_digests
BEGIN SELECT RAISE(ABORT, 'allocation_digests is append-only'); END;
-- Operators of the console (issue 10): argon2 hashes, never passwords.
CREATE TABLE IF NOT EXISTS operators (
    name TEXT PRIMARY KEY,
    role TEXT NOT NULL CHECK (role IN ('viewer', 'operator')),
    password_hash TEXT NOT NULL
) WITHOUT ROWID;
-- Server-side sessions, kept as a hash of the cookie's value: a copy of the file signs no one in.
CREATE TABLE IF NOT EXISTS operator_sessions (
    id_hash TEXT PRIMARY KEY,
    name TEXT NOT NULL REFERENCES operators (name) ON DELETE CASCADE,
    expires_at REAL NOT NULL
) WITHOUT ROWID;
-- Every operator action, append-only: the triggers refuse any UPDATE or DELETE.
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    operator TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    before TEXT,
    after TEXT
);
CREATE INDEX IF NOT EXISTS audit_target ON audit (target, id);
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;
"""


# Columns added to tables of existing files: (table, column, definition), added if missing.
ADDED_COLUMNS = (
    ("clinics", "phone", "TEXT NOT NULL DEFAULT ''"),  # issue 10: clinics import
    ("verifications", "reference", "TEXT"),  # a lost answer's retry replays (gate_records)
)


def migrate(connection: sqlite3.Connection) -> None:
    """Create the schema if absent and record its version; safe to run any number of times."""
    # executescript commits on its own, so the script carries its own transaction.
    connection.executescript(
        "BEGIN IMMEDIATE;" + SCHEMA + gate_records.SCHEMA + standby_rows.SCHEMA
        + f"INSERT INTO schema_version (version) SELECT {VERSION}"
        " WHERE NOT EXISTS (SELECT 1 FROM schema_version); COMMIT;"
    )
    for table, column, definition in ADDED_COLUMNS:
        present = {row[1] for row in connection.execute(f"PRAGMA table_info({table})")}
        if column not in present:
            connection.execute(f"ALTER TABLE {table} ADD COLUMN {column} {definition}")
