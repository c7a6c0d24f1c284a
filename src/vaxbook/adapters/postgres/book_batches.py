"""Group commit: a worker's bookings that arrive together reach PostgreSQL in one round trip.

At a national opening the ledger's cost per booking is mostly not the booking's own writes
but what each statement costs around them: a round trip (a socket write that wakes a
backend, on both sides), an executor start, a commit. Here the bookings that arrive while
earlier ones are at the ledger wait for them and then go together, at most `size` in one
call of vaxbook_book_many (migration 0014), with at most IN_FLIGHT such calls per worker. A
booking that arrives at a quiet moment goes at once, alone, as before. Measured in
docs/benchmarks.md ("Group commit, kept").

Each booking keeps its own outcome: the function runs each in a subtransaction, so a refusal
is that booking's alone. One that met a concurrent request of the same person, or a refusal
this code does not know, runs again on its own (`one`, with the ledger's retries); so does
every booking of a batch whose statement failed as a whole (a deadlock between two batches, a
lock waited on for over half a second, a lost connection: nothing of it was kept, or, if the
commit was lost with the connection, each booking's Idempotency-Key replays it). A batch that
found every connection in use (BackendBusy, after the pool's wait) is answered so, as each of
its bookings would have been; more calls would only queue behind the same pool.

What it costs: a booking holds its rows until its batch commits (at most `size` bookings'
work, a few milliseconds), and a batch that waits on one row holds up the others in it (for at
most the lock_timeout above, before each runs alone).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import asyncpg

from vaxbook.domain.errors import VaxbookError
from vaxbook.ports import BackendBusy, BackendUnavailable

if TYPE_CHECKING:
    from vaxbook.adapters.postgres.bookings import Booked
    from vaxbook.domain.booking import BookingRequest, Slot

log = logging.getLogger(__name__)

# Two calls in flight per worker: while one is at the ledger the next gathers what arrives.
IN_FLIGHT = 2
# Bookings in one call at most (Settings.book_batch): 8 measured on one 2-core box
# (docs/benchmarks.md, "Group commit, kept"); each holds its row locks until the batch commits.
SIZE = 8

Item = tuple["BookingRequest", "Slot"]
One = Callable[["BookingRequest", "Slot"], Awaitable["Booked"]]
Many = Callable[[list[Item]], Awaitable[list["Booked | VaxbookError | None"]]]


class BookBatches:
    def __init__(self, one: One, many: Many, size: int) -> None:
        """`one`: a booking alone, with retries; `many`: a batch in one statement, no retries."""
        self._one = one
        self._many = many
        self._size = size
        self._waiting: list[tuple[BookingRequest, Slot, asyncio.Future[Booked]]] = []
        self._running = 0  # calls started, at the ledger or about to be
        self._starting: asyncio.Task[None] | None = None  # made, and takes what waits when it starts
        self._tasks: set[asyncio.Task[None]] = set()

    async def book(self, request: BookingRequest, first: Slot) -> Booked:
        future: asyncio.Future[Booked] = asyncio.get_running_loop().create_future()
        self._waiting.append((request, first, future))
        self._start()
        return await future

    def _start(self) -> None:
        # A caller that has gone (its request cancelled) is not booked for.
        self._waiting = [waiting for waiting in self._waiting if not waiting[2].done()]
        if self._waiting and self._starting is None and self._running < IN_FLIGHT:
            self._running += 1
            task = asyncio.create_task(self._run())
            self._starting = task
            self._tasks.add(task)  # the loop keeps only a weak reference
            task.add_done_callback(self._ended)

    def _ended(self, task: asyncio.Task[None]) -> None:
        # Here, not in _run: a task cancelled before its first step runs none of its body.
        self._tasks.discard(task)
        self._running -= 1
        if self._starting is task:
            self._starting = None
        self._start()

    async def _run(self) -> None:
        # The call starts a turn after it was made: everything that arrived in that turn goes too.
        self._starting = None
        batch, self._waiting = self._waiting[:self._size], self._waiting[self._size:]
        self._start()  # more than one batch waits: the next call may go at once
        try:
            if len(batch) == 1:
                await self._alone(*batch[0])
            else:
                await self._together(batch)
        finally:
            for _, _, future in batch:  # answered already, unless this call was cancelled
                future.cancel()

    async def _together(self, batch: list[tuple[BookingRequest, Slot, asyncio.Future[Booked]]]) -> None:
        # One order of the share rows for every batch (clinic, slot, group), so that two batches
        # lock them in the same order; they can still meet in a deadlock over the second-dose
        # slots of one clinic and day, or over one person booking on two workers at once, which
        # the function's lock_timeout (migration 0014) ends within half a second.
        ordered = sorted(batch, key=lambda item: (item[1].clinic_id, item[1].id, item[0].share_groups))
        try:
            answers = await self._many([(request, first) for request, first, _ in ordered])
        except BackendBusy as busy:  # every connection in use: more calls would only queue longer
            _fail(ordered, busy)
            return
        except (asyncpg.exceptions.PostgresError, BackendUnavailable) as failure:
            log.warning("a batch of %d bookings failed as a whole (%s): each runs on its own",
                        len(batch), type(failure).__name__)
            await asyncio.gather(*(self._alone(*item) for item in ordered))
            return
        except Exception as failure:  # noqa: BLE001  # each caller's to answer, as if alone
            _fail(ordered, failure)
            return
        again = []
        for (request, first, future), answer in zip(ordered, answers, strict=True):
            if answer is None:
                again.append((request, first, future))
            elif future.done():
                continue
            elif isinstance(answer, VaxbookError):
                future.set_exception(answer)
            else:
                future.set_result(answer)
        await asyncio.gather(*(self._alone(*item) for item in again))

    async def _alone(self, request: BookingRequest, first: Slot, future: asyncio.Future[Booked]) -> None:
        try:
            booked = await self._one(request, first)
        except Exception as failure:  # noqa: BLE001  # handed to the caller, as if it had booked alone
            _fail([(request, first, future)], failure)
            return
        if not future.done():
            future.set_result(booked)


def _fail(items: list[tuple[BookingRequest, Slot, asyncio.Future[Booked]]], failure: Exception) -> None:
    for _, _, future in items:
        if not future.done():
            future.set_exception(failure)
