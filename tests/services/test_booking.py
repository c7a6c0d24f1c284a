"""The booking service, called directly: one booking per person, both doses or neither."""

from __future__ import annotations

import pytest

from tests.journey import SECOND_DOSE_GAP, add_clinic_with_slot
from tests.services.conftest import admitted, verified
from vaxbook.bootstrap import Container
from vaxbook.domain.errors import Problem, VaxbookError


async def test_a_booking_takes_both_doses_and_shows_as_mine(services: Container) -> None:
    """Booking with a pass holds the first dose and the second one 42 days later, at the same clinic."""
    await add_clinic_with_slot(services.clinics)
    who = await verified(services)
    booking = await services.booking.book(await admitted(services, who), 1, "key-1")
    assert booking.active and booking.second is not None
    assert (booking.second.day - booking.first.day).days == SECOND_DOSE_GAP
    assert (await services.booking.mine(who)).id == booking.id


async def test_the_same_key_replays_and_another_booking_is_refused(services: Container) -> None:
    """A retried request returns the same booking; a second booking of the same person is refused."""
    await add_clinic_with_slot(services.clinics)
    await add_clinic_with_slot(services.clinics, clinic_id="C2")
    who = await verified(services)
    admission = await admitted(services, who)
    booking = await services.booking.book(admission, 1, "key-1")
    assert (await services.booking.book(admission, 1, "key-1")).id == booking.id
    with pytest.raises(VaxbookError) as refused:
        await services.booking.book(admission, 3, "key-2")
    assert refused.value.code is Problem.ALREADY_BOOKED


async def test_a_full_slot_is_refused_and_a_cancel_gives_the_place_back(services: Container) -> None:
    """Once the caller's shares are taken the slot is full; a cancel gives a place back."""
    await add_clinic_with_slot(services.clinics, first_capacity=10)
    await add_clinic_with_slot(services.clinics, clinic_id="C2")  # so the line is not sold out
    people = [await verified(services, device=f"device-{n:04}", serial=n) for n in range(1, 12)]
    booked, refused = [], None
    for who in people:
        admission = await admitted(services, who)
        try:
            await services.booking.book(admission, 1, "key")
        except VaxbookError as full:
            assert full.code is Problem.SLOT_FULL
            refused = admission
            break
        booked.append(who)
    assert booked and refused is not None  # ten places, split among the groups: some are not 3's
    await services.booking.cancel(booked[0])
    assert (await services.booking.book(refused, 1, "key")).active


async def test_no_booking_is_a_typed_refusal(services: Container) -> None:
    """Asking for one's booking without one is refused with no_booking."""
    who = await verified(services)
    with pytest.raises(VaxbookError) as refused:
        await services.booking.mine(who)
    assert refused.value.code is Problem.NO_BOOKING
