"""The waiting room service, called directly: one place per person, then an admission pass."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.conftest import GROUP_3_OPENS, ManualClock
from tests.journey import add_clinic_with_slot
from tests.services.conftest import admitted, verified
from vaxbook.bootstrap import Container, build
from vaxbook.config import Settings
from vaxbook.domain.errors import Problem, VaxbookError


async def test_joining_twice_keeps_the_same_place(services: Container) -> None:
    """A person who joins again gets the place they already hold, not a new one."""
    await add_clinic_with_slot(services.clinics)
    who = await verified(services)
    first = await services.waiting_room.join(who)
    again = await services.waiting_room.join(who)
    assert first.number == again.number == 1


async def test_an_admitted_ticket_yields_a_pass_for_the_groups_share(services: Container) -> None:
    """The pass names the person, their device and the shares of their window's group first."""
    await add_clinic_with_slot(services.clinics)
    who = await verified(services)
    admission = await admitted(services, who)
    assert (admission.person, admission.device) == (who.person, who.device)
    assert admission.groups[0] == 3


async def test_no_places_left_means_sold_out(services: Container) -> None:
    """With no first dose left for the window's groups, joining is refused as sold out."""
    who = await verified(services)
    with pytest.raises(VaxbookError) as refused:
        await services.waiting_room.join(who)
    assert refused.value.code is Problem.SOLD_OUT


async def test_early_arrivals_wait_in_the_pre_queue(services: Container, clock: ManualClock) -> None:
    """Before the window opens a joiner has no number yet, and is told when the line opens."""
    await add_clinic_with_slot(services.clinics)
    clock.set(GROUP_3_OPENS + timedelta(days=1, minutes=-5))  # group 4 opens in five minutes
    who = await verified(services, birth=date(1990, 5, 14))
    view = await services.waiting_room.join(who)
    assert view.state == "pre_queue" and view.number is None and view.opens_at


async def test_a_join_puts_back_no_place_the_gate_just_gave(settings: Settings, clock: ManualClock) -> None:
    """With line counters cached per worker, a join whose number is past the cached count (others
    joined since it was read) does not write its place to the gate again: the gate just gave it.
    A status poll still puts back a ticket past the count it sees (how a gate that lost its state
    is noticed)."""
    services = build(settings.model_copy(update={"counters_cache_seconds": 60.0}), clock)
    await services.start()
    try:
        await add_clinic_with_slot(services.clinics)
        put_back: list[int] = []
        restore = services.gate.restore_place

        async def counted(line_id: str, person: str, number: int) -> None:
            put_back.append(number)
            await restore(line_id, person, number)

        services.gate.restore_place = counted  # type: ignore[method-assign,assignment]  # the real call, counted
        first = await services.waiting_room.join(await verified(services))  # caches issued = 1
        second = await services.waiting_room.join(await verified(services, "device-0002", serial=2))
        assert (first.number, second.number, put_back) == (1, 2, [])
        # A poll of the second ticket sees the cached count (1), as after a gate restart.
        await services.waiting_room.status(second.ticket, "device-0002")
        assert put_back == [2]
    finally:
        await services.stop()
