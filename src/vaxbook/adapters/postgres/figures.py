"""The cluster ledger's public figures and its append-only chain of daily digests."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from typing import TYPE_CHECKING, Any, TypeVar

import asyncpg

from vaxbook.domain.figures import GENESIS, AllocationCount, Digest, DigestConflict, DigestHead

T = TypeVar("T")
_HEAD = "day, made_at, previous_sha256, sha256"


class PostgresFigures:
    """Mixed into PostgresLedger (which also makes its driver failures BackendUnavailable)."""

    if TYPE_CHECKING:  # provided by PostgresLedger, which mixes this in
        async def _fetch(self, query: str, *args: Any) -> list[Any]: ...
        async def _transaction(
            self, work: Callable[[Any], Awaitable[T]], *, replay_safe: bool = True
        ) -> T: ...

    async def allocation(self) -> list[AllocationCount]:
        rows = await self._fetch(
            "SELECT sh.grp, c.sido, s.day, SUM(sh.capacity)::bigint, SUM(sh.booked)::bigint"
            " FROM shares sh JOIN slots s ON s.id = sh.slot_id JOIN clinics c ON c.id = s.clinic_id"
            " WHERE s.first_capacity > 0 GROUP BY sh.grp, c.sido, s.day"
        )
        return [AllocationCount(int(r[0]), r[1], r[2], int(r[3]), int(r[4])) for r in rows]

    async def digest_heads(self) -> list[DigestHead]:
        rows = await self._fetch(f"SELECT {_HEAD} FROM allocation_digests ORDER BY day")
        return [DigestHead(r[0], r[1], r[2], r[3]) for r in rows]

    async def digests(self) -> list[Digest]:
        rows = await self._fetch(f"SELECT {_HEAD}, body FROM allocation_digests ORDER BY day")
        return [Digest(r[0], r[1], r[2], r[3], r[4]) for r in rows]

    async def digest(self, day: date) -> Digest | None:
        rows = await self._fetch(f"SELECT {_HEAD}, body FROM allocation_digests WHERE day = $1", day)
        return Digest(*rows[0]) if rows else None

    async def append_digest(self, digest: Digest) -> None:
        async def append(db: Any) -> None:
            # The newest digest is locked, so two makers cannot both chain onto it.
            last = await db.fetchval(
                "SELECT sha256 FROM allocation_digests ORDER BY day DESC LIMIT 1 FOR UPDATE")
            if (last or GENESIS) != digest.previous_sha256:
                raise DigestConflict("another digest was appended meanwhile")
            await db.execute(
                "INSERT INTO allocation_digests (day, made_at, previous_sha256, sha256, body)"
                " VALUES ($1, $2, $3, $4, $5)",
                digest.day, digest.made_at, digest.previous_sha256, digest.sha256, digest.body,
            )

        try:
            await self._transaction(append, replay_safe=False)
        except asyncpg.UniqueViolationError as clash:
            raise DigestConflict(str(clash)) from None
