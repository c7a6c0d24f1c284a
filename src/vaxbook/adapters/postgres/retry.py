"""Bounded retries of a whole transaction: when another one got in the way, or the connection died.

A serialization failure or a deadlock rolls the transaction back whole, so running it
again is safe. A unique violation on the one-active-booking index means a concurrent
request of the same person committed first: the next attempt sees that booking and
answers `already_booked` or replays it.

A connection can fail in two places. Before anything was sent (`NotConnected`: refused,
the server starting or shutting down, too many connections) another try is always safe.
Under the work (`ConnectionLost`: `pg_terminate_backend`, a failover, a reset, asyncpg's
`InterfaceError` or `InternalClientError` on a connection that is closed, also when
raised from `Transaction.__aexit__`) it is safe for reads and for bookings and changes,
whose Idempotency-Key replays a booking if the lost attempt did commit, never for a
cancel. Both are retried with backoff within a time budget, on a fresh connection (the
pool replaces a closed one); past the budget they leave as the port's BackendUnavailable,
which the web layer answers with 503 and Retry-After.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

import asyncpg

from vaxbook.ports import BackendUnavailable

T = TypeVar("T")

MAX_ATTEMPTS = 5
_RETRYABLE = (
    asyncpg.exceptions.SerializationError,
    asyncpg.exceptions.DeadlockDetectedError,
    asyncpg.exceptions.UniqueViolationError,
)
# A short outage (a restart, a failover, a storm of terminations) is ridden out inside the
# request; a longer one answers 503 after about this long, so clients are not held for ever.
LOST_BUDGET_SECONDS = 3.0
LOST_MAX_ATTEMPTS = 12
_BACKOFF_FIRST, _BACKOFF_CAP = 0.02, 0.5

# Raised when the server is unreachable or refuses connections for now.
CONNECT_FAILURES: tuple[type[BaseException], ...] = (
    OSError,  # refused, reset, unreachable, a connect that timed out
    asyncpg.exceptions.PostgresConnectionError,
    asyncpg.exceptions.CannotConnectNowError,  # starting up, shutting down, in recovery
    asyncpg.exceptions.TooManyConnectionsError,
)
# Raised when the connection died under a statement (or the server announced it would).
LOST_FAILURES: tuple[type[BaseException], ...] = (
    OSError,
    asyncpg.exceptions.PostgresConnectionError,  # includes ConnectionDoesNotExistError
    asyncpg.exceptions.AdminShutdownError,  # pg_terminate_backend, a fast shutdown
    asyncpg.exceptions.CrashShutdownError,
    asyncpg.exceptions.CannotConnectNowError,
)
# The driver's own errors: a lost connection only when the connection is in fact closed.
DRIVER_FAILURES: tuple[type[BaseException], ...] = (
    asyncpg.exceptions.InterfaceError,
    asyncpg.exceptions.InternalClientError,
)


class NotConnected(BackendUnavailable):
    """No connection could be had: nothing of the work was sent, so another try is safe."""


class ConnectionLost(BackendUnavailable):
    """The connection died under the work: it may or may not have committed."""


def describe(failure: BaseException) -> str:
    """One line for the log: the driver's exception and its message."""
    return f"{type(failure).__name__}: {failure}"


async def with_retries(
    work: Callable[[], Awaitable[T]], attempts: int = MAX_ATTEMPTS, *, replay_safe: bool = True
) -> T:
    """Run `work` (one transaction) until it succeeds, within the budgets; the last failure is raised.

    `replay_safe=False` (a cancel, which has no key to replay) retries only a connection
    that could not be had, never one lost under the work.
    """
    started = time.monotonic()
    conflicts = lost = 0
    while True:
        try:
            return await work()
        except _RETRYABLE:
            conflicts += 1
            if conflicts >= attempts:
                raise
            # Jittered backoff, so the transactions that collided do not collide again.
            await asyncio.sleep(random.uniform(0, 0.002 * 2**conflicts))
        except (NotConnected, ConnectionLost) as failure:
            lost += 1
            delay = random.uniform(0.5, 1.0) * min(_BACKOFF_FIRST * 2**lost, _BACKOFF_CAP)
            spent = time.monotonic() - started + delay
            if (
                (isinstance(failure, ConnectionLost) and not replay_safe)
                or lost >= LOST_MAX_ATTEMPTS or spent > LOST_BUDGET_SECONDS
            ):
                raise
            await asyncio.sleep(delay)  # the pool replaces the closed connection meanwhile
