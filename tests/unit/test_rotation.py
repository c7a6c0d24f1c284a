"""The 10-part rotation and the window edges, on the 2021 campaign."""

from __future__ import annotations

from datetime import date, datetime
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import CAMPAIGN_2021
from vaxbook.domain.campaign import Campaign, load_campaign
from vaxbook.domain.eligibility import Status, decide_eligibility
from vaxbook.domain.rotation import all_windows, group_of_day, main_windows, windows_for_group

SEOUL = ZoneInfo("Asia/Seoul")
BORN_GROUP_3 = date(1990, 5, 13)


@pytest.fixture(scope="module")
def campaign() -> Campaign:
    return load_campaign(CAMPAIGN_2021)


def at(day: int, hour: int, minute: int = 0, second: int = 0, month: int = 8) -> datetime:
    return datetime(2021, month, day, hour, minute, second, tzinfo=SEOUL)


def test_group_of_each_main_day_is_its_last_digit(campaign: Campaign) -> None:
    """9 to 18 August give groups 9, 0, 1, ..., 8: every group exactly once."""
    groups = [w.group for w in main_windows(campaign)]
    assert groups == [9, 0, 1, 2, 3, 4, 5, 6, 7, 8]
    assert group_of_day(date(2021, 8, 13)) == 3


def test_window_opens_at_20_and_closes_at_18_next_day(campaign: Campaign) -> None:
    """Group 3's window runs from 13 August 20:00 to 14 August 18:00, Seoul time."""
    window = windows_for_group(campaign, 3)[0]
    assert (window.opens, window.closes) == (at(13, 20), at(14, 18))


@pytest.mark.parametrize(
    ("moment", "status"),
    [
        (at(13, 19, 59, 59), Status.NOT_YET),
        (at(13, 20), Status.OPEN),
        (at(14, 17, 59, 59), Status.OPEN),
        (at(14, 18), Status.NOT_YET),
    ],
)
def test_window_edges(campaign: Campaign, moment: datetime, status: Status) -> None:
    """19:59:59 refused, 20:00:00 allowed, next day 17:59:59 allowed, 18:00:00 refused."""
    found = decide_eligibility(campaign, BORN_GROUP_3, moment, has_booking=False)
    assert found.status is status
    assert found.may_join_line is (status is Status.OPEN)


def test_after_own_day_the_next_chance_is_the_additional_period(campaign: Campaign) -> None:
    """After group 3's window closes, the person is told the additional period opens 19 Aug 20:00."""
    found = decide_eligibility(campaign, BORN_GROUP_3, at(14, 18), has_booking=False)
    assert found.window is not None and found.window.group is None
    assert found.window.opens == at(19, 20)


def test_additional_period_is_open_to_every_group(campaign: Campaign) -> None:
    """From 19 Aug 20:00 to 18 Sep 18:00 anyone in the cohort may book."""
    for birth in (date(1972, 1, 1), date(2003, 12, 31), date(1990, 5, 13)):
        assert decide_eligibility(campaign, birth, at(19, 20), has_booking=False).status is Status.OPEN
    assert (
        decide_eligibility(campaign, BORN_GROUP_3, at(18, 17, 59, 59, month=9), has_booking=False).status
        is Status.OPEN
    )
    assert (
        decide_eligibility(campaign, BORN_GROUP_3, at(18, 18, month=9), has_booking=False).status
        is Status.CLOSED
    )


def test_outside_cohort_is_told_why(campaign: Campaign) -> None:
    """Born in 1971 or 2004: outside the 18-49 cohort, with no window."""
    for birth in (date(1971, 12, 31), date(2004, 1, 3)):
        found = decide_eligibility(campaign, birth, at(13, 21), has_booking=False)
        assert found.status is Status.OUTSIDE_COHORT and found.window is None


def test_booked_person_may_join_only_to_change_in_an_open_window(campaign: Campaign) -> None:
    """With a booking, the status is booked; the line is open to them only in their open window."""
    open_now = decide_eligibility(campaign, BORN_GROUP_3, at(13, 21), has_booking=True)
    assert open_now.status is Status.BOOKED and open_now.may_join_line
    later = decide_eligibility(campaign, BORN_GROUP_3, at(15, 12), has_booking=True)
    assert later.status is Status.BOOKED and not later.may_join_line


def test_windows_never_overlap(campaign: Campaign) -> None:
    """Each window closes before the next one opens."""
    windows = all_windows(campaign)
    assert all(a.closes <= b.opens for a, b in pairwise(windows))
