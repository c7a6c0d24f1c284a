"""Turns for the opening burst (services/arrivals.py): bounded, in order, not held over a provider's send."""

from __future__ import annotations

import asyncio
import time

import pytest

from tests.conftest import ManualClock
from tests.journey import add_clinic_with_slot, person_number
from tests.services.conftest import GROUP_3_BIRTH
from vaxbook.bootstrap import build
from vaxbook.config import Settings
from vaxbook.domain.credentials import Identity
from vaxbook.domain.errors import Problem, VaxbookError
from vaxbook.services.arrivals import Arrivals


async def most_at_once(arrivals: Arrivals, count: int) -> tuple[int, list[int]]:
    """`count` arrivals at once, each holding its turn briefly: the most that ran together, and
    which ran."""
    running, most, done = 0, 0, []

    async def arrive(n: int) -> None:
        nonlocal running, most
        async with arrivals.turn():
            running += 1
            most = max(most, running)
            await asyncio.sleep(0.01)
            running -= 1
            done.append(n)

    await asyncio.gather(*(arrive(n) for n in range(count)))
    return most, done


async def test_at_most_the_limit_run_at_once_and_all_get_their_turn() -> None:
    """With two turns, six arrivals never run more than two at a time, and every one of them runs."""
    most, done = await most_at_once(Arrivals(2, 5.0), 6)
    assert most == 2 and sorted(done) == list(range(6))


async def test_a_turn_not_given_in_time_is_a_503_and_leaks_nothing() -> None:
    """A wait longer than wait_seconds is service_unavailable with Retry-After; the turn it never
    got is not lost: once the holder leaves, the next arrival gets it at once."""
    arrivals, leave = Arrivals(1, 0.05), asyncio.Event()

    async def hold() -> None:
        async with arrivals.turn():
            await leave.wait()

    holder = asyncio.create_task(hold())
    await asyncio.sleep(0)
    with pytest.raises(VaxbookError) as refused:
        async with arrivals.turn():
            pass
    assert refused.value.code is Problem.SERVICE_UNAVAILABLE and refused.value.retry_after == 5
    leave.set()
    await holder
    async with asyncio.timeout(1.0), arrivals.turn():
        pass


async def test_no_bound_when_turned_off() -> None:
    """0 turns: any number run at once (the setting's documented off switch)."""
    most, done = await most_at_once(Arrivals(0, 0.01), 20)
    assert most == 20 and len(done) == 20


async def test_the_providers_send_is_made_outside_a_turn(settings: Settings, clock: ManualClock) -> None:
    """With one turn per worker, a verification whose code the provider is still sending (a slow
    method) holds no turn: someone else joins the line meanwhile, well within the turn's wait."""
    slow = {**settings.sim_latency_ms, "kakao": 2000.0}
    built = build(settings.model_copy(update={"arrival_turns": 1, "arrival_wait_seconds": 0.5,
                                              "sim_latency_ms": slow}), clock)
    await built.start()
    sending = None
    try:
        await add_clinic_with_slot(built.clinics, "C1")
        sending = asyncio.create_task(built.auth.start(
            name="홍길동", resident_number=person_number(GROUP_3_BIRTH), phone="010-1234-0001",
            method="kakao", device_id="device-0001", client="192.0.2.1"))
        deadline = time.monotonic() + 5
        while (await built.gate.method_figures("kakao"))[0] == 0:  # the provider was asked
            assert time.monotonic() < deadline and not sending.done()
            await asyncio.sleep(0.01)
        now = clock.now().timestamp()
        other = Identity(person="p" * 43, device="device-0002", birth=GROUP_3_BIRTH.isoformat(),
                         name="김*수", iat=now, exp=now + 600)
        view = await built.waiting_room.join(other)  # a 503 if the turn were held over the send
        assert view.number is not None and not sending.done()
        await sending
    finally:
        if sending is not None and not sending.done():
            sending.cancel()
        await built.stop()
