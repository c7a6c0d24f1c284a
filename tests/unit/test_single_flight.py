"""Callers that miss a cache together share one load."""

from __future__ import annotations

import asyncio

import pytest

from vaxbook.services.single_flight import SingleFlight


async def test_concurrent_callers_share_one_load() -> None:
    """A hundred callers asking for one key at once cause a single load and all get its value."""
    flight: SingleFlight[int] = SingleFlight()
    loads = 0

    async def load() -> int:
        nonlocal loads
        loads += 1
        await asyncio.sleep(0.01)
        return 42

    values = await asyncio.gather(*(flight.run("k", load) for _ in range(100)))
    assert values == [42] * 100 and loads == 1


async def test_a_later_call_loads_again() -> None:
    """Once a load has finished, the next caller starts a fresh one (caching is the caller's job)."""
    flight: SingleFlight[int] = SingleFlight()
    counter = iter(range(10))

    async def load() -> int:
        return next(counter)

    assert (await flight.run("k", load), await flight.run("k", load)) == (0, 1)


async def test_a_failed_load_fails_every_waiter() -> None:
    """An error in the shared load reaches each caller that waited on it."""
    flight: SingleFlight[int] = SingleFlight()

    async def load() -> int:
        await asyncio.sleep(0.01)
        raise RuntimeError("backend down")

    results = await asyncio.gather(*(flight.run("k", load) for _ in range(3)), return_exceptions=True)
    assert all(isinstance(r, RuntimeError) for r in results)
    with pytest.raises(RuntimeError):
        await flight.run("k", load)
