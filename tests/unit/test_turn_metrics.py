"""Answers counted per turn (web/turn_metrics.py) add up to exactly what one observe per answer adds."""

from __future__ import annotations

import asyncio
import math
import random
from typing import Any

import pytest
from prometheus_client import CollectorRegistry, Counter, Histogram

from vaxbook.web.metrics import forget_worker
from vaxbook.web.turn_metrics import TurnMetrics, observe_many

BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


def _metrics() -> tuple[CollectorRegistry, Counter, Histogram]:
    registry = CollectorRegistry()
    counter = Counter("answers", "answers", ["route", "method", "status"], registry=registry)
    histogram = Histogram("seconds", "seconds", ["route", "method"], buckets=BUCKETS, registry=registry)
    return registry, counter, histogram


def _labels(**labels: str) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(labels.items()))


def _samples(registry: CollectorRegistry) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {(s.name, tuple(sorted(s.labels.items()))): round(s.value, 9)
            for metric in registry.collect() for s in metric.samples if not s.name.endswith("_created")}


def test_observing_many_at_once_is_observing_each() -> None:
    """Durations on, between and beyond the bucket bounds give the same buckets, count and sum both ways."""
    rng = random.Random(7)
    durations = [*BUCKETS, 0.0, 0.0009, 0.003, 0.7, 11.0, 99.0, *(rng.random() for _ in range(200))]
    one_by_one, _, each = _metrics()
    together, _, many = _metrics()
    for seconds in durations:
        each.labels("/r", "GET").observe(seconds)
    observe_many(many.labels("/r", "GET"), durations)
    assert _samples(one_by_one) == _samples(together)
    assert _samples(together)[("seconds_count", _labels(method="GET", route="/r"))] == len(durations)


def test_a_turns_answers_are_added_at_its_end_and_not_before() -> None:
    """Answers recorded during a turn are not in the metrics until the turn ends, then all of them are,
    by route, method and status."""
    registry, counter, histogram = _metrics()
    turn = TurnMetrics(counter, histogram)
    seen: dict[str, float] = {}

    async def answers() -> None:
        for i in range(30):
            turn.add(("/api/line/status", "GET", 200 if i % 3 else 503), 0.002)
        seen["during"] = counter.labels("/api/line/status", "GET", "200")._value.get()
        await asyncio.sleep(0)
        await asyncio.sleep(0)

    asyncio.run(answers())
    assert seen["during"] == 0
    samples = _samples(registry)
    route = {"method": "GET", "route": "/api/line/status"}
    assert samples[("answers_total", _labels(**route, status="200"))] == 20
    assert samples[("answers_total", _labels(**route, status="503"))] == 10
    assert samples[("seconds_count", _labels(**route))] == 30
    assert samples[("seconds_sum", _labels(**route))] == 0.06


def test_an_answer_with_no_loop_running_is_added_at_once() -> None:
    """Recorded outside an event loop (a script, a test), the answer is counted when the call returns."""
    registry, counter, histogram = _metrics()
    TurnMetrics(counter, histogram).add(("/healthz", "GET", 200), 0.0005)
    assert _samples(registry)[("answers_total", _labels(method="GET", route="/healthz", status="200"))] == 1


def test_a_duration_that_is_not_a_number_is_in_no_bucket_as_observe_leaves_it() -> None:
    """NaN goes to the sum and to no bucket (so not to the count) both ways."""
    one_by_one, _, each = _metrics()
    together, _, many = _metrics()
    for seconds in (float("nan"), 0.002):
        each.labels("/r", "GET").observe(seconds)
    observe_many(many.labels("/r", "GET"), [float("nan"), 0.002])
    left, right = _samples(one_by_one), _samples(together)
    assert left.keys() == right.keys()
    for name, value in left.items():
        assert value == right[name] or (math.isnan(value) and math.isnan(right[name]))
    assert right[("seconds_count", _labels(method="GET", route="/r"))] == 1


class _RefusesOneRoute(Counter):
    """A real counter whose label set for one route cannot be written (as a full disk refuses)."""

    def labels(self, *values: Any, **named: Any) -> Any:
        if values and values[0] == "/broken":
            raise OSError("No space left on device")
        return super().labels(*values, **named)


def test_one_label_set_that_cannot_be_written_loses_only_its_own_counts(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A turn whose middle route fails to write still counts the routes before and after it, and says so."""
    registry = CollectorRegistry()
    counter = _RefusesOneRoute("answers", "answers", ["route", "method", "status"], registry=registry)
    histogram = Histogram("seconds", "seconds", ["route", "method"], buckets=BUCKETS, registry=registry)
    turn = TurnMetrics(counter, histogram)

    async def answers() -> None:
        for route in ("/a", "/broken", "/b"):
            turn.add((route, "GET", 200), 0.002)
        await asyncio.sleep(0)
        await asyncio.sleep(0)

    asyncio.run(answers())
    samples = _samples(registry)
    for route in ("/a", "/b"):
        assert samples[("answers_total", _labels(method="GET", route=route, status="200"))] == 1
    assert not any(dict(labels).get("route") == "/broken" for _, labels in samples)
    assert "1 answers of ('/broken', 'GET', 200) not counted: OSError" in caplog.text


def test_a_stopping_worker_counts_what_its_last_turn_held() -> None:
    """A loop that stops before its turn's flush ran leaves counts held; the worker's shutdown adds them."""
    registry, counter, histogram = _metrics()
    turn = TurnMetrics(counter, histogram)
    loop = asyncio.new_event_loop()

    async def answer_then_stop() -> None:
        turn.add(("/api/bookings", "POST", 201), 0.01)
        asyncio.get_running_loop().stop()

    task = loop.create_task(answer_then_stop())
    loop.run_forever()
    loop.close()
    booked = ("answers_total", _labels(method="POST", route="/api/bookings", status="201"))
    assert task.done() and booked not in _samples(registry)
    forget_worker()
    assert _samples(registry)[booked] == 1
