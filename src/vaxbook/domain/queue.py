"""The waiting room's arithmetic: two counters, a position, an honest wait, a polling hint."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass

# The client is told to come back sooner the nearer it is to the front: a person 10,000
# places back gains nothing from asking every second, and every avoided poll is capacity.
MIN_POLL_SECONDS = 1.0
MAX_POLL_SECONDS = 30.0
POLL_FRACTION_OF_WAIT = 0.2


@dataclass(frozen=True)
class LineCounters:
    issued: int  # highest place number handed out
    admitted: int  # every place up to this number may enter


def people_ahead(number: int, counters: LineCounters) -> int:
    """People in front of place `number`; 0 or fewer means admitted."""
    return max(number - counters.admitted - 1, 0)


def is_admitted(number: int, counters: LineCounters) -> bool:
    return number <= counters.admitted


def estimated_wait_seconds(ahead: int, admissions_per_second: float) -> float:
    return ahead / admissions_per_second if admissions_per_second > 0 else math.inf


def poll_after_seconds(wait_seconds: float) -> float:
    """When to ask again: a fifth of the remaining wait, between 1 and 30 seconds."""
    if math.isinf(wait_seconds):
        return MAX_POLL_SECONDS
    return min(max(wait_seconds * POLL_FRACTION_OF_WAIT, MIN_POLL_SECONDS), MAX_POLL_SECONDS)


def advance_admitted(
    counters: LineCounters,
    *,
    elapsed_seconds: float,
    rate: float,
    tokens: float | None,
    waiting: int,
    active: int,
    cap: int | None,
) -> tuple[int, float]:
    """The new admitted counter after `elapsed_seconds`, and the tokens left in the bucket.

    Admission is a token bucket refilled by elapsed time, so whichever worker asks first
    advances it and no leader process is needed; a line polled rarely still admits
    rate x elapsed people to those who were waiting all along (`waiting`: people waiting
    after the previous call). Nothing else is banked: beyond them, at most one second of
    admissions (the burst; `tokens=None` means a new, full bucket) goes out at once, so a
    line that sat idle and unpolled cannot let a crowd of newcomers in together. The cap
    stops admission while `active` people hold a live admission pass; nothing is ever
    admitted past `issued`.
    """
    burst = max(rate, 1.0)
    earned = (burst if tokens is None else tokens) + max(elapsed_seconds, 0.0) * rate
    available = min(earned, burst + max(waiting, 0))
    step = min(int(available), counters.issued - counters.admitted)
    if cap is not None:
        step = min(step, cap - active)
    step = max(step, 0)
    return counters.admitted + step, min(available - step, burst)


def shuffle_pre_queue(members: Sequence[str], rng: random.Random) -> list[str]:
    """People who joined before opening are put in random order: arriving early earns no rank."""
    shuffled = list(members)
    rng.shuffle(shuffled)
    return shuffled


class AdmissionRateMeter:
    """The admission rate actually achieved over a recent span, for honest wait estimates.

    A configured rate is a promise; the cap on people booking at once, or a line that
    briefly ran empty, can make the real rate lower. Estimates use what was measured.
    """

    def __init__(self, span_seconds: float = 30.0) -> None:
        self._span = span_seconds
        self._samples: list[tuple[float, int]] = []

    def record(self, now: float, admitted: int) -> None:
        if self._samples and now - self._samples[-1][0] < 0.5:
            return  # enough resolution; keeps the list short on a hot path
        self._samples.append((now, admitted))
        while len(self._samples) > 2 and now - self._samples[1][0] >= self._span:
            self._samples.pop(0)

    def rate(self, fallback: float) -> float:
        if len(self._samples) < 2:
            return fallback
        (t0, a0), (t1, a1) = self._samples[0], self._samples[-1]
        if t1 - t0 < 2.0 or a1 == a0:
            return fallback
        return (a1 - a0) / (t1 - t0)
