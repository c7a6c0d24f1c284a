"""Answers by status code, counted per worker and added up in the gate for the console.

The edge (web/edge.py) only increments a dict entry per answer; a background task of each worker
hands the counts to the console service every second (ConsoleService.record), which adds
them to the gate's 10-second buckets and, once per bucket cluster-wide, samples the rush.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from vaxbook.services.console import ConsoleService

log = logging.getLogger("vaxbook.web.answers")
RECORD_SECONDS = 1.0


class AnswerCounts:
    """This worker's answers by status since the last drain."""

    def __init__(self) -> None:
        self._counts: Counter[int] = Counter()

    def add(self, status: int) -> None:
        self._counts[status] += 1

    def drain(self) -> dict[int, int]:
        counts, self._counts = dict(self._counts), Counter()
        return counts


@asynccontextmanager
async def recording(console: ConsoleService, counts: AnswerCounts) -> AsyncIterator[None]:
    """Run the worker's console recorder while the app runs."""

    stop = asyncio.Event()

    async def loop() -> None:
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), RECORD_SECONDS)
                return
            try:
                await console.record(counts.drain())
            except Exception as failure:  # noqa: BLE001  # a down backend must not stop the recorder
                log.warning("console figures not recorded: %r", failure)

    task = asyncio.create_task(loop())
    try:
        yield
    finally:
        # Stopped between two records, never cancelled inside one: a query cut half-way
        # would hold its pooled connection while the ledger closes.
        stop.set()
        await task
