"""Before a rush: a fresh ledger with inventory, and the database's ceiling measured on it."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

from rich.console import Console

from vaxbook.config import Settings
from vaxbook_bench import ceiling as db_ceiling
from vaxbook_bench.ledger_rows import read_snapshot, sqlite_path
from vaxbook_bench.modes import BENCH_KEY_ID
from vaxbook_bench.options import RushOptions
from vaxbook_bench.population import InventoryPlan, load_inventory, plan_inventory

WARM_UP_SECONDS = 2  # pgbench's minimal booking, before the measured runs


async def recreate_database(url: str) -> None:
    """Drop and recreate the run's database, then bring its schema up to date."""
    import asyncpg  # noqa: PLC0415  # only PostgreSQL runs need it here

    name = url.rsplit("/", 1)[1].split("?")[0]
    admin = await asyncpg.connect(url.rsplit("/", 1)[0] + "/postgres")
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    subprocess.run(
        [sys.executable, "-m", "vaxbook", "db", "upgrade", "--database-url", url],
        check=True,
        capture_output=True,
    )


async def _load(settings: Settings, plan: InventoryPlan, first_day: datetime) -> None:
    from vaxbook.bootstrap import build_ledger  # noqa: PLC0415  # registers every backend
    from vaxbook.services.clinics import ClinicService  # noqa: PLC0415  # as above

    ledger = build_ledger(settings)
    await ledger.open()
    try:
        await load_inventory(ClinicService(ledger), plan, first_day.date())
    finally:
        await ledger.close()
    if settings.database_url.startswith("postgres"):
        import asyncpg  # noqa: PLC0415  # only PostgreSQL runs need it here

        db = await asyncpg.connect(settings.database_url)
        try:
            await db.execute("ANALYZE")  # fresh statistics after a bulk load, as an operator would
        finally:
            await db.close()


async def _slot_ids(database_url: str, group: int) -> tuple[int, ...]:
    snapshot = await read_snapshot(database_url)
    return tuple(s.slot_id for s in snapshot.shares if s.group == group and s.capacity > 0)


def prepare_run(
    options: RushOptions, console: Console, group: int, now: datetime, campaign_file: Path, secret: str
) -> tuple[db_ceiling.Ceiling | None, db_ceiling.Ceiling | None, tuple[int, ...]]:
    """Recreate the ledger, load inventory, run pgbench; (ceiling, batched ceiling, slot ids)."""
    postgres = options.database_url.startswith("postgres")
    if postgres:
        console.print(f"recreating {options.database_url}")
        asyncio.run(recreate_database(options.database_url))
    else:
        for suffix in ("", "-wal", "-shm"):
            Path(sqlite_path(options.database_url) + suffix).unlink(missing_ok=True)
    # vaxbook_book, the minimal booking and the batched run: room for each at 20,000 bookings/s
    # (and for the warm-up).
    runs = 4 if options.pgbench_batch > 1 else 3
    pgbench_places = 20_000 * options.pgbench_seconds * runs if postgres and options.pgbench_seconds else 0
    inventory = plan_inventory(options.people, options.clinics, options.stock_ratio, pgbench_places)
    settings = Settings(
        database_url=options.database_url,
        redis_url=options.redis_url,
        campaign_file=campaign_file,
        pepper=f"{BENCH_KEY_ID}:{secret}",
    )
    console.print(
        f"loading {inventory.clinics} clinics, {inventory.slots:,} first-dose slots, "
        f"{inventory.group_places:,} places for group {group}"
    )
    asyncio.run(_load(settings, inventory, now + timedelta(days=1)))
    found_ceiling = batched = None
    if postgres and options.pgbench_seconds and options.mode != "status":
        slots = asyncio.run(db_ceiling.prepare(options.database_url, group))
        # Unmeasured: after a checkpoint, the first write to each page logs the whole page, so
        # whichever script ran first paid for every page of the slots and shares (1.8x once).
        db_ceiling.run_pgbench(options.database_url, group, slots, options.pgbench_clients,
                               WARM_UP_SECONDS, db_ceiling.MINIMAL)
        console.print(
            f"pgbench: the booking transaction, {options.pgbench_clients} clients, "
            f"{options.pgbench_seconds} s, over {slots:,} slots"
        )
        found_ceiling = db_ceiling.run_pgbench(
            options.database_url, group, slots, options.pgbench_clients, options.pgbench_seconds
        )
        console.print("pgbench: the minimal booking (two conditional updates, one insert), same run")
        minimal = db_ceiling.run_pgbench(
            options.database_url, group, slots, options.pgbench_clients, options.pgbench_seconds,
            db_ceiling.MINIMAL,
        )
        found_ceiling = replace(found_ceiling, minimal_bookings_per_second=minimal.bookings_per_second)
        if options.pgbench_batch > 1:
            console.print(f"pgbench: {options.pgbench_batch} bookings per transaction (group commit)")
            script = db_ceiling.batched_script(options.pgbench_batch, options.work_dir)
            batched = db_ceiling.run_pgbench(
                options.database_url,
                group,
                slots,
                options.pgbench_clients,
                options.pgbench_seconds,
                script,
                options.pgbench_batch,
            )
        asyncio.run(db_ceiling.undo(options.database_url))
    slot_ids = asyncio.run(_slot_ids(options.database_url, group)) if options.mode == "booking" else ()
    return found_ceiling, batched, slot_ids
