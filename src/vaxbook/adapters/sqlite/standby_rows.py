"""Standby and offers inside the embedded ledger's transactions (docs/notifications.md).

A held place is counted in its share's `booked`, under the same CHECK as a booking, so it
never shows as free: for every share, booked = active bookings + open offers + leftover
doses still pooled. Each function runs on a connection inside BEGIN IMMEDIATE.
"""

from __future__ import annotations

import secrets
import sqlite3
from datetime import UTC, date, datetime, time

from vaxbook.adapters.sqlite.notices import write_notices
from vaxbook.domain.booking import Clinic, Slot
from vaxbook.domain.notices import Notice, NoticeKind
from vaxbook.domain.standby import Holds, Offer, OfferState

SCHEMA = """
-- Standby (issue 11): one row per person; seq is the order of joining, the longest wait first.
CREATE TABLE IF NOT EXISTS standby (
    seq INTEGER PRIMARY KEY,
    person_key TEXT NOT NULL UNIQUE,
    grp INTEGER NOT NULL CHECK (grp BETWEEN 0 AND 9),
    any_share INTEGER NOT NULL,
    until REAL NOT NULL,
    joined_at REAL NOT NULL,
    offer_id TEXT
);
CREATE TABLE IF NOT EXISTS standby_districts (
    person_key TEXT NOT NULL REFERENCES standby (person_key) ON DELETE CASCADE,
    sido TEXT NOT NULL,
    sigungu TEXT NOT NULL,
    PRIMARY KEY (person_key, sido, sigungu)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS standby_districts_region ON standby_districts (sido, sigungu);
-- An open offer holds one place of a share (counted in shares.booked) for one person.
CREATE TABLE IF NOT EXISTS offers (
    id TEXT PRIMARY KEY,
    person_key TEXT NOT NULL,
    slot_id INTEGER NOT NULL,
    share_group INTEGER NOT NULL,
    leftover INTEGER NOT NULL,
    created_at REAL NOT NULL,
    expires_at REAL NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('open', 'accepted', 'declined', 'lapsed')),
    booking_id TEXT,
    FOREIGN KEY (slot_id, share_group) REFERENCES shares (slot_id, grp)
);
CREATE UNIQUE INDEX IF NOT EXISTS one_open_offer_per_person ON offers (person_key) WHERE state = 'open';
CREATE INDEX IF NOT EXISTS offers_open_expiry ON offers (expires_at) WHERE state = 'open';
-- Leftover doses a clinic posted for today and not yet offered (also counted in shares.booked).
CREATE TABLE IF NOT EXISTS leftover_pool (
    slot_id INTEGER NOT NULL,
    grp INTEGER NOT NULL,
    pooled INTEGER NOT NULL CHECK (pooled >= 0),
    PRIMARY KEY (slot_id, grp),
    FOREIGN KEY (slot_id, grp) REFERENCES shares (slot_id, grp)
) WITHOUT ROWID;
"""

_CANDIDATE = (
    "SELECT st.person_key FROM standby st WHERE st.offer_id IS NULL AND st.until > ?"
    " AND EXISTS (SELECT 1 FROM standby_districts d WHERE d.person_key = st.person_key"
    " AND d.sido = ? AND d.sigungu = ?)"
    " AND NOT EXISTS (SELECT 1 FROM bookings b WHERE b.person_key = st.person_key"
    " AND b.cancelled_at IS NULL)"
)
_OFFER_COLUMNS = (
    "o.id, o.person_key, o.share_group, o.leftover, o.created_at, o.expires_at, o.state,"
    ' s.id, s.clinic_id, s.day, s.start, s."end", s.vaccine_id, s.first_capacity, s.second_capacity,'
    " c.id, c.name, c.sido, c.sigungu, c.address"
)
_OFFER_FROM = "offers o JOIN slots s ON s.id = o.slot_id JOIN clinics c ON c.id = s.clinic_id"


def new_offer_id() -> str:
    return "OF" + secrets.token_hex(6).upper()


def _region(db: sqlite3.Connection, slot_id: int) -> tuple[str, str]:
    row = db.execute("SELECT c.sido, c.sigungu FROM slots s JOIN clinics c ON c.id = s.clinic_id"
                     " WHERE s.id = ?", (slot_id,)).fetchone()
    return str(row[0]), str(row[1])


def _make_offer(
    db: sqlite3.Connection, person: str, slot_id: int, grp: int, now: datetime, holds: Holds,
    leftover: bool,
) -> str:
    offer_id = new_offer_id()
    db.execute(
        "INSERT INTO offers (id, person_key, slot_id, share_group, leftover, created_at, expires_at,"
        " state) VALUES (?, ?, ?, ?, ?, ?, ?, 'open')",
        (offer_id, person, slot_id, grp, int(leftover), now.timestamp(),
         (now + holds.of(leftover)).timestamp()),
    )
    db.execute("UPDATE standby SET offer_id = ? WHERE person_key = ?", (offer_id, person))
    write_notices(db, person, (Notice(NoticeKind.OFFER, now),), offer_id=offer_id, at=now)
    return offer_id


def offer_freed(db: sqlite3.Connection, slot_id: int, grp: int, now: datetime, holds: Holds) -> str | None:
    """A first-dose place of share `grp` was freed: hold it for the longest-waiting person who may
    take it (their window's share rule), in this transaction. The offer's id, or None."""
    sido, sigungu = _region(db, slot_id)
    found = db.execute(
        _CANDIDATE + " AND (st.any_share = 1 OR st.grp = ?) ORDER BY st.seq LIMIT 1",
        (now.timestamp(), sido, sigungu, grp),
    ).fetchone()
    if found is None:
        return None
    taken = db.execute("UPDATE shares SET booked = booked + 1 WHERE slot_id = ? AND grp = ?"
                       " AND booked < capacity", (slot_id, grp)).rowcount
    return _make_offer(db, found[0], slot_id, grp, now, holds, False) if taken == 1 else None


def offer_free_places(db: sqlite3.Connection, slot_id: int, now: datetime, holds: Holds) -> int:
    """Offer every free first-dose place of a slot (a clinic added places); the number offered."""
    offered = 0
    for (grp,) in db.execute("SELECT grp FROM shares WHERE slot_id = ? AND booked < capacity",
                             (slot_id,)).fetchall():
        while offer_freed(db, slot_id, grp, now, holds) is not None:
            offered += 1
    return offered


def offer_leftovers(db: sqlite3.Connection, slot_id: int, now: datetime, holds: Holds) -> int:
    """Offer a slot's pooled leftover doses to the district's standby, in order; the number offered.

    Leftover doses go to anyone waiting for the district: they would otherwise be wasted today.
    """
    sido, sigungu = _region(db, slot_id)
    offered = 0
    while True:
        pool = db.execute("SELECT grp FROM leftover_pool WHERE slot_id = ? AND pooled > 0"
                          " ORDER BY grp LIMIT 1", (slot_id,)).fetchone()
        if pool is None:
            return offered
        found = db.execute(_CANDIDATE + " ORDER BY st.seq LIMIT 1",
                           (now.timestamp(), sido, sigungu)).fetchone()
        if found is None:
            return offered
        db.execute("UPDATE leftover_pool SET pooled = pooled - 1 WHERE slot_id = ? AND grp = ?",
                   (slot_id, pool[0]))
        _make_offer(db, found[0], slot_id, pool[0], now, holds, True)
        offered += 1


def close_offer(
    db: sqlite3.Connection, offer_id: str, state: OfferState, now: datetime, holds: Holds
) -> None:
    """End an open offer (declined or lapsed): the person leaves standby, the place goes on."""
    row = db.execute("SELECT person_key, slot_id, share_group, leftover FROM offers WHERE id = ?",
                     (offer_id,)).fetchone()
    person, slot_id, grp, leftover = row
    db.execute("UPDATE offers SET state = ? WHERE id = ?", (state.value, offer_id))
    db.execute("DELETE FROM standby WHERE person_key = ?", (person,))
    if leftover:
        db.execute("UPDATE leftover_pool SET pooled = pooled + 1 WHERE slot_id = ? AND grp = ?",
                   (slot_id, grp))
        offer_leftovers(db, slot_id, now, holds)
    else:
        db.execute("UPDATE shares SET booked = booked - 1 WHERE slot_id = ? AND grp = ?", (slot_id, grp))
        offer_freed(db, slot_id, grp, now, holds)


def lapse_due(db: sqlite3.Connection, now: datetime, holds: Holds) -> int:
    """Move every offer whose hold ran out on to the next person; drop standby entries whose
    window closed. The number of offers lapsed."""
    due = [row[0] for row in db.execute(
        "SELECT id FROM offers WHERE state = 'open' AND expires_at <= ? ORDER BY expires_at",
        (now.timestamp(),)).fetchall()]
    for offer_id in due:
        close_offer(db, offer_id, OfferState.LAPSED, now, holds)
    db.execute("DELETE FROM standby WHERE until <= ? AND offer_id IS NULL", (now.timestamp(),))
    return len(due)


def load_offer(db: sqlite3.Connection, where: str, *args: object) -> Offer | None:
    row = db.execute(f"SELECT {_OFFER_COLUMNS} FROM {_OFFER_FROM} WHERE {where}", args).fetchone()
    if row is None:
        return None
    return Offer(
        id=row[0], person_key=row[1], share_group=row[2], leftover=bool(row[3]),
        created_at=datetime.fromtimestamp(row[4], UTC), expires_at=datetime.fromtimestamp(row[5], UTC),
        state=OfferState(row[6]),
        slot=Slot(row[7], row[8], date.fromisoformat(row[9]), time.fromisoformat(row[10]),
                  time.fromisoformat(row[11]), row[12],
                  row[13], row[14]),
        clinic=Clinic(*row[15:20]),
    )

