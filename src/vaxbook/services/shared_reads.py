"""Reads every worker needs, made by one worker for all of them about once per period.

Each worker kept its own copy of the free counts for a second, so each read the ledger once a
second: the database's work grew with the number of workers, on the one read of the journey
whose cost grows with the inventory (every share of every future slot: 30-46 ms for 200
clinics on the benchmark machine; docs/benchmarks.md, "The garbage collector, the
verification's round trips, and the free counts read once for all workers").

Here the copy lives in the gate for one period, timed by the gate's own clock (never by the
workers' clocks, which disagree). A worker keeps a copy until REFRESH_AT of the period is gone,
then asks the gate again; the first to find it that old claims the refresh (a lease for the
rest of the period) and reads the ledger, while the others keep the copy a little longer and
look again. A worker that finds no copy while another holds the lease waits for that one's
read, up to the lease. No copy is used once the period is over, so the staleness each reader
documents stays what it was. A gate that fails or is slow to answer is left alone for
REST_SECONDS, in which each worker reads the ledger itself, as before.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from vaxbook.ports import Gate

log = logging.getLogger("vaxbook.shared_reads")
# A copy is read again once this share of its period is gone; the rest is the refresher's lease.
REFRESH_AT = 0.8
# How long a worker waits for the gate's answer before it reads for itself; a gate that failed
# or was this slow is then left alone for REST_SECONDS (browsing never waits on a stuck Redis).
WAIT_SECONDS = 0.5
REST_SECONDS = 5.0
# How often a worker looks for the refresher's copy while it has none to use.
LOOK_SECONDS = 0.02


class SharedReads:
    def __init__(self, gate: Gate, seconds: float) -> None:
        self._gate = gate
        self._seconds = seconds
        self._lease = seconds * (1 - REFRESH_AT)
        self._rest_until = 0.0

    async def get(self, name: str, read: Callable[[], Awaitable[str]]) -> tuple[str, float]:
        """The value of `read()`, made by this worker or another one within the period, and how
        many seconds the caller may keep it (never past the period)."""
        found = await self._from_gate(name)
        if isinstance(found, tuple):
            return found
        value = await read()
        if found:  # claimed: the others take this read
            await self._quietly(self._gate.share(name, value, self._seconds))
        return value, self._seconds * REFRESH_AT

    async def _from_gate(self, name: str) -> tuple[str, float] | bool:
        """A copy to use and how long to keep it; else True if this worker claimed the read."""
        if time.monotonic() < self._rest_until:
            return False
        try:
            return await self._copy_or_claim(name)
        except Exception as failure:  # noqa: BLE001  # a stuck or failing gate must not stop browsing
            self._rest_until = time.monotonic() + REST_SECONDS
            log.warning("%s read by each worker for %.0f s: the gate failed: %r", name, REST_SECONDS, failure)
            return False

    async def _copy_or_claim(self, name: str) -> tuple[str, float] | bool:
        waited = 0.0
        while True:
            async with asyncio.timeout(WAIT_SECONDS):  # the gate's answers; not the wait below
                found = await self._gate.shared(name)
                if found is not None and found[1] > self._lease:
                    return found[0], found[1] - self._lease  # kept until REFRESH_AT of its period is gone
                claimed = await self._gate.claim(f"shared-read:{name}", self._lease)
            if claimed:
                return True
            if found is not None:  # another worker is reading: this copy, looked at again soon
                return found[0], min(found[1], LOOK_SECONDS)
            if waited >= self._lease:  # the refresher is late: read for itself
                return False
            await asyncio.sleep(LOOK_SECONDS)  # no copy at all: wait for the refresher's
            waited += LOOK_SECONDS

    async def _quietly(self, call: Awaitable[None]) -> None:
        try:
            async with asyncio.timeout(WAIT_SECONDS):
                await call
        except Exception as failure:  # noqa: BLE001  # the others read for themselves meanwhile
            self._rest_until = time.monotonic() + REST_SECONDS
            log.warning("shared read not shared: the gate failed: %r", failure)
