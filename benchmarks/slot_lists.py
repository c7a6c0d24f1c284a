"""Server CPU per slot-list miss: the ledger's read and the answer's JSON, against a real PostgreSQL.

A clinic's slot list (GET /api/clinics/{clinic_id}/slots) is cached per worker for
`browse_cache_seconds`; at the rush's rate over 200 clinics nearly every request misses, so
its cost is the miss: `PostgresLedger.slots` and the JSON of the new list. For comparison it
also times one read of every slot's free places (all clinics at once), the alternative of
serving the lists from one read per worker per `browse_cache_seconds`. Loaded as the rush
bench loads its ledger (200 clinics, 56 first-dose slots each, 10 shares per slot). Each
figure is process CPU per call, best of 15 rounds of 400 calls, uvloop; the database's own
CPU is not in it. `SELECT 1` through the ledger's pool is the round trip every read pays.

Run: .venv/bin/python benchmarks/slot_lists.py [postgresql://postgres@127.0.0.1:5432/vaxbook_slot_lists]
(the database named is dropped and recreated)
"""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from typing import Any

import asyncpg
import uvloop

from vaxbook.adapters.postgres.ledger import PostgresLedger
from vaxbook.services.clinics import ClinicService
from vaxbook.web.api.hot_browse import slots_body
from vaxbook_bench.cpu_per_call import cpu_per_call, print_figures
from vaxbook_bench.population import load_inventory, plan_inventory

ROUNDS, CALLS = 15, 400  # many short rounds: the best of them is the quietest on a shared machine
CLINICS, GROUPS = 200, (3,)


async def _cpu_per_call(call: Callable[[], Awaitable[Any]], calls: int = CALLS) -> float:
    return await cpu_per_call(call, rounds=ROUNDS, calls=calls, warm=calls // 4)


async def _recreate(dsn: str) -> None:
    base, name = dsn.rsplit("/", 1)
    admin = await asyncpg.connect(base + "/postgres")
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()


async def main(dsn: str) -> None:
    await _recreate(dsn)
    first_day = date.today() + timedelta(days=1)
    loader = PostgresLedger(dsn, pool_size=2, migrate_on_start=True)
    await loader.open()
    clinics = await load_inventory(ClinicService(loader), plan_inventory(600, CLINICS, 1.5), first_day)
    await loader.close()
    db = await asyncpg.connect(dsn)
    await db.execute("ANALYZE")
    await db.close()

    ledger = PostgresLedger(dsn, pool_size=2)  # a worker's: its slot rows warmed at start
    await ledger.open()
    ids = [c.id for c in clinics]
    turn = iter(range(10**9))

    async def list_read() -> Any:
        return await ledger.slots(ids[next(turn) % len(ids)], GROUPS, first_day)

    async def list_read_and_json() -> Any:
        return slots_body(await list_read())

    async def every_slot_read() -> Any:
        return await ledger._fetch(  # the alternative's one read, as it would be sent
            "SELECT sh.slot_id, SUM(sh.capacity - sh.booked)::integer FROM shares sh JOIN slots s"
            " ON s.id = sh.slot_id WHERE sh.grp = ANY($1::smallint[]) AND s.day >= $2"
            " AND s.first_capacity > 0 GROUP BY sh.slot_id", list(GROUPS), first_day,
        )

    async def round_trip() -> Any:
        return await ledger._fetch("SELECT 1")

    rows = len(await list_read())
    figures = {
        "SELECT 1 through the ledger's pool (a round trip)": await _cpu_per_call(round_trip),
        f"ledger.slots, one clinic ({rows} slots)": await _cpu_per_call(list_read),
        "ledger.slots + the answer's JSON (a miss)": await _cpu_per_call(list_read_and_json),
        f"every clinic's slot frees, one read ({len(await every_slot_read())} rows)":
            await _cpu_per_call(every_slot_read, CALLS // 20),
    }
    await ledger.close()
    print_figures(figures, f".venv/bin/python benchmarks/slot_lists.py {dsn}")


if __name__ == "__main__":
    uvloop.run(main(sys.argv[1] if len(sys.argv) > 1 else "postgresql://postgres@127.0.0.1:5432/vaxbook_slot_lists"))
