"""The standby list and its offers, as plain values and pure rules.

A person who found no place waits for up to three districts. A freed place is held in the
ledger for the longest-waiting person who may take it, as an exclusive offer that lapses.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from vaxbook.domain.booking import Clinic, Slot

MAX_DISTRICTS = 3


class OfferState(StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    LAPSED = "lapsed"


@dataclass(frozen=True)
class District:
    sido: str
    sigungu: str


@dataclass(frozen=True)
class StandbyEntry:
    person_key: str
    group: int
    districts: tuple[District, ...]
    joined_at: datetime
    position: int  # 1 = the next to be offered a place in one of their districts


@dataclass(frozen=True)
class Offer:
    id: str
    person_key: str
    slot: Slot
    clinic: Clinic
    share_group: int
    leftover: bool  # a leftover dose of the day, with the shorter hold
    created_at: datetime
    expires_at: datetime
    state: OfferState


@dataclass(frozen=True)
class ShareRule:
    """Whose standby may take a place now: the period's share rule.

    In the main period only the group whose window is open, and only from its own share;
    in the additional period anyone, from any share. `groups` None means any group.
    """

    groups: tuple[int, ...] | None

    def allows(self, person_group: int, share_group: int) -> bool:
        if self.groups is None:
            return True
        return person_group in self.groups and share_group == person_group
