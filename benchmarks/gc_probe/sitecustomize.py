"""Time in the garbage collector, per process: put this folder on PYTHONPATH and every Python
process started with it (the server's workers too) prints, every 8 s on its stderr, how many
collections of each generation it ran and how long they took, since it started:

    PYTHONPATH=benchmarks/gc_probe .venv/bin/vaxbook-bench rush --mode journey ...
    grep GC var/bench/server.log      # the server's workers: the lines with the most objects

Subtract two lines of one process to get the collector's time under load (docs/benchmarks.md,
"The garbage collector"). For measuring only: the callbacks cost a little on every collection.
"""

from __future__ import annotations

import gc
import os
import sys
import threading
import time

_spent: dict[int, list[float]] = {}  # generation -> [collections, seconds]
_began = [0.0]
_start = time.perf_counter()


def _timed(phase: str, info: dict[str, int]) -> None:
    if phase == "start":
        _began[0] = time.perf_counter()
        return
    counted = _spent.setdefault(info["generation"], [0, 0.0])
    counted[0] += 1
    counted[1] += time.perf_counter() - _began[0]


def _report() -> None:
    while True:
        time.sleep(8)
        spent = " ".join(f"gen{g}: {int(n)} in {s * 1000:.0f} ms" for g, (n, s) in sorted(_spent.items()))
        print(f"GC pid={os.getpid()} after {time.perf_counter() - _start:.0f} s,"
              f" {len(gc.get_objects())} objects tracked, frozen {gc.get_freeze_count()}: {spent}",
              file=sys.stderr, flush=True)


gc.callbacks.append(_timed)
threading.Thread(target=_report, daemon=True, name="gc-probe").start()
