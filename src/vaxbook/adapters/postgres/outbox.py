"""The cluster outbox: due rows claimed with FOR UPDATE SKIP LOCKED and a lease.

Each dispatcher locks the rows it takes and skips rows another one has locked, so two
dispatchers never claim one message; the claim also sets a lease and a claim token, so a
dispatcher that died lets its messages be claimed again once the lease lapses, and a slow
one whose lease lapsed cannot settle a message someone else has since claimed. A batch's
contacts are one read and its settlements one UPDATE, whatever its size.
"""

from __future__ import annotations

import secrets
from collections.abc import Collection, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from vaxbook.adapters.outages import reports_outages
from vaxbook.adapters.postgres.ledger import UNREACHABLE, PostgresLedger
from vaxbook.domain.notices import NoticeKind, NoticeState, OutboxMessage, Settlement

_CLAIM = """
UPDATE outbox o SET lease_until = $2, claim = $3, attempts = o.attempts + 1
FROM (SELECT id FROM outbox WHERE state = 'pending' AND due_at <= $1
        AND (lease_until IS NULL OR lease_until < $1)
      ORDER BY due_at, id LIMIT $4 FOR UPDATE SKIP LOCKED) due
WHERE o.id = due.id
RETURNING o.id, o.kind, o.person_key, o.booking_id, o.offer_id, o.dose, o.due_at, o.attempts, o.claim
"""

# Each row only while its claim is still the settler's and it is pending (a lapsed lease's
# late settlement changes nothing); sent_at only when it was sent.
_SETTLE = """
UPDATE outbox o SET state = s.state, due_at = COALESCE(s.retry_at, o.due_at), lease_until = NULL,
    claim = NULL, last_error = s.error, sent_at = CASE WHEN s.state = 'sent' THEN now() END
FROM unnest($1::bigint[], $2::text[], $3::text[], $4::timestamptz[], $5::text[])
    AS s (id, claim, state, retry_at, error)
WHERE o.id = s.id AND o.claim = s.claim AND o.state = 'pending'
RETURNING o.id
"""


@reports_outages(*UNREACHABLE)
class PostgresOutbox:
    """The outbox of a PostgresLedger, on its pool."""

    def __init__(self, ledger: PostgresLedger) -> None:
        self._ledger = ledger

    async def claim(self, now: datetime, lease_seconds: float, limit: int) -> list[OutboxMessage]:
        token = secrets.token_hex(8)

        async def take(db: Any) -> list[Any]:
            return list(await db.fetch(_CLAIM, now, now + timedelta(seconds=lease_seconds), token, limit))

        rows = await self._ledger.one_statement(take)  # claiming and locking are one UPDATE
        return sorted(
            (OutboxMessage(r[0], NoticeKind(r[1]), r[2], r[3], r[4], r[5], r[6], r[7], r[8]) for r in rows),
            key=lambda m: (m.due_at, m.id),
        )

    async def settle(self, settlements: Sequence[Settlement]) -> set[int]:
        if not settlements:
            return set()
        columns = (
            [s.message.id for s in settlements], [s.message.claim for s in settlements],
            [s.state.value for s in settlements], [s.retry_at for s in settlements],
            [s.error for s in settlements],
        )

        async def mark(db: Any) -> set[int]:
            return {row[0] for row in await db.fetch(_SETTLE, *columns)}

        return await self._ledger.one_statement(mark)

    async def counts(self) -> dict[NoticeState, int]:
        rows = await self._ledger.one_statement(
            lambda db: db.fetch("SELECT state, COUNT(*) FROM outbox GROUP BY state")
        )
        return {NoticeState(state): int(count) for state, count in rows}

    async def contacts_of(self, person_keys: Collection[str]) -> dict[str, str]:
        if not person_keys:
            return {}
        wanted = list(person_keys)
        rows = await self._ledger.one_statement(
            lambda db: db.fetch("SELECT person_key, sealed FROM contacts WHERE person_key = ANY($1::text[])",
                                wanted)
        )
        return {str(row[0]): str(row[1]) for row in rows}

    async def last_dose_day(self) -> date | None:
        found = await self._ledger.one_statement(lambda db: db.fetchval("SELECT MAX(day) FROM slots"))
        return found if isinstance(found, date) else None

    async def purge_contacts(self) -> int:
        async def purge(db: Any) -> int:
            deleted = await db.execute("DELETE FROM contacts")
            await db.execute("UPDATE outbox SET state = 'void' WHERE state = 'pending'")
            return int(str(deleted).rsplit(" ", 1)[-1])

        return await self._ledger.in_transaction(purge, replay_safe=False)
