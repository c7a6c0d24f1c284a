"""GCRA, the rule both gates follow for every limit, and how limits are written in settings."""

from __future__ import annotations

import pytest

from vaxbook.domain.throttle import Rate, gcra


def test_a_burst_then_one_per_interval() -> None:
    """5 per 600 s: five at once, then one every 120 s."""
    tat = None
    for _ in range(5):
        tat, wait = gcra(tat, 0.0, 5, 600)
        assert wait is None
    assert gcra(tat, 0.0, 5, 600) == (tat, 120.0)
    assert gcra(tat, 120.0, 5, 600)[1] is None


def test_a_refund_never_goes_below_now() -> None:
    """Giving back more than was taken leaves an empty bucket, not credit."""
    assert gcra(None, 10.0, 5, 600, cost=-3) == (10.0, None)
    assert gcra(250.0, 10.0, 5, 600, cost=-1) == (130.0, None)


def test_rates_are_written_count_slash_seconds() -> None:
    """`5/600` is 5 per 600 s, `off` is no limit, anything else is refused."""
    assert Rate.parse("5/600") == Rate(5, 600.0) and str(Rate(5, 600)) == "5/600"
    assert Rate.parse("off") is None
    for wrong in ("5", "0/60", "5/0", "x/y"):
        with pytest.raises(ValueError):
            Rate.parse(wrong)
