"""Issue 9's bars, read from one `make bench`'s reports, beside the same run's anchors.

The figures are CPU per request or per person, which move with the machine: the same code
measured 5.65 ms of server CPU per journey on one day's machine and about twice that on
another, whose bare answers (the anchors, step 4) were twice as slow too. So each figure is
also given in bare FastAPI answers of the same `make bench` (figure / anchor): the number to
compare between machines. The anchors are taken at the start too (step 0): a machine whose
speed changes during the run (seen: a bare FastAPI answer at 134 us, then 302 us, minutes
apart) shows it in the two, and its figures in anchors are then not to be trusted.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# The report files short.sh writes, by step.
REPORTS = {"anchors_start": "anchors-start.json", "booking": "booking.json",
           "wrk_booking": "wrk-booking.json", "capacity": "capacity.json", "journey": "journey.json",
           "wrk": "wrk.json"}
# The two bare FastAPI answers (start and end of the run) further apart than this: the machine's
# speed moved during the run (the spread between quiet runs on one machine was about 8 %).
DRIFT_WARNING = 0.10
Reports = dict[str, dict[str, Any]]


@dataclass(frozen=True)
class Bar:
    figure: str
    bar: float
    unit: str  # "ms", "us", "x" (a ratio) or "/h"
    at_most: bool  # met when the figure is at most the bar (else at least)
    read: Callable[[Reports], float | None]
    cpu: bool = False  # CPU per request or person: also given in anchors

    def measured(self, reports: Reports) -> float | None:
        try:
            return self.read(reports)
        except (KeyError, TypeError, ZeroDivisionError, StopIteration):
            return None  # that step's report is missing or lacks the figure

    def met(self, value: float) -> bool:
        return value <= self.bar if self.at_most else value >= self.bar


def _run(reports: Reports, name: str, step: str = "wrk") -> dict[str, Any]:
    return next(run for run in reports[step]["runs"] if run["name"] == name)


def fastapi_anchor_us(reports: Reports, step: str = "wrk") -> float | None:
    """Server CPU per bare FastAPI answer in the same `make bench`: step 4 ("wrk"), or step 0
    ("anchors_start")."""
    try:
        return float(_run(reports, "anchor_fastapi", step)["server_cpu_us_per_answer"])
    except (KeyError, StopIteration):
        return None


def drift(reports: Reports) -> str | None:
    """The bare FastAPI answer at the start and at the end of the run, and whether the machine's
    speed moved between them by more than DRIFT_WARNING; None without both."""
    start, end = fastapi_anchor_us(reports, "anchors_start"), fastapi_anchor_us(reports)
    if not start or not end:
        return None
    apart = abs(end - start) / min(start, end)
    line = (f"bare FastAPI answer: {start:g} us at the start (step 0), {end:g} us at the end (step 4),"
            f" {apart:.0%} apart")
    if apart > DRIFT_WARNING:
        line += (": the machine's speed moved during the run, so its figures in anchors do not hold;"
                 " run it again")
    return line


def _backend_ms_per_journey(reports: Reports) -> float:
    figures = reports["capacity"]["figures"]
    return 1000 * float(figures["backend_cpu_cores"]) / float(figures["people_completed_per_second"])


def _book_p99(reports: Reports) -> float:
    return float(next(s for s in reports["journey"]["steps"] if s["step"] == "book")["p99_ms"])


def _function_over_minimal(reports: Reports) -> float:
    ceiling = reports["booking"]["ceiling"]
    return float(ceiling["minimal_bookings_per_second"]) / float(ceiling["bookings_per_second"])


BARS = (
    Bar("server CPU per full journey", 5.0, "ms", True,
        lambda r: r["capacity"]["figures"]["server_cpu_ms_per_person"], cpu=True),
    Bar("PostgreSQL + Redis CPU per full journey", 3.0, "ms", True, _backend_ms_per_journey, cpu=True),
    Bar("server CPU per booking (step 1)", 0.8, "ms", True,
        lambda r: r["booking"]["figures"]["server_cpu_ms_per_person"], cpu=True),
    Bar("booking endpoint / pgbench ceiling (step 1)", 0.5, "x", False,
        lambda r: r["booking"]["ceiling"]["ratio"]),
    Bar("booking endpoint / pgbench ceiling (step 1b, wrk)", 0.5, "x", False,
        lambda r: r["wrk_booking"]["ceiling"]["ratio"]),
    Bar("full journeys per hour, one box", 600_000, "/h", False,
        lambda r: r["capacity"]["figures"]["people_completed_per_hour"]),
    Bar("booking p99 at the recommended rate", 250.0, "ms", True, _book_p99),
    Bar("/api/line/status server CPU per answer", 100.0, "us", True,
        lambda r: _run(r, "line_status")["server_cpu_us_per_answer"], cpu=True),
    Bar("vaxbook_book / the minimal booking", 1.5, "x", True, _function_over_minimal),
)


def load(directory: Path) -> Reports:
    """The reports found in `directory` (a missing one leaves its bars unmeasured)."""
    return {step: json.loads((directory / name).read_text(encoding="utf-8"))
            for step, name in REPORTS.items() if (directory / name).exists()}


def rows(reports: Reports) -> list[tuple[str, str, str, str, str]]:
    """(figure, bar, measured, in FastAPI anchors, met) for each bar."""
    anchor = fastapi_anchor_us(reports)
    found = []
    for bar in BARS:
        value = bar.measured(reports)
        limit = f"{'<=' if bar.at_most else '>='} {_shown(bar.bar, bar.unit)}"
        if value is None:
            found.append((bar.figure, limit, "not measured", "", ""))
            continue
        in_anchors = ""
        if bar.cpu and anchor:
            in_anchors = f"{value * (1000 if bar.unit == 'ms' else 1) / anchor:.1f}"
        verdict = "met" if bar.met(value) else "missed"
        found.append((bar.figure, limit, _shown(value, bar.unit), in_anchors, verdict))
    return found


def _shown(value: float, unit: str) -> str:
    if unit == "/h":
        return f"{value:,.0f}/h"
    if unit == "x":
        return f"{value:.3g}"
    return f"{value:,.2f} {unit}" if value < 10 else f"{value:,.0f} {unit}"
