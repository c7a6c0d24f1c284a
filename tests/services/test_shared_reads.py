"""SharedReads: the workers' one read per period, through the test backend's real gate (the
in-process one, or Redis), each "worker" its own SharedReads on that one gate."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from tests.conftest import ManualClock
from vaxbook.bootstrap import Container
from vaxbook.services.shared_reads import REFRESH_AT, SharedReads

PERIOD = 10.0


def counting(value: str, reads: list[str]) -> Callable[[], Awaitable[str]]:
    """A read of `value` that notes each time it is made."""
    async def read() -> str:
        reads.append(value)
        return value
    return read


async def test_a_second_worker_takes_the_first_ones_read(services: Container, clock: ManualClock) -> None:
    """Within REFRESH_AT of the period, a worker takes another's read instead of reading, and
    keeps it until that age; the first to see it older reads again, for everyone."""
    first, second = (SharedReads(services.gate, clock, PERIOD) for _ in range(2))
    reads: list[str] = []
    assert await first.get("n", counting("v1", reads)) == ("v1", PERIOD * REFRESH_AT)
    clock.advance(seconds=3)
    assert await second.get("n", counting("v2", reads)) == ("v1", pytest.approx(PERIOD * REFRESH_AT - 3))
    assert reads == ["v1"]
    clock.advance(seconds=PERIOD * REFRESH_AT - 3 + 0.5)
    assert await second.get("n", counting("v3", reads)) == ("v3", PERIOD * REFRESH_AT)
    assert await first.get("n", counting("v4", reads)) == ("v3", PERIOD * REFRESH_AT)
    assert reads == ["v1", "v3"]


async def test_while_one_worker_reads_again_the_others_keep_the_copy_within_the_period(
    services: Container, clock: ManualClock
) -> None:
    """A worker refused the claim (another is reading) keeps the copy only until it is a period
    old; a copy older than that it never uses: it reads for itself."""
    first, second = (SharedReads(services.gate, clock, PERIOD) for _ in range(2))
    reads: list[str] = []
    await first.get("n", counting("v1", reads))
    release = asyncio.Event()

    async def slow() -> str:
        await release.wait()
        reads.append("slow")
        return "v2"

    clock.advance(seconds=PERIOD * REFRESH_AT + 1)
    reading = asyncio.create_task(first.get("n", slow))
    await asyncio.sleep(0.05)  # the first worker holds the claim and waits for its read
    kept_for = pytest.approx(PERIOD * (1 - REFRESH_AT) - 1)  # until the copy is a period old
    assert await second.get("n", counting("v3", reads)) == ("v1", kept_for)
    release.set()
    assert await reading == ("v2", PERIOD * REFRESH_AT)
    assert reads == ["v1", "slow"]

    clock.advance(seconds=3 * PERIOD)  # the copy is three periods old
    release.clear()
    reading = asyncio.create_task(first.get("n", slow))
    await asyncio.sleep(0.05)
    assert await second.get("n", counting("v4", reads)) == ("v4", PERIOD * REFRESH_AT)
    release.set()
    await reading
    assert reads == ["v1", "slow", "v4", "slow"]
