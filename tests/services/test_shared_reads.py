"""SharedReads: the workers' one read per period, through the test backend's real gate (the
in-process one, or Redis), each "worker" its own SharedReads on that one gate. Times are the
gate's own clock, so the tests wait in real time on a short period."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from vaxbook.bootstrap import Container
from vaxbook.services.shared_reads import LOOK_SECONDS, REFRESH_AT, WAIT_SECONDS, SharedReads

PERIOD = 0.5
REFRESH = PERIOD * REFRESH_AT


def counting(value: str, reads: list[str]) -> Callable[[], Awaitable[str]]:
    """A read of `value` that notes each time it is made."""
    async def read() -> str:
        reads.append(value)
        return value
    return read


def held(value: str, reads: list[str], release: asyncio.Event) -> Callable[[], Awaitable[str]]:
    """A read of `value` that lasts until `release` is set."""
    async def read() -> str:
        await release.wait()
        reads.append(value)
        return value
    return read


async def test_a_second_worker_takes_the_first_ones_read(services: Container) -> None:
    """Until REFRESH_AT of the period is gone a worker takes another's read instead of reading,
    and keeps it until then; the first to see it older reads again, for everyone."""
    first, second = SharedReads(services.gate, PERIOD), SharedReads(services.gate, PERIOD)
    reads: list[str] = []
    assert await first.get("n", counting("v1", reads)) == ("v1", REFRESH)
    value, keep = await second.get("n", counting("v2", reads))
    assert value == "v1" and 0 < keep <= REFRESH
    assert reads == ["v1"]
    await asyncio.sleep(REFRESH + 0.02)
    assert await second.get("n", counting("v3", reads)) == ("v3", REFRESH)
    assert (await first.get("n", counting("v4", reads)))[0] == "v3"
    assert reads == ["v1", "v3"]


async def test_while_one_worker_reads_again_the_others_keep_the_copy_and_look_again_soon(
    services: Container,
) -> None:
    """A worker refused the claim (another is reading) keeps the copy a moment and looks again,
    so the workers do not all come back when it expires; once the new copy is there they take it."""
    first, second = SharedReads(services.gate, PERIOD), SharedReads(services.gate, PERIOD)
    reads: list[str] = []
    await first.get("n", counting("v1", reads))
    await asyncio.sleep(REFRESH + 0.02)
    release = asyncio.Event()
    reading = asyncio.create_task(first.get("n", held("v2", reads, release)))
    await asyncio.sleep(0.01)  # the first worker holds the claim and waits for its read
    value, keep = await second.get("n", counting("v3", reads))
    assert value == "v1" and keep <= LOOK_SECONDS
    release.set()
    assert await reading == ("v2", REFRESH)
    assert (await second.get("n", counting("v3", reads)))[0] == "v2"
    assert reads == ["v1", "v2"]


async def test_with_no_copy_the_others_wait_for_the_one_read(services: Container) -> None:
    """At the start (or after the copy expired) one worker reads and the others wait for its copy
    instead of all reading at once; past the reader's lease, each reads for itself."""
    workers = [SharedReads(services.gate, PERIOD) for _ in range(5)]
    reads: list[str] = []
    release = asyncio.Event()
    reading = asyncio.create_task(workers[0].get("m", held("first", reads, release)))
    await asyncio.sleep(0.01)
    waiting = asyncio.gather(*(w.get("m", counting("own", reads)) for w in workers[1:]))
    await asyncio.sleep(PERIOD * (1 - REFRESH_AT) / 2)
    release.set()
    await reading
    assert {value for value, _ in await waiting} == {"first"}
    assert reads == ["first"]

    slow = asyncio.Event()  # never set: the reader is later than its lease
    late = asyncio.create_task(workers[0].get("k", held("late", reads, slow)))
    await asyncio.sleep(0.01)
    assert await workers[1].get("k", counting("own", reads)) == ("own", REFRESH)
    late.cancel()
    with pytest.raises(asyncio.CancelledError):
        await late


async def test_a_wait_for_a_slow_reader_is_not_a_failing_gate(services: Container) -> None:
    """With a long period the wait for the one read may outlast WAIT_SECONDS: the waiting worker
    still takes that read, and goes on using the gate afterwards (it does not rest from it)."""
    first, second = SharedReads(services.gate, 5.0), SharedReads(services.gate, 5.0)
    reads: list[str] = []
    release = asyncio.Event()
    reading = asyncio.create_task(first.get("p", held("first", reads, release)))
    await asyncio.sleep(0.01)
    waiting = asyncio.create_task(second.get("p", counting("own", reads)))
    await asyncio.sleep(WAIT_SECONDS + 0.2)
    release.set()
    await reading
    assert (await waiting)[0] == "first"
    assert (await second.get("p", counting("own", reads)))[0] == "first"
    assert reads == ["first"]
