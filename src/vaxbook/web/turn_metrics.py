"""The answers' metrics of one event-loop turn, added to Prometheus's at the end of that turn.

Under `vaxbook serve` the metrics are prometheus_client's multiprocess values: every `inc` takes
a lock, asks the OS for the process id (a fork check) and writes an mmap'd file. An answer made
three of them (its count, its duration's sum and its bucket), about 4 us of the 45 a line-status
answer costs in-process, two to three times that in a busy worker (docs/benchmarks.md, "The
answer's bookkeeping"). A worker under load answers tens of requests a turn, mostly of a few
routes: here each label set's answers of the turn are counted in a dict and added once at the
turn's end, the same numbers in a few writes.

A scrape adds its own worker's answers of the turn first (`flush_held`); another worker's
answers it sees at most one turn late (microseconds: the turn that answered ends before that
worker reads its next request). An answer recorded with no loop running is added at once.
"""

from __future__ import annotations

import logging
import math
import weakref
from bisect import bisect_left
from collections.abc import Sequence
from typing import Any

from prometheus_client import Counter, Histogram

from vaxbook.turn_end import EndOfTurn

log = logging.getLogger(__name__)
Key = tuple[str, str, int]  # route template, method, status
_ALL: weakref.WeakSet[TurnMetrics] = weakref.WeakSet()


def flush_held() -> None:
    """Every answer this process still holds for the turn's end, added now (a scrape calls this)."""
    for metrics in list(_ALL):
        metrics.flush()


class TurnMetrics:
    """Answers counted per (route, method, status) in a turn; into `counter` and `histogram` at its end."""

    def __init__(self, counter: Counter, histogram: Histogram) -> None:
        self._counter = counter
        self._histogram = histogram
        # Label children cached: .labels() takes a lock and builds a key on every call.
        self._children: dict[Key, tuple[Any, Any]] = {}
        self._turn: dict[Key, list[float]] = {}
        self._end_of_turn = EndOfTurn(self.flush)
        _ALL.add(self)

    def add(self, key: Key, seconds: float) -> None:
        durations = self._turn.get(key)
        if durations is None:
            self._turn[key] = [seconds]
        else:
            durations.append(seconds)
        self._end_of_turn.schedule()

    def flush(self) -> None:
        turn, self._turn = self._turn, {}
        for key, durations in turn.items():
            try:
                children = self._children.get(key)
                if children is None:
                    route, method, status = key
                    children = (self._counter.labels(route, method, str(status)),
                                self._histogram.labels(route, method))
                    self._children[key] = children
                children[0].inc(len(durations))
                observe_many(children[1], durations)
            except Exception as failed:  # noqa: BLE001
                # One label set's failure (the metric files' disk full) loses its counts, not the turn's.
                log.warning("%d answers of %s not counted: %s: %s", len(durations), key,
                            type(failed).__name__, failed)


def observe_many(histogram: Any, durations: Sequence[float]) -> None:
    """What `histogram.observe(d)` for each duration adds, in one write to the sum and one per bucket.

    prometheus_client has no call for several observations; this adds to the child's own sum and
    buckets, as its `observe` does (tests/unit/test_turn_metrics.py holds the two to the same
    samples, so a release that changes them fails there, not in production)."""
    bounds = histogram._upper_bounds
    counts: dict[int, int] = {}
    for seconds in durations:  # the first bucket whose bound is at or above it, as observe picks
        if math.isnan(seconds):  # in the sum, in no bucket, as observe does
            continue
        index = bisect_left(bounds, seconds)
        counts[index] = counts.get(index, 0) + 1
    histogram._sum.inc(sum(durations))
    for index, count in counts.items():
        histogram._buckets[index].inc(count)
