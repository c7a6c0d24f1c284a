"""The benchmark's own command, `vaxbook-bench`."""

from __future__ import annotations

from typer.testing import CliRunner

from vaxbook_bench.cli import app

runner = CliRunner()


def test_the_bench_command_offers_rush_and_simulate() -> None:
    """`vaxbook-bench --help` lists the rush and the capacity model."""
    result = runner.invoke(app, ["--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "rush" in result.output and "simulate" in result.output


def test_simulate_reproduces_the_2021_scenario() -> None:
    """`vaxbook-bench simulate` with the defaults models 2,000,000 people at 2,000,000 an hour."""
    result = runner.invoke(app, ["simulate"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "2,000,000" in result.output and "2021 briefing" in result.output


def test_wrk_refuses_an_unknown_endpoint_before_starting_anything() -> None:
    """`vaxbook-bench wrk --endpoints` names only status, booking and anchors; anything else is a
    usage error (exit 2) before a database or server is touched."""
    result = runner.invoke(app, ["wrk", "--endpoints", "booking,journey"], env={"COLUMNS": "200"})
    assert result.exit_code == 2
    assert "status, booking, anchors" in result.output
