"""The embedded ledger's public figures and its append-only chain of daily digests."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime
from typing import TYPE_CHECKING

from vaxbook.adapters.sqlite.transaction import transaction
from vaxbook.domain.figures import GENESIS, AllocationCount, Digest, DigestConflict, DigestHead

_HEAD = "day, made_at, previous_sha256, sha256"


class SqliteFigures:
    """Mixed into SqliteLedger: the queries behind /api/figures and `vaxbook digest`."""

    if TYPE_CHECKING:  # provided by SqliteLedger, which mixes this in
        @property
        def _conn(self) -> sqlite3.Connection: ...

    async def allocation(self) -> list[AllocationCount]:
        rows = self._conn.execute(
            "SELECT sh.grp, c.sido, s.day, SUM(sh.capacity), SUM(sh.booked)"
            " FROM shares sh JOIN slots s ON s.id = sh.slot_id JOIN clinics c ON c.id = s.clinic_id"
            " WHERE s.first_capacity > 0 GROUP BY sh.grp, c.sido, s.day"
        ).fetchall()
        return [AllocationCount(int(g), str(sido), date.fromisoformat(day), int(o), int(b))
                for g, sido, day, o, b in rows]

    async def digest_heads(self) -> list[DigestHead]:
        rows = self._conn.execute(f"SELECT {_HEAD} FROM allocation_digests ORDER BY day").fetchall()
        return [_head(*row) for row in rows]

    async def digests(self) -> list[Digest]:
        rows = self._conn.execute(f"SELECT {_HEAD}, body FROM allocation_digests ORDER BY day").fetchall()
        return [Digest(*_fields(*row[:4]), str(row[4])) for row in rows]

    async def digest(self, day: date) -> Digest | None:
        row = self._conn.execute(
            f"SELECT {_HEAD}, body FROM allocation_digests WHERE day = ?", (day.isoformat(),)
        ).fetchone()
        return Digest(*_fields(*row[:4]), str(row[4])) if row else None

    async def append_digest(self, digest: Digest) -> None:
        try:
            with transaction(self._conn) as db:
                last = db.execute(
                    "SELECT sha256 FROM allocation_digests ORDER BY day DESC LIMIT 1").fetchone()
                if (last[0] if last else GENESIS) != digest.previous_sha256:
                    raise DigestConflict("another digest was appended meanwhile")
                db.execute(
                    "INSERT INTO allocation_digests (day, made_at, previous_sha256, sha256, body)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (digest.day.isoformat(), digest.made_at.isoformat(), digest.previous_sha256,
                     digest.sha256, digest.body),
                )
        except sqlite3.IntegrityError as clash:
            raise DigestConflict(str(clash)) from None


def _fields(day: str, made_at: str, previous: str, sha: str) -> tuple[date, datetime, str, str]:
    return date.fromisoformat(day), datetime.fromisoformat(made_at), str(previous), str(sha)


def _head(day: str, made_at: str, previous: str, sha: str) -> DigestHead:
    return DigestHead(*_fields(day, made_at, previous, sha))
