"""A serving worker's garbage collector: what start-up made is never scanned again, and the
young generation is collected less often.

A worker holds about 200,000 objects once started (the inventory's slot rows, the modules, the
app) and every middle and full collection scanned all of them again. Measured in the capacity
run of `make bench` (docs/benchmarks.md, "The garbage collector"): a worker spent 5-8 % of its
CPU under load in the collector; with this, about 1 %. `vaxbook serve` turns it on
(VAXBOOK_GC_FREEZE); the tests, which start many apps in one process, leave it off.
"""

from __future__ import annotations

import gc

# Net allocations between young collections (Python's default is 700). A request makes and frees
# thousands of objects, most freed by their reference counts: collecting every 700 scanned the
# survivors (answers in flight, caches filling) hundreds of times a second.
YOUNG_THRESHOLD = 20_000


def settle_after_start() -> None:
    """Exempt everything alive now from later collections and collect the young generation less
    often. Called once, after start-up: what start-up made lives as long as the worker."""
    gc.collect()  # start-up's own garbage first: a frozen object is never collected
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)
