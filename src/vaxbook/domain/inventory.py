"""Fair inventory: each slot's first doses split evenly among the groups; second-dose placement."""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, time, timedelta

from vaxbook.domain.campaign import Vaccine


def slot_number_of(clinic_id: str, day: date, start: time, vaccine_id: str) -> int:
    """A stable number per slot that decides which groups get the remainder places."""
    return zlib.crc32(f"{clinic_id}|{day}|{start}|{vaccine_id}".encode())


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


def resplit_quota(
    capacity: int, slot_number: int, booked: Sequence[int], groups: int = 10
) -> list[int] | None:
    """The shares after a slot's first-dose capacity changes; None if it is below what is booked.

    The split is the same as split_quota's. A group whose new share would fall below what it
    has already booked (the additional period books from any group's share) keeps its booked
    places, and the difference is taken one place at a time from the group with the most
    room left (the lowest group on a tie), so the total stays `capacity`.
    """
    if capacity < sum(booked):
        return None
    shares = split_quota(capacity, slot_number, groups)
    short = 0
    for group in range(groups):
        if shares[group] < booked[group]:
            short += booked[group] - shares[group]
            shares[group] = booked[group]
    while short:
        roomiest = max(range(groups), key=lambda g: (shares[g] - booked[g], -g))
        shares[roomiest] -= 1
        short -= 1
    return shares
