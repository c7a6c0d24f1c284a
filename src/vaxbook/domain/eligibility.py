"""May this person book now? If not, when, or why not."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from vaxbook.domain.campaign import Campaign
from vaxbook.domain.identity import group_for_birth_date
from vaxbook.domain.rotation import Window, windows_for_group


class Status(StrEnum):
    OPEN = "open"  # may join the line now
    NOT_YET = "not_yet"  # a window opens later: `window` says when
    CLOSED = "closed"  # every window of this person has passed
    OUTSIDE_COHORT = "outside_cohort"
    BOOKED = "booked"  # holds a booking; `window` is open when a change is possible now


@dataclass(frozen=True)
class Eligibility:
    status: Status
    group: int
    window: Window | None

    @property
    def may_join_line(self) -> bool:
        """Booking, or changing a booking, needs an open window (BOOKED carries only an open one)."""
        return self.window is not None and self.status in (Status.OPEN, Status.BOOKED)


def decide_eligibility(
    campaign: Campaign, birth_date: date, now: datetime, *, has_booking: bool
) -> Eligibility:
    """The person's status at `now`, with the window that is open or comes next."""
    group = group_for_birth_date(birth_date)
    if not campaign.in_cohort(birth_date):
        return Eligibility(Status.OUTSIDE_COHORT, group, None)
    current = next((w for w in windows_for_group(campaign, group) if w.is_open(now)), None)
    upcoming = next((w for w in windows_for_group(campaign, group) if w.opens > now), None)
    if has_booking:
        return Eligibility(Status.BOOKED, group, current)
    if current:
        return Eligibility(Status.OPEN, group, current)
    if upcoming:
        return Eligibility(Status.NOT_YET, group, upcoming)
    return Eligibility(Status.CLOSED, group, None)
