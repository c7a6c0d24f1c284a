"""Reads every worker needs, made by one worker for all of them about once per period.

Each worker kept its own copy of the free counts for a second, so each read the ledger once a
second: the database's work grew with the number of workers, on the one read of the journey
whose cost grows with the inventory (every share of every future slot: 30-45 ms for 200
clinics on the benchmark machine; docs/benchmarks.md, "The free counts read once for all
workers"). Here a copy lives in the gate with the time it was read. A worker keeps a copy
until it is REFRESH_AT of the period old, then asks the gate again: the first to find the copy
that old claims the refresh (one claim per worker-wide window) and reads the ledger while the
others go on with the copy, still younger than the period. No copy is used once it is a period
old, so the staleness each reader documents stays what it was. Without the gate (an outage)
each worker reads the ledger itself, as before.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable

from vaxbook.ports import BackendUnavailable, Clock, Gate

# A copy this old (in periods) is read again by the first worker to see it; the rest of the
# period covers the read (tens of milliseconds of a one-second period).
REFRESH_AT = 0.8


class SharedReads:
    def __init__(self, gate: Gate, clock: Clock, seconds: float) -> None:
        self._gate = gate
        self._clock = clock
        self._seconds = seconds
        self._refresh = seconds * REFRESH_AT

    async def get(self, name: str, read: Callable[[], Awaitable[str]]) -> tuple[str, float]:
        """The value of `read()`, made by this worker or another one less than a period ago,
        and how long the caller may keep it (never past the period)."""
        now = self._clock.now().timestamp()
        try:
            at, _, value = (await self._gate.shared(name) or "").partition("\n")
            age = now - float(at) if at else self._seconds
            if 0 <= age < self._refresh:
                return value, self._refresh - age
            claimed = await self._gate.hit(f"shared-read:{name}", 1, self._refresh, now) is None
            if not claimed and 0 <= age < self._seconds:
                return value, self._seconds - age  # another worker is reading it now
        except BackendUnavailable:
            return await read(), self._refresh
        value = await read()
        with contextlib.suppress(BackendUnavailable):  # the others read for themselves meanwhile
            await self._gate.share(name, f"{now!r}\n{value}", self._seconds)
        return value, self._refresh
