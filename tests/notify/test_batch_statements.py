"""PostgreSQL only (SQLite is in-process: no round trips): a claimed batch costs four statements.

The statements are counted as the driver sends them (asyncpg's query logger) on a dispatcher
whose pool has one connection, so every statement it sends is seen.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from asyncpg.connection import LoggedQuery

from tests.conftest import ManualClock, needs_cluster
from tests.notify.kit import RecordingChannel, book_many, clinic_with_room, dispatcher
from vaxbook.adapters.postgres.ledger import PostgresLedger
from vaxbook.bootstrap import Container, build
from vaxbook.config import Settings
from vaxbook.domain.notices import NoticeState


@needs_cluster
@pytest.mark.parametrize("backend", ["postgres+redis"])
async def test_a_batch_of_two_and_a_batch_of_twenty_cost_the_same_four_statements(
    services: Container, settings: Settings, clock: ManualClock
) -> None:
    """Claim, bookings, contacts, settle: four statements for 2 messages and for 20; all sent, sent_at set."""
    await clinic_with_room(services)
    await book_many(services, 24)
    worker = build(settings.model_copy(update={"pool_size": 1}), clock)
    await worker.start()
    try:
        ledger = worker.ledger
        assert isinstance(ledger, PostgresLedger)
        sent: list[str] = []

        async def listen(db: Any) -> None:
            db.add_query_logger(lambda query: sent.append(_first_words(query)))

        await ledger.one_statement(listen)  # the pool's one connection, kept with its logger
        channel = RecordingChannel()
        # The first batch on a connection also has the driver look up the bigint[] and
        # timestamptz[] codecs once (three statements, kept for the connection's life).
        # asyncpg hands each statement to the logger in a callback of the next loop turn: one
        # turn after each batch, so its last statement is counted with it, not with the next.
        assert await dispatcher(worker, [channel], batch=2).run_once() == 2
        await asyncio.sleep(0)
        sent.clear()
        assert await dispatcher(worker, [channel], batch=2).run_once() == 2
        await asyncio.sleep(0)
        small, sent[:] = list(sent), []
        assert await dispatcher(worker, [channel], batch=20).run_once() == 20
        await asyncio.sleep(0)
        assert small == sent == ["UPDATE outbox", "SELECT b.id,", "SELECT person_key,", "UPDATE outbox"]
        sent_with_time = await ledger.one_statement(lambda db: db.fetchval(
            "SELECT COUNT(*) FROM outbox WHERE state = 'sent' AND sent_at IS NOT NULL"))
    finally:
        await worker.stop()
    assert len(channel.letters) == 24 and sent_with_time == 24
    assert (await services.outbox.counts())[NoticeState.SENT] == 24


def _first_words(query: LoggedQuery) -> str:
    return " ".join(query.query.split()[:2])
