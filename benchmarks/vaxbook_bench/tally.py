"""What one generator process measured: latencies per step, errors by code, people's outcomes."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=dict)  # step -> seconds
    errors: Counter[str] = field(default_factory=Counter)  # "step status code" -> count
    completed: int = 0  # people who finished every step
    gave_up: Counter[str] = field(default_factory=Counter)  # step where a person stopped -> count
    confirmed: list[str] = field(default_factory=list)  # booking ids answered with 2xx
    waits: list[tuple[float, float]] = field(default_factory=list)  # (actual, estimated at joining)
    # (wall-clock of the join answer, number it gave, number the admission came with): a person
    # whose number changed between the two lost their place (benchmarks/vaxbook_bench/cluster.py)
    places: list[tuple[float, int, int]] = field(default_factory=list)
    status_polls: int = 0  # status requests made while waiting
    waited_seconds: float = 0.0  # total time people spent waiting
    poll_hints_seconds: list[float] = field(default_factory=list)  # poll_after values received
    cacheable_status: int = 0  # waiting-state status answers carrying max-age
    uncacheable_status: int = 0
    first_start: float | None = None  # wall-clock (time.time) of the first request
    last_done: float | None = None  # wall-clock of the last completed journey or request
    cpu_seconds: float = 0.0  # this process's CPU time (user + system)

    def record(self, step: str, seconds: float) -> None:
        self.latencies.setdefault(step, []).append(seconds)

    def error(self, step: str, status: int, code: str) -> None:
        self.errors[f"{step} {status} {code}"] += 1

    def merge(self, other: Tally) -> None:
        for step, values in other.latencies.items():
            self.latencies.setdefault(step, []).extend(values)
        self.errors.update(other.errors)
        self.gave_up.update(other.gave_up)
        self.completed += other.completed
        self.confirmed.extend(other.confirmed)
        self.waits.extend(other.waits)
        self.places.extend(other.places)
        self.status_polls += other.status_polls
        self.waited_seconds += other.waited_seconds
        self.poll_hints_seconds.extend(other.poll_hints_seconds)
        self.cacheable_status += other.cacheable_status
        self.uncacheable_status += other.uncacheable_status
        self.cpu_seconds += other.cpu_seconds
        starts = [t for t in (self.first_start, other.first_start) if t is not None]
        ends = [t for t in (self.last_done, other.last_done) if t is not None]
        self.first_start = min(starts) if starts else None
        self.last_done = max(ends) if ends else None
