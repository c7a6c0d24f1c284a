"""Bounded retry of a whole transaction when PostgreSQL says another one got in the way.

A serialization failure or a deadlock rolls the transaction back whole, so running it
again is safe. A unique violation on the one-active-booking index means a concurrent
request of the same person committed first: the next attempt sees that booking and
answers `already_booked` or replays it. Connection failures are not retried here; they
become a 503 with Retry-After and the client retries with its Idempotency-Key.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

import asyncpg

T = TypeVar("T")

MAX_ATTEMPTS = 5
_RETRYABLE = (
    asyncpg.exceptions.SerializationError,
    asyncpg.exceptions.DeadlockDetectedError,
    asyncpg.exceptions.UniqueViolationError,
)


async def with_retries(work: Callable[[], Awaitable[T]], attempts: int = MAX_ATTEMPTS) -> T:
    """Run `work` (one transaction) up to `attempts` times; the last failure is raised."""
    for attempt in range(1, attempts + 1):
        try:
            return await work()
        except _RETRYABLE:
            if attempt == attempts:
                raise
            # Jittered backoff, so the transactions that collided do not collide again.
            await asyncio.sleep(random.uniform(0, 0.002 * 2**attempt))
    raise AssertionError("unreachable")  # the loop returns or raises
