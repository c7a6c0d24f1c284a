"""Booking windows: the 10-part rotation by birth date, then the additional period."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

from vaxbook.domain.campaign import Campaign

ADDITIONAL = "additional"


@dataclass(frozen=True)
class Window:
    """A span in which some people may book; `group` is None when everyone in the cohort may."""

    id: str
    group: int | None
    opens: datetime
    closes: datetime

    def is_open(self, now: datetime) -> bool:
        return self.opens <= now < self.closes


def group_of_day(day: date) -> int:
    """The group whose turn a day is: the last digit of its day of the month."""
    return day.day % 10


def main_windows(campaign: Campaign) -> list[Window]:
    """One window per day of the main period, in order."""
    rot, tz = campaign.rotation, campaign.timezone
    windows = []
    for offset in range(rot.groups):
        day = rot.first_day + timedelta(days=offset)
        windows.append(
            Window(
                id=f"main-{day.isoformat()}",
                group=group_of_day(day),
                opens=datetime.combine(day, rot.opens, tz),
                closes=datetime.combine(day + timedelta(days=1), rot.closes, tz),
            )
        )
    return windows


def additional_window(campaign: Campaign) -> Window:
    return Window(ADDITIONAL, None, campaign.additional_starts, campaign.additional_ends)


def all_windows(campaign: Campaign) -> list[Window]:
    return [*main_windows(campaign), additional_window(campaign)]


@lru_cache(maxsize=64)  # a process serves one campaign, asked on every eligibility decision (~45 us to build)
def windows_for_group(campaign: Campaign, group: int) -> tuple[Window, ...]:
    """The windows a group may book in, in time order (its main day, then the additional period)."""
    return tuple(w for w in all_windows(campaign) if w.group in (group, None))
