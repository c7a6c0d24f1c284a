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


# The connection died under the statement (the server terminated it, a failover, a reset).
# The pool replaces it; one more try on a fresh connection is safe for reads and for
# bookings, whose Idempotency-Key replays a booking if the lost attempt did commit.
LOST_CONNECTION = (
    asyncpg.exceptions.ConnectionDoesNotExistError,
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.InternalClientError,  # a message arrived for a connection being torn down
    ConnectionResetError,
)


async def with_retries(
    work: Callable[[], Awaitable[T]], attempts: int = MAX_ATTEMPTS, *, replay_safe: bool = True
) -> T:
    """Run `work` (one transaction) up to `attempts` times; the last failure is raised.

    `replay_safe=False` (a cancel, which has no key to replay) does not retry a lost connection.
    """
    lost_retries = 1 if replay_safe else 0
    for attempt in range(1, attempts + 1):
        try:
            return await work()
        except _RETRYABLE:
            if attempt == attempts:
                raise
            # Jittered backoff, so the transactions that collided do not collide again.
            await asyncio.sleep(random.uniform(0, 0.002 * 2**attempt))
        except LOST_CONNECTION:
            if lost_retries == 0:
                raise
            lost_retries -= 1
            await asyncio.sleep(0.05)  # let the pool see the connection closed
    raise AssertionError("unreachable")  # the loop returns or raises
