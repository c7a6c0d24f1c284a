"""The report's arithmetic."""

from __future__ import annotations

import math

import pytest

from vaxbook_bench.stats import per_hour, percentile, ratio, step_figures, wait_figures


def test_percentile_interpolates_between_ranks() -> None:
    """The median of an even count lies halfway between the middle values."""
    assert percentile([4, 1, 3, 2], 50) == 2.5


def test_percentile_ends_are_min_and_max() -> None:
    """p0 and p100 are the smallest and the largest value."""
    assert (percentile([5, 9, 7], 0), percentile([5, 9, 7], 100)) == (5, 9)


def test_percentile_of_nothing_is_nan() -> None:
    """No samples give nan rather than a made-up figure."""
    assert math.isnan(percentile([], 99))


def test_percentile_rejects_out_of_range_q() -> None:
    """A percentile above 100 is a mistake, not a figure."""
    with pytest.raises(ValueError):
        percentile([1.0], 101)


def test_people_per_hour_scales_per_second_rate() -> None:
    """1,000 people in 6 seconds is 600,000 an hour."""
    assert per_hour(1000, 6.0) == pytest.approx(600_000)


def test_ratio_without_ceiling_is_none() -> None:
    """No measured ceiling means no ratio, not a division by zero."""
    assert ratio(10.0, None) is None and ratio(10.0, 0.0) is None and ratio(5.0, 10.0) == 0.5


def test_step_figures_are_in_milliseconds_and_per_second() -> None:
    """A step's latencies become ms percentiles and its count a rate over the elapsed time."""
    figures = step_figures("book", [0.010] * 99 + [0.500], 10.0)
    assert figures.count == 100 and figures.per_second == 10.0
    assert figures.p50_ms == pytest.approx(10.0) and figures.max_ms == pytest.approx(500.0)


def test_wait_figures_compare_actual_with_estimate() -> None:
    """The mean absolute error is the average gap between actual and estimated waits."""
    figures = wait_figures([(10.0, 12.0), (20.0, 16.0)])
    assert figures.people == 2 and figures.mean_abs_error == pytest.approx(3.0)
    assert figures.actual_max == 20.0 and figures.estimated_max == 16.0
