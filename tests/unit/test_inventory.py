"""Fair quota split and second-dose placement."""

from __future__ import annotations

from datetime import date, time

from hypothesis import given
from hypothesis import strategies as st

from vaxbook.domain.campaign import Vaccine
from vaxbook.domain.inventory import (
    SecondDoseCandidate,
    rank_second_dose_slots,
    resplit_quota,
    second_dose_date,
    share_order,
    split_quota,
)


def test_even_split() -> None:
    """100 places give every group 10."""
    assert split_quota(100, slot_number=0) == [10] * 10


def test_remainder_goes_one_each_from_the_slot_number() -> None:
    """23 places at slot number 8: groups 8, 9 and (wrapping) 0 get the three extra places."""
    assert split_quota(23, slot_number=8) == [3, 2, 2, 2, 2, 2, 2, 2, 3, 3]
    assert split_quota(23, slot_number=9) == [3, 3, 2, 2, 2, 2, 2, 2, 2, 3]


def test_fewer_places_than_groups() -> None:
    """Three places go to three consecutive groups, the others get none."""
    assert split_quota(3, slot_number=4) == [0, 0, 0, 0, 1, 1, 1, 0, 0, 0]


@given(st.integers(0, 100_000), st.integers(0, 2**32))
def test_split_is_complete_and_even(capacity: int, slot_number: int) -> None:
    """Shares always add up to the capacity and differ by at most one."""
    shares = split_quota(capacity, slot_number)
    assert sum(shares) == capacity
    assert max(shares) - min(shares) <= 1


def test_remainders_spread_over_all_groups_across_slots() -> None:
    """Over ten consecutive slots of 11 places, every group gets the extra place once."""
    extra = [0] * 10
    for number in range(10):
        for group, size in enumerate(split_quota(11, number)):
            extra[group] += size - 1
    assert extra == [1] * 10


def test_shares_a_booking_may_draw_from() -> None:
    """Main period: one's own group only; additional period: every group."""
    assert share_order(3) == [3]
    assert share_order(None) == list(range(10))


def test_second_dose_is_interval_days_later() -> None:
    """Pfizer on 20 August 2021 gives the second dose on 1 October 2021; one-dose vaccines none."""
    assert second_dose_date(date(2021, 8, 20), Vaccine("pfizer", "P", 2, 42)) == date(2021, 10, 1)
    assert second_dose_date(date(2021, 8, 20), Vaccine("janssen", "J", 1, 0)) is None


def test_second_dose_prefers_the_same_time_then_the_nearest() -> None:
    """Same time first; otherwise the slot nearest in time of day."""
    candidates = [
        SecondDoseCandidate(1, time(9)),
        SecondDoseCandidate(2, time(14)),
        SecondDoseCandidate(3, time(11)),
        SecondDoseCandidate(4, time(16)),
    ]
    assert rank_second_dose_slots(candidates, time(14)) == [2, 4, 3, 1]
    assert rank_second_dose_slots(candidates[:1] + candidates[2:3], time(14)) == [3, 1]


def test_resplit_keeps_the_split_when_bookings_fit() -> None:
    """A new capacity that fits every group's bookings is split exactly as split_quota splits it."""
    assert resplit_quota(23, 7, [1] * 10) == split_quota(23, 7)


def test_resplit_keeps_a_group_its_booked_places() -> None:
    """A group booked past its new share keeps its places; the roomiest groups give them up."""
    booked = [0, 0, 0, 5, 0, 0, 0, 0, 0, 0]
    shares = resplit_quota(20, 0, booked)
    assert shares is not None and sum(shares) == 20 and shares[3] == 5
    assert all(s >= b for s, b in zip(shares, booked, strict=True))
    assert sorted(shares) == [1, 1, 1, 2, 2, 2, 2, 2, 2, 5]


def test_resplit_refuses_capacity_below_booked() -> None:
    """A capacity below the total booked has no split."""
    assert resplit_quota(4, 0, [1, 1, 1, 1, 1, 0, 0, 0, 0, 0]) is None
    assert resplit_quota(5, 0, [1, 1, 1, 1, 1, 0, 0, 0, 0, 0]) == [1, 1, 1, 1, 1, 0, 0, 0, 0, 0]
