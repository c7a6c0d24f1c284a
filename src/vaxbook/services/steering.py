"""Steering the lines live: rate and cap, pause and resume, a notice to everyone waiting.

The gate holds each line's steering, so every worker sees a change at its next read (each
caches it for at most `cache_seconds`, under a second). Every change is first written to the
ledger's append-only audit trail, whose newest entry for a line is also the durable copy:
a gate that lost its state (Redis restarted empty, the embedded process restarted) gets
the steering back from it.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from vaxbook.domain.errors import Problem, VaxbookError
from vaxbook.domain.operators import AuditEntry, OperatorSession, require_steering
from vaxbook.domain.steering import LineSteering
from vaxbook.ports import Clock, Gate, Ledger
from vaxbook.services.single_flight import SingleFlight


def line_target(line_id: str) -> str:
    return f"line:{line_id}"


class SteeringService:
    def __init__(self, gate: Gate, ledger: Ledger, clock: Clock, line_ids: set[str],
                 cache_seconds: float) -> None:
        self._gate = gate
        self._ledger = ledger
        self._clock = clock
        self._line_ids = line_ids
        self._cache_seconds = cache_seconds
        self._cache: dict[str, tuple[float, LineSteering]] = {}
        self._flight: SingleFlight[LineSteering] = SingleFlight()

    async def current(self, line_id: str) -> LineSteering:
        """The line's steering as this worker knows it (at most cache_seconds old)."""
        cached = self._cache.get(line_id)
        if cached and time.monotonic() - cached[0] < self._cache_seconds:
            return cached[1]
        return await self._flight.run(line_id, lambda: self._fetch(line_id))

    async def set_rate(
        self, who: OperatorSession, line_id: str, rate: float | None, cap: int | None
    ) -> LineSteering:
        """Admit `rate` people a second, at most `cap` booking at once (None: as configured)."""
        return await self._change(who, line_id, "line.rate", lambda s: s.with_rate(rate, cap))

    async def pause(self, who: OperatorSession, line_id: str, paused: bool) -> LineSteering:
        """Stop admitting (people keep their places and go on waiting), or start again."""
        return await self._change(who, line_id, "line.pause" if paused else "line.resume",
                                  lambda s: s.with_pause(paused))

    async def post_notice(self, who: OperatorSession, line_id: str, ko: str, en: str) -> LineSteering:
        """A notice shown to everyone waiting in the line (empty texts take it down)."""
        return await self._change(who, line_id, "line.notice", lambda s: s.with_notice(ko, en))

    async def _change(self, who: OperatorSession, line_id: str, action: str,
                      step: Callable[[LineSteering], LineSteering]) -> LineSteering:
        require_steering(who)
        if line_id not in self._line_ids:
            raise VaxbookError(Problem.LINE_NOT_FOUND, field="line")
        before = await self._fetch(line_id)
        after = step(before)
        # The audit first: a change the trail does not show is never applied.
        await self._ledger.record_audit(AuditEntry(self._clock.now(), who.name, action, line_target(line_id),
                                                   before.as_dict(), after.as_dict()))
        await self._gate.steer_line(line_id, after)
        self._cache[line_id] = (time.monotonic(), after)
        return after

    async def _fetch(self, line_id: str) -> LineSteering:
        found = await self._gate.line_steering(line_id)
        if found is None:
            found = LineSteering()
            latest = await self._ledger.audit_log(1, target=line_target(line_id))
            if latest and latest[0].after is not None:
                found = LineSteering.from_dict(latest[0].after)
                await self._gate.steer_line(line_id, found)  # the gate lost it: put it back
        self._cache[line_id] = (time.monotonic(), found)
        return found
