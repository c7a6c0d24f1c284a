"""Process CPU per call of an awaitable: the measure of the micro-benchmarks in benchmarks/*.py.

Process CPU, not wall time, so other processes on a shared machine do not count; the best of
several rounds, the quietest of them. The event loop is the caller's (uvloop, as `vaxbook serve`).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any


async def cpu_per_call(call: Callable[[], Awaitable[Any]], *, rounds: int, calls: int, warm: int) -> float:
    """Microseconds of process CPU per call: `warm` calls first, then the best of `rounds` of `calls`."""
    for _ in range(warm):
        await call()
    best = float("inf")
    for _ in range(rounds):
        started = time.process_time()
        for _ in range(calls):
            await call()
        best = min(best, (time.process_time() - started) / calls)
    return best * 1e6
