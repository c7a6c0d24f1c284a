"""`vaxbook-bench wrk`: the single-request modes driven by wrk (C), with the two anchors beside them.

The Python generator tops out near 3,800 requests/s on this machine, so it cannot measure an
endpoint that answers faster. wrk (Debian's package) sends the requests, rotating one
credential per request from a file (benchmarks/wrk/rotate.lua), and the report gives the
server's CPU per answer (psutil, the serving processes only), which holds on a busy machine
where wall-clock rates do not. In the same run, on the same uvicorn settings, a bare ASGI
answer and a bare FastAPI answer are measured the same way: the anchors.

Load goes only to 127.0.0.1; each wrk run lasts `seconds` and stops by itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import resource
import secrets
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import psutil
from rich.console import Console

from vaxbook.adapters.signer import JwtSigner
from vaxbook.domain.credentials import AdmissionPass, Identity
from vaxbook.domain.identity import mask_name, parse_resident_number, person_key
from vaxbook.keys import KeyRing
from vaxbook_bench.ceiling import Ceiling
from vaxbook_bench.ledger_rows import read_snapshot
from vaxbook_bench.modes import BENCH_KEY_ID, NAME
from vaxbook_bench.options import RushOptions
from vaxbook_bench.population import citizen, group_birth_dates
from vaxbook_bench.rush import local_server
from vaxbook_bench.server import backend_cpu_seconds, free_port

# Passes signed per second of the booking run: none is used twice below this many bookings/s
# (a pass used again is answered 409, and shows in the codes).
PASSES_PER_SECOND = 4_000
SCRIPT = Path(__file__).parents[1] / "wrk" / "rotate.lua"


@dataclass(frozen=True)
class WrkRun:
    """One wrk run against one endpoint, and what it cost the server."""

    name: str
    connections: int
    seconds: float
    requests: int
    codes: dict[str, int]
    errors: int
    p50_ms: float
    p99_ms: float
    max_ms: float
    server_cpu_seconds: float
    backend_cpu_seconds: float
    wrk_cpu_seconds: float

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def server_cpu_us_per_answer(self) -> float:
        return 1e6 * self.server_cpu_seconds / self.requests if self.requests else 0.0

    @property
    def backend_cpu_us_per_answer(self) -> float:
        return 1e6 * self.backend_cpu_seconds / self.requests if self.requests else 0.0

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "per_second": round(self.per_second, 1),
                "server_cpu_us_per_answer": round(self.server_cpu_us_per_answer, 1),
                "backend_cpu_us_per_answer": round(self.backend_cpu_us_per_answer, 1)}


def cpu_seconds(processes: list[psutil.Process]) -> float:
    total = 0.0
    for process in processes:
        with contextlib.suppress(psutil.NoSuchProcess):
            times = process.cpu_times()
            total += times.user + times.system
    return total


def drive(name: str, url: str, mode: str, rows: Path, connections: int, seconds: float,
          processes: list[psutil.Process]) -> WrkRun:
    """One wrk run (one thread) of `seconds`, with the server's and wrk's CPU over it."""
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds:g}s", "--latency", "--timeout", "10s",
               "-s", str(SCRIPT), url, "--", mode, str(rows)]
    server_before, backend_before = cpu_seconds(processes), backend_cpu_seconds()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    server_cpu, backend_cpu = cpu_seconds(processes) - server_before, backend_cpu_seconds() - backend_before
    found = next((line for line in done.stdout.splitlines() if line.startswith("WRK_JSON ")), None)
    if found is None:
        raise RuntimeError(f"wrk printed no summary: {done.stdout}\n{done.stderr}")
    figures = json.loads(found.removeprefix("WRK_JSON "))
    return WrkRun(
        name=name, connections=connections, seconds=round(figures["seconds"], 3),
        requests=figures["requests"], codes=figures["codes"], errors=figures["errors"] + figures["timeouts"],
        p50_ms=figures["p50_ms"], p99_ms=figures["p99_ms"], max_ms=figures["max_ms"],
        server_cpu_seconds=round(server_cpu, 3), backend_cpu_seconds=round(backend_cpu, 3),
        wrk_cpu_seconds=round((after.ru_utime + after.ru_stime) - (children.ru_utime + children.ru_stime), 3),
    )


@contextlib.contextmanager
def anchor_server(kind: str, log: Path) -> Iterator[tuple[str, list[psutil.Process]]]:
    """A bare anchor app (vaxbook_bench.anchors) on uvicorn, one worker, on 127.0.0.1."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "vaxbook_bench.anchors", kind, str(port)],
                                   stdout=out, stderr=subprocess.STDOUT)
    try:
        until = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(url + "/", timeout=2):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > until:
                    raise RuntimeError(f"the {kind} anchor did not start; see {log}") from None
                time.sleep(0.1)
        yield url, [psutil.Process(process.pid)]
    finally:
        process.terminate()
        process.wait(timeout=20)


def _signer(secret: str) -> JwtSigner:
    return JwtSigner(KeyRing.single(BENCH_KEY_ID, secret.encode()), time.time)


async def _join_all(url: str, identities: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Each person joins the line once (32 at a time); their (device, ticket)."""
    limit = asyncio.Semaphore(32)
    async with aiohttp.ClientSession() as http:
        async def join(device: str, token: str) -> tuple[str, str]:
            async with limit, http.post(url + "/api/line/join", headers={
                    "Authorization": f"Bearer {token}", "X-Device-Id": device}) as answer:
                body = await answer.json()
                if answer.status != 200:
                    raise RuntimeError(f"join refused: {answer.status} {body}")
                return device, str(body["ticket"])
        return list(await asyncio.gather(*(join(d, t) for d, t in identities)))


def status_rows(url: str, secret: str, group: int, run: str, people: int, path: Path) -> Path:
    """`people` waiting tickets, got by joining the line over HTTP as the journey does."""
    signer, births, now = _signer(secret), group_birth_dates(group), time.time()
    identities = []
    for index in range(people):
        person = citizen(index, births, run)
        number = parse_resident_number(person.number)
        identities.append((person.device, signer.sign(Identity(
            person=person_key(number, secret.encode()), device=person.device,
            birth=number.birth_date.isoformat(), name=mask_name(NAME), iat=now, exp=now + 3600))))
    rows = asyncio.run(_join_all(url, identities))
    path.write_text("".join(f"{device}\t{ticket}\n" for device, ticket in rows))
    return path


def booking_rows(secret: str, group: int, line: str, slots: tuple[int, ...], run: str, people: int,
                 first: int, path: Path) -> Path:
    """`people` pre-issued admission passes, each with a random slot and its own Idempotency-Key."""
    signer, births, pick = _signer(secret), group_birth_dates(group), secrets.SystemRandom()
    lines = []
    for index in range(first, first + people):
        person = citizen(index, births, run)
        number = parse_resident_number(person.number)
        admission = signer.sign(AdmissionPass(
            person=person_key(number, secret.encode()), device=person.device, line=line, groups=[group],
            birth=number.birth_date.isoformat(), name=mask_name(NAME), exp=time.time() + 3600))
        lines.append(f"{person.device}\t{admission}\t{pick.choice(slots)}\twrk-{run}-{index}\n")
    path.write_text("".join(lines))
    return path


ENDPOINTS = ("status", "booking", "anchors")


def run_wrk_bench(options: RushOptions, console: Console, seconds: float,
                  endpoints: tuple[str, ...] = ENDPOINTS) -> dict[str, Any]:
    """Status and booking through wrk on one fresh server, then the two anchors, in one run.

    With `options.pgbench_seconds`, pgbench first measures the ledger's booking ceiling on the
    same database (vaxbook_bench.ceiling), and the report sets the booking run beside it: the
    booking endpoint's ratio to the ceiling, with a C generator that leaves the cores to the
    server and the database (issue 9 point 1)."""
    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is not installed: `make bench` installs Debian's wrk")
    run, secret, now = secrets.token_hex(3), secrets.token_hex(32), datetime.now(UTC)
    options.work_dir.mkdir(parents=True, exist_ok=True)
    # A slow line, so the status answers are those of people waiting (the bar's case).
    passes_count = int(PASSES_PER_SECOND * seconds)
    prepared = replace(options, mode="booking", admission_rate=0.01, people=max(options.people, passes_count))
    server, window, ceiling, _, slots = local_server(prepared, console, now, secret, run)
    runs: list[WrkRun] = []
    tickets = options.work_dir / "wrk-status.tsv"
    server.start()
    try:
        processes = server.processes()
        if "status" in endpoints or "anchors" in endpoints:  # the anchors answer the same requests
            console.print(f"joining {options.people} people")
            status_rows(server.url, secret, window.group, run, options.people, tickets)
        if "status" in endpoints:
            console.print(f"wrk: line status for {seconds:g} s")
            runs.append(drive("line_status", server.url, "status", tickets, options.connections, seconds,
                              processes))
        if "booking" in endpoints:
            passes = booking_rows(secret, window.group, window.line_id, slots, run, passes_count,
                                  options.people, options.work_dir / "wrk-booking.tsv")
            console.print(f"wrk: booking, {seconds:g} s")
            runs.append(drive("book", server.url, "booking", passes, options.connections, seconds,
                              processes))
    finally:
        server.stop()
    booked = len(asyncio.run(read_snapshot(options.database_url)).bookings)
    if "anchors" in endpoints:
        for kind in ("asgi", "fastapi"):
            with anchor_server(kind, options.work_dir / f"anchor-{kind}.log") as (url, processes):
                console.print(f"wrk: bare {kind} anchor, {seconds:g} s")
                runs.append(drive(f"anchor_{kind}", url, "anchor", tickets, options.connections, seconds,
                                  processes))
    book = next((r for r in runs if r.name == "book"), None)
    confirmed = book.codes.get("201", 0) if book else 0
    return {
        "date": now.strftime("%Y-%m-%d %H:%M UTC"), "command": options.command, "workers": options.workers,
        "backend": "PostgreSQL + Redis" if options.redis_url else "SQLite, in-process gate",
        "cores": psutil.cpu_count(), "runs": [r.as_json() for r in runs],
        "ceiling": beside_the_ceiling(ceiling, book),
        "ledger_bookings": booked, "confirmed_answers": confirmed,
        # wrk stops counting at its deadline; what its connections had in flight may still book.
        "ledger_matches_answers": confirmed <= booked <= confirmed + options.connections,
    }


def beside_the_ceiling(ceiling: Ceiling | None, book: WrkRun | None) -> dict[str, Any] | None:
    """The pgbench ceiling of the run and the booking endpoint's confirmed bookings/s against it."""
    if ceiling is None:
        return None
    found: dict[str, Any] = asdict(ceiling)
    if book is not None and book.seconds:
        confirmed_per_second = book.codes.get("201", 0) / book.seconds
        found["service_bookings_per_second"] = round(confirmed_per_second, 1)
        found["ratio"] = round(confirmed_per_second / ceiling.bookings_per_second, 3)
    return found


def print_report(report: dict[str, Any], console: Console) -> None:
    console.print(f"wrk report {report['date']}, {report['backend']}, {report['workers']} worker(s)")
    console.print("| endpoint | connections | answers/s | answers | codes | p50 ms | p99 ms "
                  "| server CPU us/answer | PG+Redis CPU us/answer | wrk CPU s |", soft_wrap=True)
    console.print("|---|---|---|---|---|---|---|---|---|---|")
    for r in report["runs"]:
        console.print(f"| {r['name']} | {r['connections']} | {r['per_second']:,.0f} | {r['requests']:,} "
                      f"| {r['codes']} | {r['p50_ms']} | {r['p99_ms']} "
                      f"| {r['server_cpu_us_per_answer']:,.0f} | {r['backend_cpu_us_per_answer']:,.0f} "
                      f"| {r['wrk_cpu_seconds']} |", soft_wrap=True)
    ceiling = report.get("ceiling")
    if ceiling:
        minimal = ceiling.get("minimal_bookings_per_second")
        console.print(
            f"database ceiling (pgbench, {ceiling['clients']} clients, {ceiling['seconds']} s): "
            f"{ceiling['bookings_per_second']:,.0f} bookings/s"
            + (f"; the minimal booking {minimal:,.0f}/s, vaxbook_book "
               f"{minimal / ceiling['bookings_per_second']:.2f}x slower" if minimal else "")
            + (f"; the booking endpoint under wrk {ceiling['service_bookings_per_second']:,.0f}/s = "
               f"[bold]{ceiling['ratio']}[/bold] of the ceiling" if "ratio" in ceiling else ""),
            soft_wrap=True)
    console.print(f"bookings in the ledger {report['ledger_bookings']}, 201 answers counted by wrk "
                  f"{report['confirmed_answers']} (+ at most one in flight per connection): "
                  f"{'ok' if report['ledger_matches_answers'] else 'MISMATCH'}", soft_wrap=True)

