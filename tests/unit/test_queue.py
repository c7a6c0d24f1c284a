"""The waiting room's arithmetic: positions, waits, polling hints and the admission bucket."""

from __future__ import annotations

import math
import random

from vaxbook.domain.queue import (
    AdmissionRateMeter,
    LineCounters,
    advance_admitted,
    estimated_wait_seconds,
    is_admitted,
    people_ahead,
    poll_after_seconds,
    shuffle_pre_queue,
)


def test_position_is_ticket_minus_admitted() -> None:
    """Place 150 with 100 admitted has 49 people ahead; place 100 is admitted."""
    counters = LineCounters(issued=500, admitted=100)
    assert people_ahead(150, counters) == 49
    assert is_admitted(100, counters) and not is_admitted(101, counters)


def test_wait_and_poll_hint_grow_with_distance() -> None:
    """1,000 ahead at 100/s is 10 s; the hint is a fifth of the wait, kept between 1 and 30 s."""
    assert estimated_wait_seconds(1000, 100.0) == 10.0
    assert poll_after_seconds(10.0) == 2.0
    assert poll_after_seconds(0.5) == 1.0
    assert poll_after_seconds(10_000.0) == 30.0
    assert poll_after_seconds(math.inf) == 30.0
    assert math.isinf(estimated_wait_seconds(5, 0.0))


def test_bucket_admits_at_the_rate() -> None:
    """At 10/s, half a second admits 5; 2.5 s later, 25 more, however rarely anyone asked."""
    admitted, tokens = advance_admitted(
        LineCounters(1000, 0), elapsed_seconds=0.5, rate=10.0, tokens=0.0, waiting=1000, active=0, cap=None
    )
    assert (admitted, tokens) == (5, 0.0)
    admitted, tokens = advance_admitted(
        LineCounters(1000, 5), elapsed_seconds=2.5, rate=10.0, tokens=0.0, waiting=995, active=0, cap=None
    )
    assert (admitted, tokens) == (30, 0.0)


def test_new_line_starts_with_a_full_bucket() -> None:
    """The first people to arrive are admitted at once, up to one second's worth."""
    admitted, _ = advance_admitted(
        LineCounters(3, 0), elapsed_seconds=0.0, rate=50.0, tokens=None, waiting=0, active=0, cap=None
    )
    assert admitted == 3


def test_never_admits_past_issued_and_idle_lines_bank_at_most_a_second() -> None:
    """An empty line does not save up a burst beyond one second of admissions."""
    admitted, tokens = advance_admitted(
        LineCounters(2, 0), elapsed_seconds=3600, rate=10.0, tokens=0.0, waiting=0, active=0, cap=None
    )
    assert admitted == 2 and tokens == 8.0  # the two came out of the one second's burst


def test_newcomers_to_an_idle_unpolled_line_get_one_second_not_the_idle_time() -> None:
    """Nobody waited and nobody asked for 8 s; then 40 arrive: 10 go in (one second), not 40."""
    admitted, tokens = advance_admitted(
        LineCounters(40, 0), elapsed_seconds=8, rate=10.0, tokens=10.0, waiting=0, active=0, cap=None
    )
    assert (admitted, tokens) == (10, 0.0)


def test_people_waiting_all_along_are_owed_the_elapsed_time() -> None:
    """5 were waiting when the line was last asked; 8 s later all 5 go in, plus a second's burst."""
    admitted, _ = advance_admitted(
        LineCounters(40, 0), elapsed_seconds=8, rate=10.0, tokens=0.0, waiting=5, active=0, cap=None
    )
    assert admitted == 15


def test_cap_holds_admission_while_passes_are_live() -> None:
    """With 20 people holding passes and a cap of 25, at most 5 more are admitted."""
    admitted, _ = advance_admitted(
        LineCounters(1000, 100), elapsed_seconds=10, rate=100.0, tokens=0.0, waiting=900, active=20, cap=25
    )
    assert admitted == 105
    admitted, _ = advance_admitted(
        LineCounters(1000, 100), elapsed_seconds=10, rate=100.0, tokens=0.0, waiting=900, active=30, cap=25
    )
    assert admitted == 100


def test_pre_queue_shuffle_is_a_permutation() -> None:
    """Early arrivals are reordered, none lost or duplicated."""
    members = [f"p{i}" for i in range(100)]
    shuffled = shuffle_pre_queue(members, random.Random(7))
    assert sorted(shuffled) == sorted(members) and shuffled != members


def test_rate_meter_measures_what_was_admitted() -> None:
    """Admitting 60 people over 10 s measures 6/s, whatever rate was configured."""
    meter = AdmissionRateMeter()
    meter.record(0.0, 0)
    meter.record(10.0, 60)
    assert meter.rate(fallback=50.0) == 6.0
    assert AdmissionRateMeter().rate(fallback=50.0) == 50.0
