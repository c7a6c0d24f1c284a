"""The standby list and its offers, as plain values and pure rules.

A person who found no place waits for up to three districts. A freed place is held in the
ledger for the longest-waiting person who may take it, as an exclusive offer that lapses.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from vaxbook.domain.booking import Clinic, Slot
from vaxbook.domain.errors import Problem, VaxbookError
from vaxbook.domain.notices import Notice

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


@dataclass(frozen=True)
class Holds:
    """How long an offer holds its place: a freed place, and a leftover dose of the day."""

    standby: timedelta = timedelta(minutes=30)
    leftover: timedelta = timedelta(minutes=15)

    def of(self, leftover: bool) -> timedelta:
        return self.leftover if leftover else self.standby


@dataclass(frozen=True)
class StandbyJoin:
    """Joining standby: who, for which districts, under which share rule, until when."""

    person_key: str
    group: int
    districts: tuple[District, ...]
    any_share: bool  # the additional period: any group's share; else only the person's own
    until: datetime  # the close of the window they joined in: after it, no more offers
    at: datetime
    contact: str = ""  # sealed; kept so the offer can be sent


@dataclass(frozen=True)
class Acceptance:
    """Accepting an open offer: the booking it becomes, with its second dose."""

    person_key: str
    masked_name: str
    birth_date: date
    needs_second_dose: bool
    second_slot_ids: tuple[int, ...]  # candidates, in order of preference
    at: datetime
    notices: tuple[Notice, ...] = ()
    contact: str = ""


def rule_of_window(window_group: int | None) -> ShareRule:
    """The share rule of a window: its own group's share in the main period, any in the additional."""
    return ShareRule(None if window_group is None else (window_group,))


def check_districts(districts: tuple[District, ...]) -> tuple[District, ...]:
    """1 to MAX_DISTRICTS districts, each once, in the order given."""
    unique = tuple(dict.fromkeys(districts))
    if not 1 <= len(unique) <= MAX_DISTRICTS or len(unique) != len(districts):
        raise VaxbookError(
            Problem.INVALID_INPUT, field="districts",
            detail_en=f"Choose 1 to {MAX_DISTRICTS} different districts.",
            detail_ko=f"서로 다른 지역을 1~{MAX_DISTRICTS}곳 선택해 주세요.",
        )
    return unique
