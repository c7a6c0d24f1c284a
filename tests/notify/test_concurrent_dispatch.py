"""Several dispatchers at once, each with its own ledger connection(s): every message exactly once."""

from __future__ import annotations

import asyncio
from collections import Counter

from tests.conftest import ManualClock
from tests.notify.kit import RecordingChannel, book_many, clinic_with_room, dispatcher
from vaxbook.bootstrap import Container, build
from vaxbook.config import Settings
from vaxbook.domain.notices import NoticeState

DISPATCHERS = 6
BOOKINGS = 60


async def test_concurrent_dispatchers_never_deliver_one_message_twice(
    services: Container, settings: Settings, clock: ManualClock
) -> None:
    """Six dispatchers on six pools (PostgreSQL: SKIP LOCKED; SQLite: BEGIN IMMEDIATE) share 60 messages."""
    await clinic_with_room(services)
    await book_many(services, BOOKINGS)
    channel = RecordingChannel()
    workers: list[Container] = [build(settings, clock) for _ in range(DISPATCHERS)]
    for worker in workers:
        await worker.start()
    try:
        async def drain(worker: Container) -> None:
            run = dispatcher(worker, [channel], batch=3)
            while await run.run_once():
                await asyncio.sleep(0)

        await asyncio.gather(*(drain(worker) for worker in workers))
    finally:
        for worker in workers:
            await worker.stop()
    keys = Counter(letter.idempotency_key for letter in channel.letters)
    assert len(keys) == BOOKINGS and set(keys.values()) == {1}
    assert (await services.outbox.counts())[NoticeState.SENT] == BOOKINGS
