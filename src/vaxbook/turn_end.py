"""A flush run once at the end of the event loop's current turn, or at once when no loop runs.

What the turn-batched writers share (vaxbook/log_writes.py, web/turn_metrics.py): work gathered
during a turn of the loop leaves in one go at its end, and nothing waits for a turn that will
not come (no loop in this thread, or a loop that stopped before its flush ran).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable


class EndOfTurn:
    """Runs `flush` once at the end of the running loop's turn (`schedule`), at most once a turn."""

    def __init__(self, flush: Callable[[], None]) -> None:
        self._flush = flush
        self._scheduled_on: asyncio.AbstractEventLoop | None = None

    def schedule(self) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no loop in this thread: nothing would flush later
            self._flush()
            return
        if self._scheduled_on is not loop:  # (a loop that stopped before its flush ran is not waited on)
            self._scheduled_on = loop
            loop.call_soon(self._run)

    def _run(self) -> None:
        self._scheduled_on = None
        self._flush()
