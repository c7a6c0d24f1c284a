"""`vaxbook-bench`: the `rush` and `simulate` commands, beside the product's `vaxbook` command."""

from __future__ import annotations

import json
import shlex
import signal
import sys
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(
    help="vaxbook-bench: drive a national-opening rush against vaxbook and model its capacity.",
    no_args_is_help=True,
)
console = Console()
POST_ADMISSION_STEPS = ("regions", "districts", "clinics", "slots", "book", "booking_me")


@app.command()
def rush(
    mode: str = typer.Option(
        "journey",
        help="journey (every step) | booking (booking endpoint only, "
        "pre-issued admission passes) | status (line status only, one person each)",
    ),
    people: int = typer.Option(5000, min=1, max=2_000_000, help="virtual people"),
    concurrency: int = typer.Option(256, min=1, help="HTTP requests in flight at most (all generators)"),
    ramp: float = typer.Option(0.0, min=0, help="arrivals spread over this many seconds; 0: all at opening"),
    admission_rate: float = typer.Option(1000.0, min=0.01, help="people the line admits per second"),
    workers: int = typer.Option(1, min=1, help="server worker processes (more than 1 needs --redis-url)"),
    generators: int = typer.Option(1, min=1, help="load-generator processes"),
    database_url: str = typer.Option(
        "sqlite:///var/bench/rush.db",
        help="the run's ledger, dropped and recreated: sqlite:///... or "
        "postgresql://postgres@127.0.0.1:5432/vaxbook_bench",
    ),
    redis_url: str | None = typer.Option(None, help="redis://127.0.0.1:6379/0 (cluster mode)"),
    clinics: int = typer.Option(300, min=17, help="synthetic clinics"),
    stock_ratio: float = typer.Option(1.5, min=0.1, help="places in the open group's shares per person"),
    max_seconds: float = typer.Option(120.0, min=1, max=3600, help="the generator stops after this"),
    status_seconds: float = typer.Option(
        10.0, min=1, max=600, help="status mode: how long each person polls"
    ),
    pgbench_seconds: int = typer.Option(
        10, min=0, max=600, help="database ceiling run (PostgreSQL); 0: skip"
    ),
    pgbench_clients: int = typer.Option(16, min=1, max=200, help="pgbench connections"),
    pgbench_batch: int = typer.Option(0, min=0, max=64, help="also pgbench N bookings per transaction"),
    url: str | None = typer.Option(
        None,
        help="target this running server (http://127.0.0.1:PORT) instead of starting one; "
        "--database-url must then be its ledger, which is not recreated",
    ),
    secret: str | None = typer.Option(
        None, help="SECRET, when the target runs with VAXBOOK_PEPPER and VAXBOOK_SIGNING_KEYS"
        " both `bench:SECRET` (booking and status modes)",
    ),
    port: int = typer.Option(0, help="port of the server started on 127.0.0.1; 0: any free port"),
    json_out: Path = typer.Option(Path("var/bench/rush-report.json"), "--json", help="report as JSON"),
) -> None:
    """Drive a national-opening rush over HTTP, check the ledger, and report (fails on any violation)."""
    try:
        from vaxbook_bench.options import RushOptions  # noqa: PLC0415  # heavy imports on use only
        from vaxbook_bench.report import print_report, write_json  # noqa: PLC0415  # as above
        from vaxbook_bench.rush import run_rush  # noqa: PLC0415  # as above
    except ModuleNotFoundError as missing:  # the product's install leaves the generator's libraries out
        console.print(f"{missing.name} is missing: pip install 'vaxbook[bench]'", markup=False)
        raise typer.Exit(2) from missing

    if mode not in ("journey", "booking", "status"):
        raise typer.BadParameter("journey, booking or status", param_hint="--mode")
    if workers > 1 and not redis_url:
        raise typer.BadParameter(
            "more than one worker needs a shared gate: --redis-url", param_hint="--workers"
        )
    options = RushOptions(
        mode=mode,
        people=people,
        connections=concurrency,
        ramp_seconds=ramp,
        # status mode keeps everyone waiting, so only the status answer is measured
        admission_rate=0.01 if mode == "status" else admission_rate,
        workers=workers,
        generators=generators,
        database_url=database_url,
        redis_url=redis_url,
        clinics=clinics,
        stock_ratio=stock_ratio,
        max_seconds=max_seconds,
        status_seconds=status_seconds,
        pgbench_seconds=pgbench_seconds,
        pgbench_clients=pgbench_clients,
        pgbench_batch=pgbench_batch,
        url=url,
        secret=secret,
        port=port,
        command="vaxbook-bench " + shlex.join(sys.argv[1:]),
    )
    # a `timeout` or Ctrl-C still stops the server this command started
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    report = run_rush(options, console)
    print_report(report, console)
    write_json(report, json_out)
    console.print(f"report written to {json_out}")
    if not report.correct:
        raise typer.Exit(1)


@app.command()
def wrk(
    people: int = typer.Option(200, min=1, max=100_000, help="people waiting in line (status answers)"),
    connections: int = typer.Option(64, min=1, max=1024, help="wrk connections"),
    seconds: float = typer.Option(5.0, min=1, max=60, help="each wrk run lasts this long"),
    workers: int = typer.Option(1, min=1, help="server worker processes (more than 1 needs --redis-url)"),
    database_url: str = typer.Option("sqlite:///var/bench/wrk.db", help="the run's ledger (recreated)"),
    redis_url: str | None = typer.Option(None, help="redis://127.0.0.1:6379/0 (cluster mode)"),
    clinics: int = typer.Option(200, min=17, help="synthetic clinics"),
    endpoints: str = typer.Option("status,booking,anchors", help="which runs, comma-separated: "
                                  "status, booking, anchors"),
    pgbench_seconds: int = typer.Option(0, min=0, max=600, help="the database ceiling first (PostgreSQL),"
                                        " set beside the booking run; 0: skip"),
    pgbench_batch: int = typer.Option(0, min=0, max=64, help="also pgbench N bookings per transaction"),
    json_out: Path = typer.Option(Path("var/bench/wrk.json"), "--json", help="report as JSON"),
) -> None:
    """Line status and booking driven by wrk, with a bare ASGI and a bare FastAPI anchor: CPU per answer."""
    from vaxbook_bench.options import RushOptions  # noqa: PLC0415  # as above
    from vaxbook_bench.wrk import ENDPOINTS, print_report, run_wrk_bench  # noqa: PLC0415  # as above

    chosen = tuple(e.strip() for e in endpoints.split(",") if e.strip())
    if not chosen or any(e not in ENDPOINTS for e in chosen):
        raise typer.BadParameter(f"choose from {', '.join(ENDPOINTS)}", param_hint="--endpoints")
    options = RushOptions(people=people, connections=connections, workers=workers, database_url=database_url,
                          redis_url=redis_url, clinics=clinics, work_dir=json_out.parent,
                          pgbench_seconds=pgbench_seconds, pgbench_batch=pgbench_batch,
                          command="vaxbook-bench wrk " + " ".join(sys.argv[2:]))
    report = run_wrk_bench(options, console, seconds, chosen)
    print_report(report, console)
    json_out.write_text(json.dumps(report, indent=2))
    if not report["ledger_matches_answers"]:
        raise typer.Exit(1)


@app.command()
def cluster(
    people: int = typer.Option(1200, min=10, max=100_000, help="virtual people in the failover rush"),
    ramp: float = typer.Option(20.0, min=0, help="arrivals spread over this many seconds"),
    admission_rate: float = typer.Option(40.0, min=0.1, help="people the line admits per second"),
    kill_node_at: float = typer.Option(8.0, min=0, help="seconds into the rush: SIGKILL one app node"),
    fail_redis_at: float = typer.Option(14.0, min=0, help="seconds into the rush: SIGKILL the line's"
                                        " Redis primary (its replica takes over)"),
    postgres: str = typer.Option("postgresql://postgres@127.0.0.1:5432",
                                 help="the PostgreSQL server; the run makes (and drops) its own database"),
    keep_database: bool = typer.Option(False, help="keep the run's database for inspection"),
    json_out: Path = typer.Option(Path("var/cluster/report.json"), "--json", help="report as JSON"),
) -> None:
    """3-primary Redis Cluster, PostgreSQL, three app nodes behind nginx; a rush with an app node killed
    and a Redis primary failed over; fails unless every booking and every place survived."""
    from vaxbook_bench.cluster import ClusterOptions, print_cluster_report, run_cluster  # noqa: PLC0415

    if fail_redis_at < kill_node_at:
        raise typer.BadParameter("the Redis failover comes after the node kill", param_hint="--fail-redis-at")
    options = ClusterOptions(people=people, ramp_seconds=ramp, admission_rate=admission_rate,
                             kill_node_at=kill_node_at, fail_redis_at=fail_redis_at, postgres=postgres,
                             keep_database=keep_database,
                             command="vaxbook-bench " + shlex.join(sys.argv[1:]))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # a `timeout` still stops what it started
    result = run_cluster(options, console)
    report = print_cluster_report(options, result, console)
    json_out.parent.mkdir(parents=True, exist_ok=True)
    json_out.write_text(json.dumps(report, indent=2))
    console.print(f"report written to {json_out}")
    if result.violations:
        raise typer.Exit(1)


@app.command()
def bars(
    directory: Path = typer.Option(Path("var/bench"), "--dir", help="where `make bench` wrote its reports"),
) -> None:
    """Issue 9's bars from one `make bench`'s reports, each CPU figure also in that run's anchors."""
    from vaxbook_bench.bars import drift, fastapi_anchor_us, load, rows  # noqa: PLC0415  # as above

    reports = load(directory)
    table = Table("figure", "bar", "measured", "in bare FastAPI answers", "")
    for row in rows(reports):
        table.add_row(*row)
    console.print(table)
    anchor = fastapi_anchor_us(reports)
    console.print(f"bare FastAPI answer (step 4): {anchor:g} us of server CPU" if anchor
                  else "no anchors (step 4's wrk.json) in " + str(directory))
    moved = drift(reports)
    if moved is not None:
        console.print(moved, markup=False)


@app.command()
def simulate(
    people: int = typer.Option(2_000_000, min=1, help="people arriving"),
    admission_rate: float = typer.Option(2_000_000 / 3600, min=0.01, help="people admitted per second"),
    ramp: float = typer.Option(0.0, min=0, help="arrivals spread over this many seconds; 0: all at once"),
    report: Path | None = typer.Option(
        None, help="a journey-mode rush report (JSON): per-machine rate and journey time are taken from it"
    ),
    machines: int = typer.Option(1, min=1, help="machines like the measured one"),
    cohort: int = typer.Option(13_500_000, min=1, help="the whole cohort to serve"),
) -> None:
    """Predict waits and the time to serve everyone; reproduce the 2021 estimate; machines needed."""
    from vaxbook_bench.capacity import (  # noqa: PLC0415  # as above
        Scenario,
        hours_to_serve,
        machines_needed,
        predict,
        rate_for_max_wait,
    )

    machine_rate, journey, alone = None, 0.0, None
    if report is not None:
        measured = json.loads(report.read_text(encoding="utf-8"))
        machine_rate = float(measured["figures"]["people_completed_per_second"]) or None
        steps = [s for s in measured["steps"] if s["step"] in POST_ADMISSION_STEPS]
        journey = sum((s["p50_ms"] or 0) / 1000 for s in steps)
        console.print(
            "measured per-step costs (p50 ms): " + ", ".join(f"{s['step']} {s['p50_ms']}" for s in steps)
        )
        alone = machine_alone_rate(measured)
    scenario = Scenario(people, admission_rate, ramp, journey, machine_rate, machines)
    found = predict(scenario)
    table = Table("", "value")
    table.add_row(
        "people, arrival", f"{people:,}, " + ("all at once" if not ramp else f"ramp over {ramp:g} s")
    )
    table.add_row("admission rate", f"{admission_rate:,.1f}/s ({admission_rate * 3600:,.0f}/h)")
    if machine_rate:
        table.add_row("measured machine rate", f"{machine_rate:,.1f} people/s x {machines} machine(s)")
    table.add_row("served at", f"{found.served_per_second:,.1f}/s, limited by {found.limited_by}")
    for name, value in (
        ("wait p50", found.wait_p50_seconds),
        ("wait p95", found.wait_p95_seconds),
        ("wait max", found.wait_max_seconds),
        ("mean wait", found.mean_wait_seconds),
        ("everyone booked after", found.everyone_served_seconds),
    ):
        table.add_row(name, f"{value / 60:,.1f} min")
    console.print(table)
    console.print(
        "2021 briefing: 2,000,000 at once at about 2,000,000/h -> waits 35-50 min. The model gives a "
        f"uniform wait from 0 to {2_000_000 / (2_000_000 / 3600) / 60:.0f} min (median 30). The briefing's "
        f"35-50 min is the last person's wait at {rate_for_max_wait(2_000_000, 50 * 60) * 3600:,.0f}"
        f"-{rate_for_max_wait(2_000_000, 35 * 60) * 3600:,.0f}/h, or at 2,000,000/h the wait of the "
        "58th-83rd percentile; it reads as a typical wait with the system running a little above 2 M/h."
    )
    target = 2_000_000 / 3600
    if machine_rate:
        needed = machines_needed(target, machine_rate)
        console.print(
            f"machines like this one for 2,000,000 people/h: {needed}; the cohort of {cohort:,} "
            f"then takes {hours_to_serve(cohort, target):.2f} h of booking "
            f"({hours_to_serve(cohort, machine_rate * needed):.2f} h at {needed} machines' full rate)"
        )
        if alone:
            console.print(
                f"without the load generator and other jobs on it, one machine would serve about "
                f"{alone:.1f} people/s (its cores over the server's and the databases' CPU per person): "
                f"{machines_needed(target, alone)} machines for 2,000,000 people/h"
            )
    else:
        console.print(
            f"the cohort of {cohort:,} at {admission_rate * 3600:,.0f}/h takes "
            f"{hours_to_serve(cohort, found.served_per_second):.2f} h; pass --report for machines"
        )


def machine_alone_rate(measured: dict[str, Any]) -> float | None:
    """People per second if the machine's cores served only the server, PostgreSQL and Redis."""
    facts, completed = measured["facts"], measured["figures"]["people_completed"]
    spent = facts["server_cpu_seconds"] + facts["backend_cpu_seconds"]
    return facts["cores"] * completed / spent if completed and spent else None
