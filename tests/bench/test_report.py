"""The rush report: rates, the ratio to the database ceiling, and targets met or missed."""

from __future__ import annotations

import pytest

from vaxbook_bench.ceiling import Ceiling
from vaxbook_bench.correctness import Violation
from vaxbook_bench.report import RunFacts, build_report
from vaxbook_bench.tally import Tally


def facts(mode: str, elapsed: float = 10.0) -> RunFacts:
    return RunFacts(
        date="2026-11-25 08:00 UTC",
        mode=mode,
        backend="PostgreSQL + Redis",
        people=100,
        server_workers=2,
        generator_processes=1,
        connections=32,
        arrival="all at opening",
        admission_rate=50.0,
        machine="test",
        elapsed_seconds=elapsed,
        generator_cpu_seconds=2.0,
        server_cpu_seconds=10.0,
        backend_cpu_seconds=4.0,
        machine_cpu_percent=100.0,
        cores=2,
        command="vaxbook-bench rush",
    )


def booking_tally(count: int) -> Tally:
    tally = Tally()
    for i in range(count):
        tally.record("book", 0.010 if i < count - 1 else 0.300)
        tally.confirmed.append(f"VB{i}")
    tally.completed = count
    return tally


def test_booking_rate_is_compared_with_the_ceiling() -> None:
    """300 bookings in 10 s against a 60/s ceiling is a ratio of 0.5, which meets the target."""
    report = build_report(facts("booking"), booking_tally(300), Ceiling(60.0, 5.0, 16, 10, "pgbench"), [])
    assert report.figures["bookings_per_second"] == 30.0
    assert report.ceiling is not None and report.ceiling["ratio"] == 0.5
    assert report.targets == [
        {
            "target": "booking endpoint / pgbench ceiling",
            "goal": 0.5,
            "measured": 0.5,
            "unit": "ratio",
            "met": True,
            "measured_over_goal": None,
        }
    ]


def test_a_missed_target_says_by_how_much() -> None:
    """A journey run far below 2 M people/h is missed, with measured/goal given."""
    report = build_report(facts("journey"), booking_tally(100), None, [])
    journeys = next(t for t in report.targets if t["target"] == "full journeys per hour")
    assert not journeys["met"] and journeys["measured"] == 36_000
    assert journeys["measured_over_goal"] == pytest.approx(0.018)


def test_cpu_is_split_between_server_generator_backends_and_others() -> None:
    """Machine busy 100 % of 2 cores for 10 s, 1.6 cores accounted for: 0.4 cores were others'."""
    figures = build_report(facts("booking"), booking_tally(10), None, []).figures
    assert (figures["server_cpu_cores"], figures["generator_cpu_cores"], figures["backend_cpu_cores"]) == (
        1.0,
        0.2,
        0.4,
    )
    assert figures["other_cpu_cores"] == pytest.approx(0.4)


def test_a_violation_makes_the_report_incorrect() -> None:
    """Any violation from the ledger check marks the run as failed."""
    report = build_report(facts("booking"), booking_tally(1), None, [Violation("slot_over_capacity", "x")])
    assert not report.correct and report.violations == [{"rule": "slot_over_capacity", "detail": "x"}]
