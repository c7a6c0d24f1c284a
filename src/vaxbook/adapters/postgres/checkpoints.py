"""Durable copies of the waiting room's counters, for the Redis gate to recover from.

The counters only ever grow, so a save keeps the larger of the stored and the new values
(workers may save out of order), and a load gives a floor that is at most a second old.
A failure here must never stop the line, so errors are logged and treated as "no copy".
"""

from __future__ import annotations

import logging
from typing import Any

import asyncpg

from vaxbook.domain.queue import LineCounters

log = logging.getLogger("vaxbook.checkpoints")
_FAILURES = (OSError, asyncpg.exceptions.PostgresError, asyncpg.exceptions.InterfaceError)


class PostgresCheckpoints:
    def __init__(self, dsn: str) -> None:
        self._dsn = dsn
        self._pool: Any = None

    async def open(self) -> None:
        # Its own small pool: a rush of bookings never makes the line wait for a connection.
        self._pool = await asyncpg.create_pool(self._dsn, min_size=0, max_size=2, timeout=2.0)

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None

    async def save(self, line_id: str, counters: LineCounters) -> None:
        try:
            await self._pool.execute(
                "INSERT INTO line_checkpoints (line_id, issued, admitted) VALUES ($1, $2, $3)"
                " ON CONFLICT (line_id) DO UPDATE SET"
                " issued = GREATEST(line_checkpoints.issued, EXCLUDED.issued),"
                " admitted = GREATEST(line_checkpoints.admitted, EXCLUDED.admitted), saved_at = now()",
                line_id, counters.issued, counters.admitted,
            )
        except _FAILURES as failure:
            log.warning("line checkpoint not saved for %s: %r", line_id, failure)

    async def load(self, line_id: str) -> LineCounters | None:
        try:
            row = await self._pool.fetchrow(
                "SELECT issued, admitted FROM line_checkpoints WHERE line_id = $1", line_id
            )
        except _FAILURES as failure:
            log.warning("line checkpoint not read for %s: %r", line_id, failure)
            return None
        return LineCounters(int(row[0]), int(row[1])) if row else None
