"""Fair inventory: each slot's first doses split evenly among the groups; second-dose placement."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, time, timedelta

from vaxbook.domain.campaign import Vaccine


def split_quota(capacity: int, slot_number: int, groups: int = 10) -> list[int]:
    """Each group's share of a slot's first-dose capacity, indexed by group.

    Every group gets capacity // groups. The remainder goes one each to consecutive groups
    starting at group `slot_number % groups` (wrapping past 9 to 0), so over many slots the
    extra places fall on every group alike instead of always on groups 0, 1, 2...
    """
    if capacity < 0:
        raise ValueError("capacity must not be negative")
    base, remainder = divmod(capacity, groups)
    shares = [base] * groups
    for step in range(remainder):
        shares[(slot_number + step) % groups] += 1
    return shares


def share_order(group: int | None, groups: int = 10) -> list[int]:
    """The shares a booking may draw from: its own group's in the main period, any in the additional.

    In the additional period (group None) every unbooked share is open to everyone.
    """
    return list(range(groups)) if group is None else [group]


def second_dose_date(first: date, vaccine: Vaccine) -> date | None:
    """The second dose falls `interval_days` after the first; None for a single-dose vaccine."""
    return first + timedelta(days=vaccine.interval_days) if vaccine.doses == 2 else None


@dataclass(frozen=True)
class SecondDoseCandidate:
    slot_id: int
    start: time


def rank_second_dose_slots(
    candidates: Sequence[SecondDoseCandidate], first_start: time
) -> list[int]:
    """Slot ids to try for the second dose: the same time of day first, then nearest in time."""

    def distance(candidate: SecondDoseCandidate) -> tuple[int, time]:
        minutes = abs(
            (candidate.start.hour * 60 + candidate.start.minute)
            - (first_start.hour * 60 + first_start.minute)
        )
        return minutes, candidate.start

    return [c.slot_id for c in sorted(candidates, key=distance)]
