"""The rush report: figures from the tallies, targets met or missed, printed and kept as JSON."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from vaxbook_bench.ceiling import Ceiling
from vaxbook_bench.correctness import Violation
from vaxbook_bench.stats import per_hour, per_second, ratio, step_figures, wait_figures
from vaxbook_bench.tally import Tally

STEP_ORDER = (
    "auth_methods",
    "auth_start",
    "auth_verify",
    "eligibility",
    "line_join",
    "line_status",
    "regions",
    "districts",
    "clinics",
    "slots",
    "book",
    "booking_me",
)
TARGET_PEOPLE_PER_HOUR = 2_000_000
TARGET_CEILING_RATIO = 0.5
TARGET_STATUS_PER_SECOND = 10_000
TARGET_BOOK_P99_MS = 250.0
# The recommended admission rate is half the measured capacity: the other half absorbs the
# arrival burst (verification, joining), which the line does not pace.
HEADROOM = 0.5


@dataclass(frozen=True)
class RunFacts:
    """What was run, where, and how the machine was used."""

    date: str
    mode: str
    backend: str
    people: int
    server_workers: int
    generator_processes: int
    connections: int
    arrival: str
    admission_rate: float
    machine: str
    elapsed_seconds: float
    generator_cpu_seconds: float
    server_cpu_seconds: float
    backend_cpu_seconds: float  # PostgreSQL and Redis
    machine_cpu_percent: float
    cores: int
    command: str


@dataclass
class Report:
    facts: RunFacts
    figures: dict[str, Any] = field(default_factory=dict)
    steps: list[dict[str, Any]] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    ceiling: dict[str, Any] | None = None
    targets: list[dict[str, Any]] = field(default_factory=list)
    violations: list[dict[str, str]] = field(default_factory=list)

    @property
    def correct(self) -> bool:
        return not self.violations


def _finite(value: float) -> float | None:
    return None if math.isnan(value) or math.isinf(value) else round(value, 3)


def build_report(
    facts: RunFacts,
    tally: Tally,
    ceiling: Ceiling | None,
    violations: list[Violation],
    batched: Ceiling | None = None,
) -> Report:
    elapsed = facts.elapsed_seconds
    bookings = len(tally.confirmed)
    steps = [
        step_figures(step, tally.latencies[step], elapsed)
        for step in (*STEP_ORDER, *sorted(set(tally.latencies) - set(STEP_ORDER)))
        if step in tally.latencies
    ]
    book = next((s for s in steps if s.step == "book"), None)
    status = next((s for s in steps if s.step == "line_status"), None)
    waits = wait_figures(tally.waits)
    bookings_per_second = per_second(bookings, elapsed)
    waited_people = len(tally.waits)
    figures: dict[str, Any] = {
        "people_completed": tally.completed,
        "people_gave_up": dict(tally.gave_up),
        "people_completed_per_hour": round(per_hour(tally.completed, elapsed)),
        "people_completed_per_second": round(per_second(tally.completed, elapsed), 1),
        "bookings_confirmed": bookings,
        "bookings_per_second": round(bookings_per_second, 1),
        "requests_per_second": round(per_second(sum(s.count for s in steps), elapsed), 1),
        "recommended_admission_rate": round(HEADROOM * per_second(tally.completed, elapsed), 1),
        "wait": {k: _finite(v) if isinstance(v, float) else v for k, v in asdict(waits).items()},
        "waiting_cost": {
            "status_requests": tally.status_polls,
            "status_requests_per_waiting_person": round(tally.status_polls / waited_people, 2)
            if waited_people
            else None,
            "mean_seconds_between_polls": round(tally.waited_seconds / tally.status_polls, 2)
            if tally.status_polls
            else None,
            "mean_poll_after_seconds": round(sum(tally.poll_hints_seconds) / len(tally.poll_hints_seconds), 2)
            if tally.poll_hints_seconds
            else None,
            "cacheable_waiting_answers": tally.cacheable_status,
            "uncacheable_waiting_answers": tally.uncacheable_status,
        },
        "generator_cpu_cores": round(facts.generator_cpu_seconds / elapsed, 2) if elapsed else None,
        "server_cpu_cores": round(facts.server_cpu_seconds / elapsed, 2) if elapsed else None,
        "backend_cpu_cores": round(facts.backend_cpu_seconds / elapsed, 2) if elapsed else None,
        # anything else on the machine meanwhile (another job would distort every figure)
        "other_cpu_cores": round(
            facts.machine_cpu_percent / 100 * facts.cores
            - (facts.generator_cpu_seconds + facts.server_cpu_seconds + facts.backend_cpu_seconds) / elapsed,
            2,
        )
        if elapsed
        else None,
        "server_cpu_ms_per_person": round(1000 * facts.server_cpu_seconds / tally.completed, 2)
        if tally.completed
        else None,
    }
    report = Report(
        facts=facts,
        figures=figures,
        errors=dict(tally.errors.most_common()),
        violations=[asdict(v) for v in violations],
    )
    report.steps = [
        {k: _finite(v) if isinstance(v, float) else v for k, v in asdict(s).items()} for s in steps
    ]
    if ceiling is not None:
        share = ratio(bookings_per_second, ceiling.bookings_per_second)
        report.ceiling = {
            **asdict(ceiling),
            "service_bookings_per_second": round(bookings_per_second, 1),
            "ratio": round(share, 3) if share is not None else None,
        }
        if batched is not None:
            report.ceiling["batched"] = {
                **asdict(batched),
                "ratio": round(bookings_per_second / batched.bookings_per_second, 3),
            }
    report.targets = _targets(
        facts, figures, book.p99_ms if book else None, status.per_second if status else None, report.ceiling
    )
    return report


def _target(name: str, measured: float | None, goal: float, at_least: bool, unit: str) -> dict[str, Any]:
    met = measured is not None and (measured >= goal if at_least else measured < goal)
    gap = None if measured is None or met else (measured / goal if goal else None)
    return {
        "target": name,
        "goal": goal,
        "measured": None if measured is None else round(measured, 3),
        "unit": unit,
        "met": met,
        "measured_over_goal": None if gap is None else round(gap, 3),
    }


def _targets(
    facts: RunFacts,
    figures: dict[str, Any],
    book_p99: float | None,
    status_rate: float | None,
    ceiling: dict[str, Any] | None,
) -> list[dict[str, Any]]:
    found = []
    if facts.mode in ("journey", "booking") and ceiling is not None:
        found.append(
            _target(
                "booking endpoint / pgbench ceiling", ceiling["ratio"], TARGET_CEILING_RATIO, True, "ratio"
            )
        )
    if facts.mode == "journey":
        found.append(
            _target(
                "full journeys per hour",
                figures["people_completed_per_hour"],
                TARGET_PEOPLE_PER_HOUR,
                True,
                "people/h",
            )
        )
        found.append(
            _target(
                "booking p99 latency (judge it at the recommended admission rate)",
                book_p99,
                TARGET_BOOK_P99_MS,
                False,
                "ms",
            )
        )
        cost = figures["waiting_cost"]
        between, hint = cost["mean_seconds_between_polls"], cost["mean_poll_after_seconds"]
        # asks per poll_after interval: 1.0 when every waiting client asks exactly as told
        found.append(
            _target(
                "status asks per poll_after interval",
                hint / between if between and hint else None,
                1.0 + 1e-6,
                False,
                "asks",
            )
        )
    if facts.mode == "status":
        found.append(
            _target(
                f"status answers per second ({facts.server_workers} worker)",
                status_rate,
                TARGET_STATUS_PER_SECOND,
                True,
                "answers/s",
            )
        )
    return found


def write_json(report: Report, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    body = {
        "facts": asdict(report.facts),
        "figures": report.figures,
        "steps": report.steps,
        "errors": report.errors,
        "ceiling": report.ceiling,
        "targets": report.targets,
        "violations": report.violations,
        "correct": report.correct,
    }
    path.write_text(json.dumps(body, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def print_report(report: Report, console: Console) -> None:
    f, x = report.facts, report.figures
    console.rule(f"[bold]vaxbook-bench rush[/bold]: {f.mode}, {f.backend}, {f.date}")
    console.print(
        f"{f.people:,} people, arrival {f.arrival}, admission {f.admission_rate:g}/s, "
        f"{f.server_workers} server worker(s), {f.generator_processes} generator process(es), "
        f"{f.connections} connections; {f.machine}"
    )
    console.print(
        f"elapsed {f.elapsed_seconds:.1f} s; completed {x['people_completed']:,} "
        f"({x['people_completed_per_hour']:,}/h, {x['people_completed_per_second']}/s); "
        f"bookings {x['bookings_confirmed']:,} ({x['bookings_per_second']}/s); "
        f"requests {x['requests_per_second']}/s; gave up {x['people_gave_up'] or 'none'}"
    )
    console.print(
        f"CPU: server {x['server_cpu_cores']} cores ({x['server_cpu_ms_per_person']} ms/person), "
        f"load generator {x['generator_cpu_cores']} cores, "
        f"PostgreSQL + Redis {x['backend_cpu_cores']} cores, "
        f"other processes {x['other_cpu_cores']} cores, machine {f.machine_cpu_percent:.0f}% busy"
    )
    table = Table("step", "count", "per s", "p50 ms", "p95 ms", "p99 ms", "max ms")
    for s in report.steps:
        table.add_row(
            s["step"],
            f"{s['count']:,}",
            f"{s['per_second']:.1f}",
            *(f"{s[k]:.1f}" if s[k] is not None else "-" for k in ("p50_ms", "p95_ms", "p99_ms", "max_ms")),
        )
    console.print(table)
    if x["wait"]["people"]:
        w = x["wait"]
        console.print(
            f"wait in line: actual p50 {w['actual_p50']} s / p95 {w['actual_p95']} s / max "
            f"{w['actual_max']} s; estimated at joining p50 {w['estimated_p50']} s / max "
            f"{w['estimated_max']} s; mean |error| {w['mean_abs_error']} s"
        )
        console.print(f"waiting cost: {x['waiting_cost']}")
    if report.errors:
        console.print("errors: " + ", ".join(f"{k} x{v}" for k, v in report.errors.items()))
    if report.ceiling:
        c = report.ceiling
        console.print(
            f"database ceiling (pgbench, {c['clients']} clients, {c['seconds']} s): "
            f"{c['bookings_per_second']:.0f} bookings/s; service {c['service_bookings_per_second']}/s"
            f" = [bold]{c['ratio']}[/bold] of the ceiling"
        )
        if c.get("minimal_bookings_per_second"):
            m = c["minimal_bookings_per_second"]
            console.print(
                f"minimal booking (two conditional updates, one insert), same run: {m:.0f} bookings/s;"
                f" vaxbook_book is {m / c['bookings_per_second']:.2f}x slower (goal <= 1.5)"
            )
        if "batched" in c:
            b = c["batched"]
            console.print(
                f"with {b['bookings_per_transaction']} bookings per transaction (group commit): "
                f"{b['bookings_per_second']:.0f} bookings/s; the service is {b['ratio']} of that"
            )
    for t in report.targets:
        mark = "[green]met[/green]" if t["met"] else "[red]missed[/red]"
        console.print(
            f"target {t['target']}: goal {t['goal']:,} {t['unit']}, measured {t['measured']} -> {mark}"
        )
    if report.correct:
        console.print("[green]correctness: every check passed against the ledger[/green]")
    for v in report.violations:
        console.print(f"[red]VIOLATION {v['rule']}[/red]: {v['detail']}")
