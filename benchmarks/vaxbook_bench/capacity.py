"""The capacity model behind `vaxbook-bench simulate`: waits in line and machines needed. Pure arithmetic.

A fluid queue: people arrive (all at once, or spread evenly over a ramp) and the line
admits them in order at a fixed rate, never faster than the machines can serve whole
journeys. Person k is admitted at max(arrival_k, admitted_{k-1} + 1/rate).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from vaxbook_bench.stats import SECONDS_PER_HOUR, percentile

BUCKETS = 10_000  # people are modelled in this many equal groups; plenty for percentiles


@dataclass(frozen=True)
class Scenario:
    people: int
    admission_per_second: float  # the rate the line admits at
    ramp_seconds: float = 0.0  # 0: everyone arrives at the opening instant
    journey_seconds: float = 0.0  # time from admission to a confirmed booking (measured)
    machine_people_per_second: float | None = None  # one machine's measured full-journey rate
    machines: int = 1


@dataclass(frozen=True)
class Prediction:
    served_per_second: float  # min(admission rate, what the machines can serve)
    limited_by: str  # "admission rate" or "machines"
    wait_p50_seconds: float
    wait_p95_seconds: float
    wait_max_seconds: float
    mean_wait_seconds: float
    everyone_served_seconds: float  # from the opening to the last confirmed booking


def served_rate(scenario: Scenario) -> tuple[float, str]:
    """The rate people actually leave the line: the admission rate unless the machines are slower."""
    if scenario.machine_people_per_second is None:
        return scenario.admission_per_second, "admission rate"
    machines = scenario.machine_people_per_second * scenario.machines
    if machines < scenario.admission_per_second:
        return machines, "machines"
    return scenario.admission_per_second, "admission rate"


def predict(scenario: Scenario) -> Prediction:
    """The wait distribution and the time to serve everyone."""
    if scenario.people <= 0 or scenario.admission_per_second <= 0:
        raise ValueError("people and the admission rate must be positive")
    rate, limit = served_rate(scenario)
    buckets = min(BUCKETS, scenario.people)
    size = scenario.people / buckets
    waits: list[float] = []
    admitted_at = -math.inf
    for k in range(buckets):
        # the bucket's last person stands for the bucket (a slight over-estimate, never under)
        arrives = scenario.ramp_seconds * (k + 1) / buckets if scenario.ramp_seconds else 0.0
        admitted_at = max(arrives, admitted_at) + size / rate
        waits.append(admitted_at - arrives)
    return Prediction(
        served_per_second=rate,
        limited_by=limit,
        wait_p50_seconds=percentile(waits, 50),
        wait_p95_seconds=percentile(waits, 95),
        wait_max_seconds=max(waits),
        mean_wait_seconds=sum(waits) / len(waits),
        everyone_served_seconds=admitted_at + scenario.journey_seconds,
    )


def rate_for_max_wait(people: int, max_wait_seconds: float) -> float:
    """The admission rate at which the last of `people` arriving at once waits `max_wait_seconds`."""
    return people / max_wait_seconds


def machines_needed(target_people_per_second: float, machine_people_per_second: float) -> int:
    """Machines like the measured one needed to serve full journeys at the target rate."""
    if machine_people_per_second <= 0:
        raise ValueError("the measured rate must be positive")
    return math.ceil(target_people_per_second / machine_people_per_second - 1e-9)


def hours_to_serve(people: int, people_per_second: float) -> float:
    return people / people_per_second / SECONDS_PER_HOUR
