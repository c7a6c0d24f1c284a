"""The Gate contract, run against every gate: the in-process one and Redis."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests import backends
from tests.conftest import CLUSTER, needs_cluster
from vaxbook.adapters.memory.gate import MemoryGate
from vaxbook.adapters.redis.gate import RedisGate
from vaxbook.domain.queue import LineCounters, advance_admitted
from vaxbook.ports import Gate

GATES = ["memory", "redis"] if CLUSTER else ["memory"]
T0 = 1_628_852_400.0  # 2021-08-13 11:00 UTC


def make_gate(kind: str, prefix: str) -> Gate:
    if kind == "memory":
        return MemoryGate()
    return RedisGate(backends.REDIS_URL, prefix=prefix, pool_size=20)


@pytest.fixture(params=GATES)
async def gate(request: pytest.FixtureRequest) -> AsyncIterator[Gate]:
    prefix = backends.new_prefix()
    made = make_gate(str(request.param), prefix)
    await made.open()
    yield made
    await made.close()
    if request.param == "redis":
        backends.drop_prefix(prefix)


async def test_one_verification_per_hold(gate: Gate) -> None:
    """A second verification within the hold is refused with the time left, and allowed after it."""
    assert (await gate.claim_verification("p1", "d1", T0, 600)).ok
    again = await gate.claim_verification("p1", "d1", T0 + 100, 600)
    assert not again.ok and again.retry_after == pytest.approx(500)
    assert (await gate.claim_verification("p1", "d1", T0 + 600, 600)).ok


async def test_first_device_keeps_the_person(gate: Gate) -> None:
    """Another device is refused until the binding ends; then it may take over."""
    assert (await gate.claim_verification("p1", "d1", T0, 600)).ok
    other = await gate.claim_verification("p1", "d2", T0 + 10, 600)
    assert not other.ok and other.device_bound_until == pytest.approx(T0 + 600)
    assert await gate.device_holder("p1", T0 + 10) == "d1"
    assert await gate.device_holder("p1", T0 + 600) is None
    assert (await gate.claim_verification("p1", "d2", T0 + 601, 600)).ok
    assert await gate.device_holder("p1", T0 + 602) == "d2"


async def test_concurrent_claims_let_exactly_one_device_win(gate: Gate) -> None:
    """Twenty devices verifying one person at the same instant: exactly one is bound."""
    outcomes = await asyncio.gather(
        *(gate.claim_verification("p1", f"d{i}", T0, 600) for i in range(20))
    )
    assert sum(o.ok for o in outcomes) == 1


async def test_one_place_per_person(gate: Gate) -> None:
    """Joining again returns the same number; concurrent joins of many people get distinct numbers."""
    numbers = await asyncio.gather(*(gate.join_line("L", f"p{i}", True, 7) for i in range(50)))
    assert sorted(n for n in numbers if n is not None) == list(range(1, 51))
    assert await gate.join_line("L", "p3", True, 7) == numbers[3]


async def test_pre_queue_is_shuffled_at_opening_before_later_arrivals(gate: Gate) -> None:
    """Pre-queue members get places 1..n in a seeded random order; a later arrival comes after them."""
    early = [f"early{i}" for i in range(30)]
    seeds = random.Random(1)  # the service draws a fresh random seed for every call
    for person in early:
        assert await gate.join_line("L", person, False, seeds.getrandbits(63)) is None
    late = await gate.join_line("L", "late", True, 12345)
    places = [await gate.join_line("L", person, True, 999) for person in early]
    assert sorted(p for p in places if p is not None) == list(range(1, 31))
    assert places != list(range(1, 31))  # arriving first earns no rank
    assert late == 31


async def test_counters_follow_the_domain_token_bucket(gate: Gate) -> None:
    """Admission starts with a one-second burst, then admits rate x elapsed, never past issued."""
    for i in range(100):
        await gate.join_line("L", f"p{i}", True, 1)
    assert await gate.counters("L", T0, 10.0, None) == LineCounters(100, 10)
    assert await gate.counters("L", T0 + 0.5, 10.0, None) == LineCounters(100, 15)
    assert await gate.counters("L", T0 + 100, 10.0, None) == LineCounters(100, 100)


async def test_cap_on_live_passes_stops_admission_until_released(gate: Gate) -> None:
    """With a cap of 2, two live passes stop admission; releasing one (or expiry) lets one more in."""
    for i in range(10):
        await gate.join_line("L", f"p{i}", True, 1)
    assert (await gate.counters("L", T0, 100.0, 2)).admitted == 2
    await gate.hold_admission("L", "p0", T0 + 600)
    await gate.hold_admission("L", "p1", T0 + 600)
    assert (await gate.counters("L", T0 + 1, 100.0, 2)).admitted == 2
    await gate.release_admission("L", "p0")
    assert (await gate.counters("L", T0 + 2, 100.0, 2)).admitted == 3
    await gate.hold_admission("L", "p2", T0 + 3)
    assert (await gate.counters("L", T0 + 604, 100.0, 2)).admitted == 5  # both passes expired


async def test_concurrent_counter_calls_never_double_admit(gate: Gate) -> None:
    """Fifty callers advancing the same line at the same instant admit one burst, not fifty."""
    for i in range(1000):
        await gate.join_line("L", f"p{i}", True, 1)
    await gate.counters("L", T0, 10.0, None)
    results = await asyncio.gather(*(gate.counters("L", T0 + 1, 10.0, None) for _ in range(50)))
    assert {r.admitted for r in results} <= {20}
    assert max(r.admitted for r in results) == 20


async def test_restored_place_keeps_its_number(gate: Gate) -> None:
    """A place put back from a ticket keeps its number, and later arrivals are numbered after it."""
    await gate.restore_place("L", "p9", 9)
    assert await gate.join_line("L", "p9", True, 1) == 9
    assert await gate.join_line("L", "new", True, 1) == 10


async def test_method_figures_count_calls_in_flight_and_recent_latency(gate: Gate) -> None:
    """Started calls count as in flight until finished; finished ones average into the latency."""
    await gate.method_started("kakao")
    await gate.method_started("kakao")
    assert (await gate.method_figures("kakao"))[0] == 2
    await gate.method_finished("kakao", 0.2)
    await gate.method_finished("kakao", 0.4)
    in_flight, latency = await gate.method_figures("kakao")
    assert in_flight == 0 and latency == pytest.approx(0.3)
    assert await gate.method_figures("naver") == (0, 0.0)


@needs_cluster
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    # Binary fractions, so epoch arithmetic in Lua and Python is exact and the test never flakes.
    steps=st.lists(
        st.tuples(st.integers(0, 24).map(lambda q: q / 8), st.integers(0, 20)), min_size=1, max_size=8
    ),
    rate=st.integers(1, 80).map(lambda r: r / 2),
)
def test_redis_bucket_matches_the_domain_rule(steps: list[tuple[float, int]], rate: float) -> None:
    """Redis only: its Lua copy of the token bucket gives what domain.queue.advance_admitted gives."""
    asyncio.run(_compare_with_domain(steps, rate))


async def _compare_with_domain(steps: list[tuple[float, int]], rate: float) -> None:
    prefix = backends.new_prefix()
    gate = RedisGate(backends.REDIS_URL, prefix=prefix)
    await gate.open()
    try:
        now, admitted, tokens, people = T0, 0, None, 0
        for index, (elapsed, arrivals) in enumerate(steps):
            for _ in range(arrivals):
                people += 1
                await gate.join_line("L", f"p{people}", True, 1)
            elapsed = 0.0 if index == 0 else elapsed  # the first call finds a new, full bucket
            now += elapsed
            admitted, tokens = advance_admitted(
                LineCounters(people, admitted), elapsed_seconds=elapsed, rate=rate, tokens=tokens,
                active=0, cap=None,
            )
            assert await gate.counters("L", now, rate, None) == LineCounters(people, admitted)
    finally:
        await gate.close()
        backends.drop_prefix(prefix)


@needs_cluster
async def test_admission_moves_on_when_a_worker_dies() -> None:
    """Redis only (the in-process gate has one worker): when the worker that advanced the line dies,
    another worker continues from the shared state, with no leader and no lock to wait for."""
    prefix = backends.new_prefix()
    first, second = (RedisGate(backends.REDIS_URL, prefix=prefix) for _ in range(2))
    await first.open()
    await second.open()
    try:
        for i in range(100):
            await (first if i % 2 else second).join_line("L", f"p{i}", True, 1)
        assert (await first.counters("L", T0, 10.0, None)).admitted == 10
        await first.close()  # the worker dies
        assert (await second.counters("L", T0 + 2, 10.0, None)).admitted == 30
    finally:
        await second.close()
        backends.drop_prefix(prefix)
