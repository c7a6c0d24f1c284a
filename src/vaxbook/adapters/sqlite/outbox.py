"""The embedded outbox: rows written inside the ledger's transactions, claimed under BEGIN IMMEDIATE.

BEGIN IMMEDIATE takes SQLite's one write lock before the due rows are read, so two
dispatchers (threads or processes on the same file) can never claim one row twice. A batch's
settlements are one transaction.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Collection, Sequence
from datetime import UTC, date, datetime

from vaxbook.adapters.sqlite.ledger import SqliteLedger
from vaxbook.adapters.sqlite.transaction import transaction
from vaxbook.domain.notices import NoticeKind, NoticeState, OutboxMessage, Settlement


class SqliteOutbox:
    """The outbox of a SqliteLedger, on its connection."""

    def __init__(self, ledger: SqliteLedger) -> None:
        self._ledger = ledger

    async def claim(self, now: datetime, lease_seconds: float, limit: int) -> list[OutboxMessage]:
        token, at = secrets.token_hex(8), now.timestamp()
        with transaction(self._ledger.connection) as db:
            rows = db.execute(
                "SELECT id FROM outbox WHERE state = 'pending' AND due_at <= ?"
                " AND (lease_until IS NULL OR lease_until < ?) ORDER BY due_at, id LIMIT ?",
                (at, at, limit),
            ).fetchall()
            ids = [row[0] for row in rows]
            db.executemany(
                "UPDATE outbox SET lease_until = ?, claim = ?, attempts = attempts + 1 WHERE id = ?",
                [(at + lease_seconds, token, message_id) for message_id in ids],
            )
            found = db.execute(
                "SELECT id, kind, person_key, booking_id, offer_id, dose, due_at, attempts, claim"
                f" FROM outbox WHERE id IN ({', '.join('?' * len(ids))}) ORDER BY due_at, id",
                ids,
            ).fetchall() if ids else []
        return [
            OutboxMessage(r[0], NoticeKind(r[1]), r[2], r[3], r[4], r[5],
                          datetime.fromtimestamp(r[6], UTC), r[7], r[8])
            for r in found
        ]

    async def settle(self, settlements: Sequence[Settlement]) -> set[int]:
        settled: set[int] = set()
        now = datetime.now(UTC).timestamp()
        with transaction(self._ledger.connection) as db:
            for s in settlements:  # row by row: each row's own claim guard says whether it was settled
                changed = db.execute(
                    "UPDATE outbox SET state = ?, due_at = COALESCE(?, due_at), lease_until = NULL,"
                    " claim = NULL, last_error = ?, sent_at = CASE WHEN ? = 'sent' THEN ? END"
                    " WHERE id = ? AND claim = ? AND state = 'pending'",
                    (s.state.value, s.retry_at.timestamp() if s.retry_at else None, s.error, s.state.value,
                     now, s.message.id, s.message.claim),
                ).rowcount
                if changed == 1:
                    settled.add(s.message.id)
        return settled

    async def counts(self) -> dict[NoticeState, int]:
        rows = self._ledger.connection.execute("SELECT state, COUNT(*) FROM outbox GROUP BY state")
        return {NoticeState(state): count for state, count in rows.fetchall()}

    async def contacts_of(self, person_keys: Collection[str]) -> dict[str, str]:
        # The keys as one JSON parameter: no limit on how many a batch may name.
        rows = self._ledger.connection.execute(
            "SELECT person_key, sealed FROM contacts WHERE person_key IN (SELECT value FROM json_each(?))",
            (json.dumps(list(person_keys)),),
        ).fetchall()
        return {str(row[0]): str(row[1]) for row in rows}

    async def last_dose_day(self) -> date | None:
        row = self._ledger.connection.execute("SELECT MAX(day) FROM slots").fetchone()
        return date.fromisoformat(row[0]) if row and row[0] else None

    async def purge_contacts(self) -> int:
        with transaction(self._ledger.connection) as db:
            deleted = db.execute("DELETE FROM contacts").rowcount
            db.execute("UPDATE outbox SET state = 'void' WHERE state = 'pending'")
        return int(deleted)
