"""The waiting room service, called directly: one place per person, then an admission pass."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.conftest import GROUP_3_OPENS, ManualClock
from tests.journey import add_clinic_with_slot
from tests.services.conftest import admitted, verified
from vaxbook.bootstrap import Container
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
