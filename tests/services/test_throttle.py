"""Throttle.take on each backend's gate: the limits asked at once, charged only up to the first refusal."""

from __future__ import annotations

import pytest

from tests.conftest import ManualClock
from vaxbook.bootstrap import Container
from vaxbook.domain.errors import Problem, VaxbookError
from vaxbook.domain.throttle import Rate
from vaxbook.keys import Key
from vaxbook.services.throttle import Limits, Throttle

ONE = Rate(1, 600.0)
TWO = Rate(2, 600.0)


def throttle(services: Container, clock: ManualClock) -> Throttle:
    return Throttle(services.gate, clock, Key("t1", b"throttle-test-pepper-0123456789"), Limits())


async def test_take_counts_every_limit_in_order(services: Container, clock: ManualClock) -> None:
    """Two limits allow, are both counted, and the one with room for one refuses the next take."""
    limits = throttle(services, clock)
    counted = await limits.take(
        ("client", "192.0.2.1", TWO), ("phone", "01012345678", ONE), ("off", "x", None)
    )
    assert [c.rate for c in counted] == [TWO, ONE]
    with pytest.raises(VaxbookError) as refused:
        await limits.take(("client", "192.0.2.1", TWO), ("phone", "01012345678", ONE))
    assert refused.value.code is Problem.TOO_MANY_REQUESTS and refused.value.retry_after == 600
    # The client's second event was counted (it came first), so a third is refused too.
    with pytest.raises(VaxbookError):
        await limits.take(("client", "192.0.2.1", TWO))


async def test_a_refusal_charges_nothing_after_it(services: Container, clock: ManualClock) -> None:
    """A flood refused by its address's limit does not spend the phone's allowance it names."""
    limits = throttle(services, clock)
    await limits.take(("client", "192.0.2.1", ONE))
    for _ in range(3):
        with pytest.raises(VaxbookError):
            await limits.take(("client", "192.0.2.1", ONE), ("phone", "01012345678", ONE))
    # The phone was asked each time (one round trip), and given back each time.
    assert await limits.take(("client", "192.0.2.2", ONE), ("phone", "01012345678", ONE))


async def test_take_with_no_limit_asks_nothing(services: Container, clock: ManualClock) -> None:
    """Every limit off: nothing counted, no error."""
    assert await throttle(services, clock).take(("client", "192.0.2.1", None)) == []
