"""PostgreSQL only: the plans vaxbook_book keeps for a connection's life (migration 0013).

PL/pgSQL and the foreign-key checks cache their plans per connection. A rush opens on a
fresh ledger, whose booking tables were analysed empty: plans made then must still be
index looks when the tables have grown, or every booking scans every booking before it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time

import asyncpg
import pytest

from tests import backends

_FIRST_DAY = date(2021, 7, 26)
_SECOND_DAY = date(2021, 9, 6)  # 42 days later


@pytest.fixture
async def fresh_ledger() -> AsyncIterator[str]:
    """A migrated ledger with one clinic, a first-dose slot and its second-dose slot, analysed
    while bookings, keys, messages and contacts are empty (as the rush's ledger is)."""
    url = await backends.create_database()
    db = await asyncpg.connect(url)
    try:
        await db.execute(
            "INSERT INTO clinics (id, name, sido, sigungu, address, key_hash)"
            " VALUES ('C1', 'Clinic', 'Seoul', 'Jongno-gu', 'Street 1', 'x')"
        )
        for day, first, second in ((_FIRST_DAY, 100, 0), (_SECOND_DAY, 0, 100)):
            await db.execute(
                "INSERT INTO slots (clinic_id, day, start, \"end\", vaccine_id, first_capacity,"
                " second_capacity) VALUES ('C1', $1, $2, $3, 'pfizer', $4, $5)",
                day, time(10, 0), time(10, 30), first, second,
            )
        await db.execute(
            "INSERT INTO shares (slot_id, grp, capacity)"
            " SELECT id, 3, first_capacity FROM slots WHERE day = $1",
            _FIRST_DAY,
        )
        await db.execute("VACUUM ANALYZE")
    finally:
        await db.close()
    yield url
    await backends.drop_database(url)


async def _book(db: asyncpg.Connection, n: int, slot: int) -> None:
    at = datetime(2021, 7, 19, 20, 0, tzinfo=UTC)
    await db.fetchrow(
        "SELECT * FROM vaxbook_book($1, 'H*D', '1990-01-03', $2, ARRAY[3]::smallint[], true, '{}'::bigint[],"
        " $3, 'C1', 'pfizer', 600, 'key', 'book:1', $4, $5, 'sealed', ARRAY['booked', 'reminder'],"
        " ARRAY[NULL, 2]::smallint[], ARRAY[$4, $4]::timestamptz[])",
        f"person-{n}", slot, _SECOND_DAY, at, f"VB{n:04d}",
    )


async def test_booking_plans_made_on_an_empty_ledger_use_the_indexes(fresh_ledger: str) -> None:
    """Past the planner's first custom plans, no booking's looks or checks scan bookings or keys."""
    db = await asyncpg.connect(fresh_ledger)
    plans: list[str] = []
    try:
        slot = await db.fetchval("SELECT id FROM slots WHERE day = $1", _FIRST_DAY)
        # auto_explain (shipped with PostgreSQL) sends the plan of every statement the function
        # runs, and of the foreign-key checks its inserts fire, to this client as LOG messages.
        await db.execute("LOAD 'auto_explain'")
        await db.execute(
            "SET auto_explain.log_min_duration = 0; SET auto_explain.log_nested_statements = on;"
            " SET client_min_messages = log"
        )
        db.add_log_listener(lambda _connection, message: plans.append(message.message))
        for n in range(8):  # PostgreSQL settles on a cached generic plan after five custom ones
            await _book(db, n, slot)
    finally:
        await db.close()
    assert any("idempotency" in plan for plan in plans)  # the plans were seen
    scans = [plan for plan in plans if "Seq Scan on bookings" in plan or "Seq Scan on idempotency" in plan]
    assert scans == []
