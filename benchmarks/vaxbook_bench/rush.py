"""`vaxbook-bench rush`: prepare a ledger, measure its ceiling, start the server, drive the rush, check.

Load goes only to 127.0.0.1; every loop is bounded in count and time and stops by itself.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import platform
import secrets
import shutil
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import psutil
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from vaxbook.demo import demo_campaign, write_demo_campaign
from vaxbook.domain.campaign import load_campaign
from vaxbook.domain.rotation import main_windows
from vaxbook_bench.ceiling import Ceiling
from vaxbook_bench.correctness import check_ledger
from vaxbook_bench.generator import WorkerPlan, worker_main
from vaxbook_bench.ledger_rows import read_snapshot
from vaxbook_bench.modes import BENCH_KEY_ID
from vaxbook_bench.options import RushOptions
from vaxbook_bench.prepare import prepare_run
from vaxbook_bench.report import Report, RunFacts, build_report
from vaxbook_bench.server import Server, backend_cpu_seconds
from vaxbook_bench.tally import Tally
from vaxbook_bench.target import OpenWindow, RunningServer, open_window


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


def drive(options: RushOptions, plans: list[WorkerPlan], console: Console) -> Tally:
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
    postgres = options.database_url.startswith("postgres")
    options.work_dir.mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC)
    secret = options.secret or secrets.token_hex(32)
    found_ceiling = batched = None
    slot_ids: tuple[int, ...] = ()
    known: set[str] = set()
    server: Server | RunningServer
    if options.url:
        server = RunningServer(options.url)
        window = open_window(options.url)
        if options.mode != "journey" and not options.secret:
            raise RuntimeError("booking and status modes sign credentials: pass the server's --secret"
                               " (started with the variables of `secret_env`)")
        snapshot = asyncio.run(read_snapshot(options.database_url))
        known = {b.id for b in snapshot.bookings}
        if options.mode == "booking":
            slot_ids = tuple(s.slot_id for s in snapshot.shares if s.group == window.group and s.capacity > 0)
    else:
        server, window, found_ceiling, batched, slot_ids = local_server(options, console, now, secret, run)
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
        group=window.group,
        run=run,
        secret=secret,
        line_id=window.line_id,
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
        tally = drive(options, plans, console)
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
            interval_days=window.interval_days,
            main_period=window.main_period,
            known_before=known,
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


# The whole crowd comes from this machine's one address: the per-address limits are lifted
# for the rehearsal's own server (every other limit stays as configured).
REHEARSAL_LIMITS = {"VAXBOOK_LIMIT_STARTS_PER_CLIENT": "off", "VAXBOOK_METHOD_SHARE_PER_CLIENT": "1000"}


def secret_env(secret: str) -> dict[str, str]:
    """The run's one secret as the server's pepper and signing and CSRF keys (id `bench`)."""
    value = f"{BENCH_KEY_ID}:{secret}"
    return {"VAXBOOK_PEPPER": value, "VAXBOOK_SIGNING_KEYS": value, "VAXBOOK_CSRF_KEYS": value}


def local_server(
    options: RushOptions, console: Console, now: datetime, secret: str, run: str,
) -> tuple[Server, OpenWindow, Ceiling | None, Ceiling | None, tuple[int, ...]]:
    """A fresh ledger with inventory, its pgbench ceiling, and a server (not yet started) on it."""
    env, window, found_ceiling, batched, slot_ids = prepare_local(options, console, now, secret, run)
    server = Server(options.port, options.workers, env, options.work_dir / "server.log")
    return server, window, found_ceiling, batched, slot_ids


def prepare_local(
    options: RushOptions, console: Console, now: datetime, secret: str, run: str,
) -> tuple[dict[str, str], OpenWindow, Ceiling | None, Ceiling | None, tuple[int, ...]]:
    """A fresh ledger with inventory and its pgbench ceiling; the environment a server runs on it with."""
    campaign_info = demo_campaign(now)
    campaign_file = options.work_dir / "rush-campaign.toml"
    write_demo_campaign(campaign_file, campaign_info)
    campaign = load_campaign(campaign_file)
    line = next(w for w in main_windows(campaign) if w.is_open(now))
    window = OpenWindow(
        line.id, campaign_info.open_group, True, {v.id: v.interval_days for v in campaign.vaccines}
    )
    found_ceiling, batched, slot_ids = prepare_run(options, console, window.group, now, campaign_file, secret)
    env = {
        "VAXBOOK_DATABASE_URL": options.database_url,
        "VAXBOOK_CAMPAIGN_FILE": str(campaign_file),
        **secret_env(secret),
        "VAXBOOK_DEV_MODE": "true",  # the simulated citizens read their codes from the answer
        "VAXBOOK_ADMISSION_RATE": str(options.admission_rate),
        "VAXBOOK_REDIS_PREFIX": f"vaxbook-bench:{run}:",
        **REHEARSAL_LIMITS,
    }
    if options.redis_url:
        env["VAXBOOK_REDIS_URL"] = options.redis_url
    return env, window, found_ceiling, batched, slot_ids
