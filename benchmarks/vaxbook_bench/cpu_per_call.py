"""Process CPU per call of an awaitable: the measure of the micro-benchmarks in benchmarks/*.py.

Process CPU, not wall time, so other processes on a shared machine do not count; the best of
several rounds, the quietest of them. The event loop is the caller's (uvloop, as `vaxbook serve`).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any


async def cpu_per_call(
    call: Callable[[], Awaitable[Any]], *, rounds: int, calls: int, warm: int, callers: int = 1
) -> float:
    """Microseconds of process CPU per call: `warm` calls first, then the best of `rounds` of `calls`.

    `callers` > 1: that many callers at once, each making `calls // callers`, as a busy server's
    requests do. One caller at a time leaves the process idle between a call and its reply, and
    on a virtual machine waking up again is charged to the process: up to 50 us a call, which a
    loaded server does not pay (benchmarks/redis_call_cost.py prints both)."""
    each = max(calls // callers, 1)

    async def one_caller(count: int) -> None:
        for _ in range(count):
            await call()

    await asyncio.gather(*(one_caller(max(warm // callers, 1)) for _ in range(callers)))
    best = float("inf")
    for _ in range(rounds):
        started = time.process_time()
        await asyncio.gather(*(one_caller(each) for _ in range(callers)))
        best = min(best, (time.process_time() - started) / (each * callers))
    return best * 1e6


def print_figures(figures: dict[str, float], command: str) -> None:
    """Each figure's microseconds per call on its own line, then the command that measured them."""
    width = max(map(len, figures), default=0)
    for name, micros in figures.items():
        print(f"{name:{width}s} {micros:8.1f} us CPU per call")
    print(f"command: {command}")
