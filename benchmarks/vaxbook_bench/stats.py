"""The report's arithmetic: percentiles, rates, and a step's figures. Pure, so it is unit-tested."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

SECONDS_PER_HOUR = 3600.0


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100) by linear interpolation between closest ranks; nan when empty."""
    if not 0 <= q <= 100:
        raise ValueError("q must be between 0 and 100")
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def per_second(count: int, seconds: float) -> float:
    return count / seconds if seconds > 0 else 0.0


def per_hour(count: int, seconds: float) -> float:
    return per_second(count, seconds) * SECONDS_PER_HOUR


def ratio(value: float, ceiling: float | None) -> float | None:
    """value / ceiling, or None when there is no ceiling to compare with."""
    if ceiling is None or ceiling <= 0:
        return None
    return value / ceiling


@dataclass(frozen=True)
class StepFigures:
    step: str
    count: int
    per_second: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float


def step_figures(step: str, latencies_seconds: Sequence[float], elapsed_seconds: float) -> StepFigures:
    """A step's request rate and latency percentiles, in milliseconds."""
    ms = [s * 1000 for s in latencies_seconds]
    return StepFigures(
        step=step,
        count=len(ms),
        per_second=per_second(len(ms), elapsed_seconds),
        p50_ms=percentile(ms, 50),
        p95_ms=percentile(ms, 95),
        p99_ms=percentile(ms, 99),
        max_ms=max(ms) if ms else math.nan,
    )


@dataclass(frozen=True)
class WaitFigures:
    """Actual wait in line against the estimate given when joining (seconds)."""

    people: int
    actual_p50: float
    actual_p95: float
    actual_max: float
    estimated_p50: float
    estimated_p95: float
    estimated_max: float
    mean_abs_error: float  # |actual - estimated|, averaged per person


def wait_figures(pairs: Iterable[tuple[float, float]]) -> WaitFigures:
    """Figures from (actual, estimated) wait pairs."""
    listed = list(pairs)
    actual = [a for a, _ in listed]
    estimated = [e for _, e in listed]
    error = sum(abs(a - e) for a, e in listed) / len(listed) if listed else math.nan
    return WaitFigures(
        people=len(listed),
        actual_p50=percentile(actual, 50),
        actual_p95=percentile(actual, 95),
        actual_max=max(actual) if actual else math.nan,
        estimated_p50=percentile(estimated, 50),
        estimated_p95=percentile(estimated, 95),
        estimated_max=max(estimated) if estimated else math.nan,
        mean_abs_error=error,
    )
