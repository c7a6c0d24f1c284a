"""The correctness checker finds every seeded violation and passes a clean ledger."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from vaxbook_bench.correctness import BookingRow, LedgerSnapshot, ShareRow, SlotRow, check_ledger

FIRST, SECOND = date(2021, 8, 20), date(2021, 10, 1)
GAP = {"pfizer": 42}


def clean() -> LedgerSnapshot:
    return LedgerSnapshot(
        shares=[ShareRow(1, 3, 2, 2), ShareRow(1, 4, 2, 0)],
        slots=[SlotRow(1, "C1", FIRST, "pfizer", 0, 0), SlotRow(2, "C1", SECOND, "pfizer", 2, 2)],
        bookings=[
            BookingRow("VB1", "p1", date(1990, 1, 3), 1, 3, 2, True),
            BookingRow("VB2", "p2", date(1990, 1, 13), 1, 3, 2, True),
        ],
    )


def rules(snapshot: LedgerSnapshot, confirmed: set[str] | None = None) -> set[str]:
    found = check_ledger(
        snapshot, {"VB1", "VB2"} if confirmed is None else confirmed, interval_days=GAP, main_period=True
    )
    return {v.rule for v in found}


def test_a_clean_ledger_passes() -> None:
    """Bookings within capacity, own-group shares, second doses 42 days later: no violation."""
    assert rules(clean()) == set()


def test_overbooked_share_is_found() -> None:
    """A third booking in a share of two is reported as over capacity."""
    snapshot = clean()
    extra = BookingRow("VB3", "p3", date(1990, 1, 23), 1, 3, 2, True)
    roomy = replace(snapshot.slots[1], second_capacity=3, second_booked=3)
    seeded = replace(snapshot, bookings=[*snapshot.bookings, extra], slots=[snapshot.slots[0], roomy])
    assert rules(seeded, {"VB1", "VB2", "VB3"}) == {"slot_over_capacity"}


def test_counter_disagreeing_with_bookings_is_found() -> None:
    """A share counter that does not match the bookings is reported as drift."""
    snapshot = clean()
    seeded = replace(snapshot, shares=[ShareRow(1, 3, 2, 1), snapshot.shares[1]])
    assert rules(seeded) == {"counter_drift"}


def test_booking_from_another_groups_share_is_found() -> None:
    """In the main period, a person of group 4 booking from group 3's share is a violation."""
    snapshot = clean()
    seeded = replace(
        snapshot, bookings=[snapshot.bookings[0], replace(snapshot.bookings[1], birth_date=date(1990, 1, 14))]
    )
    assert rules(seeded) == {"group_share_exceeded"}


def test_two_active_bookings_of_one_person_are_found() -> None:
    """The same person key on two active bookings is reported."""
    snapshot = clean()
    twice = replace(snapshot.bookings[1], person_key="p1")
    seeded = replace(snapshot, bookings=[snapshot.bookings[0], twice])
    assert rules(seeded) == {"several_active_bookings"}


def test_confirmed_but_missing_booking_is_found() -> None:
    """A booking id answered with 2xx but absent from the ledger is reported."""
    assert rules(clean(), {"VB1", "VB2", "VB9"}) == {"confirmed_booking_missing"}


def test_cancelled_confirmed_booking_counts_as_missing() -> None:
    """A confirmed booking that is not active any more is not where it should be."""
    snapshot = clean()
    seeded = replace(
        snapshot,
        bookings=[snapshot.bookings[0], replace(snapshot.bookings[1], active=False)],
        shares=[ShareRow(1, 3, 2, 1), snapshot.shares[1]],
        slots=[snapshot.slots[0], replace(snapshot.slots[1], second_booked=1)],
    )
    assert rules(seeded) == {"confirmed_booking_missing"}


def test_booking_without_second_dose_is_found() -> None:
    """A confirmed booking whose second dose is absent is reported."""
    snapshot = clean()
    alone = replace(snapshot.bookings[1], second_slot_id=None)
    seeded = replace(
        snapshot,
        bookings=[snapshot.bookings[0], alone],
        slots=[snapshot.slots[0], replace(snapshot.slots[1], second_booked=1)],
    )
    assert rules(seeded) == {"second_dose_missing"}


def test_booking_nobody_was_told_about_is_found() -> None:
    """An active booking no 2xx response named is reported."""
    assert rules(clean(), {"VB1"}) == {"unannounced_booking"}


def test_bookings_made_before_the_rush_are_not_unannounced() -> None:
    """Targeting a running server, bookings that existed before the rush are not the rush's."""
    found = check_ledger(clean(), {"VB1"}, interval_days=GAP, main_period=True, known_before={"VB2"})
    assert found == []
