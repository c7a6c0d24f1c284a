"""The capacity model of `vaxbook-bench simulate`."""

from __future__ import annotations

import pytest

from vaxbook_bench.capacity import Scenario, hours_to_serve, machines_needed, predict, rate_for_max_wait


def test_two_million_at_once_at_two_million_an_hour_wait_up_to_an_hour() -> None:
    """The briefing's scenario: the last of 2,000,000 people waits one hour, the median half that."""
    found = predict(Scenario(people=2_000_000, admission_per_second=2_000_000 / 3600))
    assert found.wait_max_seconds == pytest.approx(3600, rel=1e-3)
    assert found.wait_p50_seconds == pytest.approx(1800, rel=1e-2)
    assert found.limited_by == "admission rate"


def test_slow_machines_limit_the_rate_below_admission() -> None:
    """When the machines serve fewer people than the line admits, they set the pace."""
    found = predict(Scenario(people=1000, admission_per_second=100, machine_people_per_second=10))
    assert found.limited_by == "machines" and found.served_per_second == 10
    assert found.wait_max_seconds == pytest.approx(100)


def test_a_slow_ramp_means_no_wait() -> None:
    """Arrivals slower than the admission rate are admitted on arrival (to within one bucket)."""
    found = predict(Scenario(people=10_000, admission_per_second=100, ramp_seconds=1000))
    assert found.wait_max_seconds <= 0.01 + 1e-9


def test_a_fast_ramp_builds_a_line() -> None:
    """Arriving twice as fast as admission leaves the last person waiting half the ramp."""
    found = predict(Scenario(people=20_000, admission_per_second=10, ramp_seconds=1000))
    assert found.wait_max_seconds == pytest.approx(1000, rel=1e-3)


def test_everyone_served_includes_the_journey() -> None:
    """The time to serve everyone is the last admission plus one journey."""
    found = predict(Scenario(people=100, admission_per_second=10, journey_seconds=30))
    assert found.everyone_served_seconds == pytest.approx(40)


def test_machines_and_hours() -> None:
    """556 people a second at 150 a machine needs 4 machines; 13.5 M at 2 M an hour takes 6.75 h."""
    assert machines_needed(556, 150) == 4 and machines_needed(300, 150) == 2
    assert hours_to_serve(13_500_000, 2_000_000 / 3600) == pytest.approx(6.75)


def test_rate_for_a_max_wait() -> None:
    """A 50-minute maximum wait for 2 M people means admitting 2.4 M an hour."""
    assert rate_for_max_wait(2_000_000, 3000) * 3600 == pytest.approx(2_400_000)


def test_nonsense_scenarios_are_refused() -> None:
    """No people or no admission is a mistake, not a prediction."""
    with pytest.raises(ValueError):
        predict(Scenario(people=0, admission_per_second=1))
