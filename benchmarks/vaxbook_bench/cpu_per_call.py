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


def print_figures(figures: dict[str, float], command: str) -> None:
    """Each figure's microseconds per call on its own line, then the command that measured them."""
    width = max(map(len, figures), default=0)
    for name, micros in figures.items():
        print(f"{name:{width}s} {micros:8.1f} us CPU per call")
    print(f"command: {command}")
