"""Turns for the arrival burst's work in one worker, so those already admitted book without waiting.

At the opening instant everyone verifies and joins at once; the line paces booking, not
arriving. In one worker's event loop, a thousand verifications in flight each put their
callbacks ahead of an admitted person's booking at every round trip, so the booking waited
behind all of them: seconds at p99 (docs/benchmarks.md, "The opening burst"). Here at most
`limit` verifications and joins (VAXBOOK_ARRIVAL_TURNS) run at a time per worker; the others
wait their turn, parked at no cost, and a booking's round trips come back at once. A turn not
given within `wait_seconds` is a 503 with Retry-After, as a full connection pool is. 0 turns:
no bound.

The verification's call to the provider (seconds, for a real one) is made outside a turn:
only the worker's own work is taken in turns.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from vaxbook.domain.errors import Problem, VaxbookError

RETRY_SECONDS = 5  # a turn not given: try again shortly, as after a full pool


class Arrivals:
    def __init__(self, limit: int, wait_seconds: float) -> None:
        self._turns = asyncio.Semaphore(limit) if limit > 0 else None
        self._wait_seconds = wait_seconds

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        """Hold one of the worker's turns while the block runs."""
        turns = self._turns
        if turns is None:
            yield
            return
        if turns.locked():  # a timer only when there is a wait to bound
            try:
                async with asyncio.timeout(self._wait_seconds):
                    await turns.acquire()
            except TimeoutError:
                raise VaxbookError(Problem.SERVICE_UNAVAILABLE, retry_after=RETRY_SECONDS) from None
        else:
            await turns.acquire()
        try:
            yield
        finally:
            turns.release()
