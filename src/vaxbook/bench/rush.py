"""`vaxbook rush`: prepare a ledger, measure its ceiling, start the server, drive the rush, check.

Load goes only to 127.0.0.1; every loop is bounded in count and time and stops by itself.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import platform
import secrets
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psutil
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from vaxbook.bench import ceiling as db_ceiling
from vaxbook.bench.correctness import check_ledger
from vaxbook.bench.generator import WorkerPlan, worker_main
from vaxbook.bench.ledger_rows import read_snapshot, sqlite_path
from vaxbook.bench.population import InventoryPlan, load_inventory, plan_inventory
from vaxbook.bench.report import Report, RunFacts, build_report
from vaxbook.bench.server import Server, backend_cpu_seconds
from vaxbook.bench.tally import Tally
from vaxbook.config import Settings
from vaxbook.demo import demo_campaign, write_demo_campaign
from vaxbook.domain.campaign import load_campaign
from vaxbook.domain.rotation import main_windows


@dataclass(frozen=True)
class RushOptions:
    mode: str = "journey"  # journey | booking | status
    people: int = 5000
    connections: int = 256
    ramp_seconds: float = 0.0
    admission_rate: float = 1000.0
    workers: int = 1
    generators: int = 1
    database_url: str = "sqlite:///var/bench/rush.db"
    redis_url: str | None = None
    clinics: int = 300
    stock_ratio: float = 1.5
    max_seconds: float = 120.0
    status_seconds: float = 10.0
    pgbench_seconds: int = 10
    pgbench_clients: int = 16
    pgbench_batch: int = 0  # >1: also measure this many bookings per transaction
    port: int = 0
    work_dir: Path = Path("var/bench")
    command: str = ""


def _machine() -> str:
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = psutil.virtual_memory().total / 2**30
    return f"{psutil.cpu_count()} cores ({model}), {memory:.0f} GiB, Python {platform.python_version()}"


async def _prepare_postgres(url: str) -> None:
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


def _drive(options: RushOptions, plans: list[WorkerPlan], console: Console) -> Tally:
    """Start the generator processes and show progress until they are all done."""
    context = multiprocessing.get_context("spawn")
    finished = context.Value("i", 0)
    results = context.Queue()
    processes = [context.Process(target=worker_main, args=(p, finished, results)) for p in plans]
    for process in processes:
        process.start()
    tally = Tally()
    columns = (TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task(f"{options.mode}: people done", total=options.people)
        received = 0
        while received < len(processes):
            progress.update(task, completed=finished.value)
            while not results.empty():
                tally.merge(results.get())
                received += 1
            if received < len(processes) and not any(p.is_alive() for p in processes) and results.empty():
                raise RuntimeError("a load-generator process died without a result")
            time.sleep(0.2)
    for process in processes:
        process.join(timeout=10)
    return tally


def run_rush(options: RushOptions, console: Console) -> Report:
    """One whole run: ledger, ceiling, server, rush, correctness, report."""
    run = secrets.token_hex(3)
    options.work_dir.mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC)
    campaign_info = demo_campaign(now)
    campaign_file = options.work_dir / "rush-campaign.toml"
    write_demo_campaign(campaign_file, campaign_info)
    campaign = load_campaign(campaign_file)
    window = next(w for w in main_windows(campaign) if w.is_open(now))
    group = campaign_info.open_group
    postgres = options.database_url.startswith("postgres")
    if postgres:
        console.print(f"recreating {options.database_url}")
        asyncio.run(_prepare_postgres(options.database_url))
    else:
        for suffix in ("", "-wal", "-shm"):
            Path(sqlite_path(options.database_url) + suffix).unlink(missing_ok=True)
    runs = 2 if options.pgbench_batch > 1 else 1  # room for pgbench at 20,000 bookings/s, to spare
    pgbench_places = 20_000 * options.pgbench_seconds * runs if postgres and options.pgbench_seconds else 0
    inventory = plan_inventory(options.people, options.clinics, options.stock_ratio, pgbench_places)
    secret = secrets.token_hex(32)
    settings = Settings(
        database_url=options.database_url,
        redis_url=options.redis_url,
        campaign_file=campaign_file,
        secret=secret,
    )
    console.print(
        f"loading {inventory.clinics} clinics, {inventory.slots:,} first-dose slots, "
        f"{inventory.group_places:,} places for group {group}"
    )
    asyncio.run(_load(settings, inventory, now + timedelta(days=1)))
    found_ceiling = batched = None
    if postgres and options.pgbench_seconds and options.mode != "status":
        slots = asyncio.run(db_ceiling.prepare(options.database_url, group))
        console.print(
            f"pgbench: the booking transaction, {options.pgbench_clients} clients, "
            f"{options.pgbench_seconds} s, over {slots:,} slots"
        )
        found_ceiling = db_ceiling.run_pgbench(
            options.database_url, group, slots, options.pgbench_clients, options.pgbench_seconds
        )
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
    env = {
        "VAXBOOK_DATABASE_URL": options.database_url,
        "VAXBOOK_CAMPAIGN_FILE": str(campaign_file),
        "VAXBOOK_SECRET": secret,
        "VAXBOOK_ADMISSION_RATE": str(options.admission_rate),
        "VAXBOOK_REDIS_PREFIX": f"vaxbook-bench:{run}:",
    }
    if options.redis_url:
        env["VAXBOOK_REDIS_URL"] = options.redis_url
    server = Server(options.port, options.workers, env, options.work_dir / "server.log")
    server.start()
    share, extra = divmod(options.people, options.generators)
    base = WorkerPlan(
        mode=options.mode,
        base_url=server.url,
        first_index=0,
        people=0,
        connections=max(options.connections // options.generators, 1),
        ramp_seconds=options.ramp_seconds,
        max_seconds=options.max_seconds,
        group=group,
        run=run,
        secret=secret,
        line_id=window.id,
        slot_ids=slot_ids,
        status_seconds=options.status_seconds,
    )
    plans, first = [], 0
    for g in range(options.generators):
        count = share + (1 if g < extra else 0)
        plans.append(replace(base, first_index=first, people=count))
        first += count
    try:
        server_cpu, backend_cpu = server.cpu_seconds(), backend_cpu_seconds()
        psutil.cpu_percent(None)
        tally = _drive(options, plans, console)
        machine_busy = psutil.cpu_percent(None)
        server_cpu = server.cpu_seconds() - server_cpu
        backend_cpu = backend_cpu_seconds() - backend_cpu
    finally:
        server.stop()
    elapsed = (tally.last_done or time.time()) - (tally.first_start or time.time())
    violations = []
    if options.mode != "status":
        snapshot = asyncio.run(read_snapshot(options.database_url))
        violations = check_ledger(
            snapshot,
            set(tally.confirmed),
            interval_days={v.id: v.interval_days for v in campaign.vaccines},
            main_period=window.group is not None,
        )
    facts = RunFacts(
        date=now.strftime("%Y-%m-%d %H:%M UTC"),
        mode=options.mode,
        backend="PostgreSQL + Redis"
        if postgres and options.redis_url
        else ("PostgreSQL" if postgres else "SQLite, in-process gate"),
        people=options.people,
        server_workers=options.workers,
        generator_processes=options.generators,
        connections=options.connections,
        arrival="all at opening" if not options.ramp_seconds else f"ramp over {options.ramp_seconds:g} s",
        admission_rate=options.admission_rate,
        machine=_machine(),
        elapsed_seconds=round(elapsed, 2),
        generator_cpu_seconds=round(tally.cpu_seconds, 2),
        server_cpu_seconds=round(server_cpu, 2),
        backend_cpu_seconds=round(backend_cpu, 2),
        machine_cpu_percent=machine_busy,
        cores=psutil.cpu_count() or 1,
        command=options.command,
    )
    return build_report(facts, tally, found_ceiling, violations, batched)


def pgbench_available() -> bool:
    return shutil.which("pgbench") is not None
