"""Issue 9's bars read from `make bench`'s reports (`vaxbook-bench bars`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from vaxbook_bench.bars import drift, rows
from vaxbook_bench.cli import app


def _reports(journey_ms: float = 4.0, status_us: float = 120.0) -> dict[str, dict[str, Any]]:
    """The parts of each step's report the bars read, as `make bench` writes them."""
    ceiling = {"bookings_per_second": 1000.0, "minimal_bookings_per_second": 1200.0, "ratio": 0.6}
    return {
        "booking": {"figures": {"server_cpu_ms_per_person": 0.9}, "ceiling": ceiling},
        "wrk_booking": {"ceiling": {**ceiling, "ratio": 0.4}},
        "capacity": {"figures": {"server_cpu_ms_per_person": journey_ms, "backend_cpu_cores": 0.5,
                                 "people_completed_per_second": 200.0, "people_completed_per_hour": 720_000}},
        "journey": {"steps": [{"step": "slots", "p99_ms": 900.0}, {"step": "book", "p99_ms": 300.0}]},
        "wrk": {"runs": [{"name": "line_status", "server_cpu_us_per_answer": status_us},
                         {"name": "anchor_asgi", "server_cpu_us_per_answer": 20.0},
                         {"name": "anchor_fastapi", "server_cpu_us_per_answer": 80.0}]},
    }


def _by_figure(reports: dict[str, dict[str, Any]]) -> dict[str, tuple[str, ...]]:
    return {figure: tuple(rest) for figure, *rest in rows(reports)}


def test_each_bar_is_read_judged_and_given_in_the_same_runs_anchors() -> None:
    """Every bar takes its figure from its own step's report, says met or missed in the bar's
    direction, and gives CPU figures in bare FastAPI answers of the same run (step 4)."""
    found = _by_figure(_reports())
    assert found["server CPU per full journey"] == ("<= 5.00 ms", "4.00 ms", "50.0", "met")
    assert found["PostgreSQL + Redis CPU per full journey"] == ("<= 3.00 ms", "2.50 ms", "31.2", "met")
    assert found["server CPU per booking (step 1)"][1:] == ("0.90 ms", "11.2", "missed")
    assert found["booking endpoint / pgbench ceiling (step 1)"][1:] == ("0.6", "", "met")
    assert found["booking endpoint / pgbench ceiling (step 1b, wrk)"][1:] == ("0.4", "", "missed")
    assert found["full journeys per hour, one box"][1:] == ("720,000/h", "", "met")
    assert found["booking p99 at the recommended rate"][1:] == ("300 ms", "", "missed")
    assert found["/api/line/status server CPU per answer"][1:] == ("120 us", "1.5", "missed")
    assert found["vaxbook_book / the minimal booking"][1:] == ("1.2", "", "met")


def test_a_missing_report_leaves_its_bars_unmeasured_and_the_rest_read() -> None:
    """Without step 4's report there are no anchors and no status figure; the journey's bars still
    read from step 2's report."""
    reports = _reports(journey_ms=6.0)
    del reports["wrk"]
    found = _by_figure(reports)
    assert found["/api/line/status server CPU per answer"][1:] == ("not measured", "", "")
    assert found["server CPU per full journey"][1:] == ("6.00 ms", "", "missed")


def test_the_command_reads_the_reports_of_a_directory(tmp_path: Path) -> None:
    """`vaxbook-bench bars --dir` prints every bar from the JSON files short.sh writes there."""
    names = {"booking": "booking.json", "wrk_booking": "wrk-booking.json", "capacity": "capacity.json",
             "journey": "journey.json", "wrk": "wrk.json", "anchors_start": "anchors-start.json"}
    reports = _reports(status_us=90.0)
    reports["anchors_start"] = _start_anchors(fastapi_us=84.0)
    for step, report in reports.items():
        (tmp_path / names[step]).write_text(json.dumps(report), encoding="utf-8")
    result = CliRunner().invoke(app, ["bars", "--dir", str(tmp_path)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "/api/line/status server CPU per answer" in result.output and "90 us" in result.output
    assert "bare FastAPI answer (step 4): 80 us" in result.output
    assert "84 us at the start (step 0), 80 us at the end (step 4), 5% apart" in result.output


def _start_anchors(fastapi_us: float) -> dict[str, Any]:
    """Step 0's report: the two bare answers only."""
    return {"runs": [{"name": "anchor_asgi", "server_cpu_us_per_answer": 20.0},
                     {"name": "anchor_fastapi", "server_cpu_us_per_answer": fastapi_us}]}


def test_a_machine_whose_speed_moved_during_the_run_is_named() -> None:
    """The bare FastAPI answers of step 0 and step 4 are compared: within 10 % the run stands,
    past it the report says its figures in anchors do not hold; without step 0 nothing is said."""
    steady = {**_reports(), "anchors_start": _start_anchors(fastapi_us=76.0)}
    line = drift(steady)
    assert line is not None and "76 us at the start" in line and "5% apart" in line
    assert "do not hold" not in line
    moved = {**_reports(), "anchors_start": _start_anchors(fastapi_us=160.0)}
    warned = drift(moved)
    assert warned is not None and "100% apart" in warned and "do not hold" in warned
    assert drift(_reports()) is None
