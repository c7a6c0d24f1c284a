"""Correctness after the rush, judged from the ledger's own rows, not the generator's memory.

Rules checked:
- no slot over capacity: neither a group share's first doses nor a slot's second doses,
  whether counted by the stored counters or by the active bookings themselves;
- no group share exceeded in the main period: a main-period booking draws only from the
  share of the person's own group (the last digit of the day of birth);
- at most one active booking per person;
- every booking confirmed over HTTP (2xx) is in the ledger, active, with its second dose
  at the same clinic and vaccine `interval_days` later;
- no booking exists that no successful response announced.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class ShareRow:
    slot_id: int
    group: int
    capacity: int
    booked: int


@dataclass(frozen=True)
class SlotRow:
    id: int
    clinic_id: str
    day: date
    vaccine_id: str
    second_capacity: int
    second_booked: int


@dataclass(frozen=True)
class BookingRow:
    id: str
    person_key: str
    birth_date: date
    first_slot_id: int
    share_group: int
    second_slot_id: int | None
    active: bool


@dataclass(frozen=True)
class LedgerSnapshot:
    shares: list[ShareRow]
    slots: list[SlotRow]
    bookings: list[BookingRow]


@dataclass(frozen=True)
class Violation:
    rule: str
    detail: str


def check_ledger(
    snapshot: LedgerSnapshot,
    confirmed_ids: set[str],
    *,
    interval_days: dict[str, int],
    main_period: bool,
    known_before: set[str] | None = None,
) -> list[Violation]:
    """Every violation of the rules above; an empty list means the rush left the ledger correct."""
    active = [b for b in snapshot.bookings if b.active]
    return [
        *_capacity(snapshot, active),
        *(_own_group_shares(active) if main_period else []),
        *_one_per_person(active),
        *_confirmed_present(snapshot, active, confirmed_ids, interval_days),
        *_announced(active, confirmed_ids | (known_before or set())),
    ]


def _capacity(snapshot: LedgerSnapshot, active: list[BookingRow]) -> list[Violation]:
    found = []
    first = Counter((b.first_slot_id, b.share_group) for b in active)
    second = Counter(b.second_slot_id for b in active if b.second_slot_id is not None)
    for share in snapshot.shares:
        taken = first.get((share.slot_id, share.group), 0)
        if max(share.booked, taken) > share.capacity:
            found.append(
                Violation(
                    "slot_over_capacity",
                    f"slot {share.slot_id} group {share.group}: "
                    f"{taken} bookings, counter {share.booked}, capacity {share.capacity}",
                )
            )
        elif taken != share.booked:
            found.append(
                Violation(
                    "counter_drift",
                    f"slot {share.slot_id} group {share.group}: {taken} bookings but counter {share.booked}",
                )
            )
    for slot in snapshot.slots:
        taken = second.get(slot.id, 0)
        if max(slot.second_booked, taken) > slot.second_capacity:
            found.append(
                Violation(
                    "slot_over_capacity",
                    f"slot {slot.id} second doses: {taken} bookings,"
                    f" counter {slot.second_booked}, capacity {slot.second_capacity}",
                )
            )
        elif taken != slot.second_booked:
            found.append(
                Violation(
                    "counter_drift",
                    f"slot {slot.id} second doses: {taken} bookings but counter {slot.second_booked}",
                )
            )
    return found


def _own_group_shares(active: list[BookingRow]) -> list[Violation]:
    return [
        Violation(
            "group_share_exceeded",
            f"booking {b.id} of group {b.birth_date.day % 10}"
            f" took a place from group {b.share_group}'s share",
        )
        for b in active
        if b.share_group != b.birth_date.day % 10
    ]


def _one_per_person(active: list[BookingRow]) -> list[Violation]:
    counts = Counter(b.person_key for b in active)
    return [
        Violation("several_active_bookings", f"person {key[:12]}… holds {n} active bookings")
        for key, n in counts.items()
        if n > 1
    ]


def _confirmed_present(
    snapshot: LedgerSnapshot,
    active: list[BookingRow],
    confirmed_ids: set[str],
    interval_days: dict[str, int],
) -> list[Violation]:
    slots = {s.id: s for s in snapshot.slots}
    by_id = {b.id: b for b in active}
    found = []
    for booking_id in sorted(confirmed_ids):
        booking = by_id.get(booking_id)
        if booking is None:
            found.append(
                Violation(
                    "confirmed_booking_missing",
                    f"{booking_id} was confirmed but is not an active booking in the ledger",
                )
            )
            continue
        first = slots.get(booking.first_slot_id)
        second = slots.get(booking.second_slot_id) if booking.second_slot_id is not None else None
        gap = interval_days.get(first.vaccine_id) if first else None
        if (
            first is None
            or second is None
            or gap is None
            or (second.clinic_id, second.vaccine_id, (second.day - first.day).days)
            != (first.clinic_id, first.vaccine_id, gap)
        ):
            found.append(Violation("second_dose_missing", f"{booking_id} has no matching second dose"))
    return found


def _announced(active: list[BookingRow], confirmed_ids: set[str]) -> list[Violation]:
    return [
        Violation("unannounced_booking", f"{b.id} is in the ledger but no 2xx response named it")
        for b in active
        if b.id not in confirmed_ids
    ]
