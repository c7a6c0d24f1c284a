"""The gate inside one process: the embedded default, where one process serves everything.

Each method runs without awaiting, so on one event loop every step is atomic.
"""

from __future__ import annotations

import random
import time
from collections import deque
from dataclasses import dataclass, field

from vaxbook.domain.queue import LineCounters, advance_admitted, shuffle_pre_queue
from vaxbook.ports import VerificationOutcome

LATENCY_SAMPLES = 50


@dataclass
class _Line:
    opened: bool = False
    issued: int = 0
    admitted: int = 0
    tokens: float | None = None  # None: a new line with a full bucket
    last_tick: float | None = None
    places: dict[str, int] = field(default_factory=dict)
    pre_queue: list[str] = field(default_factory=list)
    holders: dict[str, float] = field(default_factory=dict)  # person -> pass expiry


class MemoryGate:
    def __init__(self) -> None:
        self._verified: dict[str, float] = {}  # person -> time the hold ends
        self._devices: dict[str, tuple[str, float]] = {}  # person -> (device, until)
        self._lines: dict[str, _Line] = {}
        self._code_attempts: dict[str, tuple[int, float]] = {}  # reference -> (tries, expiry)
        self._in_flight: dict[str, int] = {}
        self._latencies: dict[str, deque[float]] = {}

    async def open(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def ping(self) -> None:
        return None

    async def claim_verification(
        self, person_key: str, device_id: str, now: float, hold_seconds: int
    ) -> VerificationOutcome:
        bound = self._devices.get(person_key)
        if bound and bound[1] > now and bound[0] != device_id:
            return VerificationOutcome(ok=False, device_bound_until=bound[1])
        held_until = self._verified.get(person_key, 0.0)
        if held_until > now:
            return VerificationOutcome(ok=False, retry_after=held_until - now)
        self._verified[person_key] = now + hold_seconds
        self._devices[person_key] = (device_id, now + hold_seconds)
        return VerificationOutcome(ok=True)

    async def count_code_attempt(self, reference: str, ttl_seconds: int) -> int:
        moment = time.monotonic()
        if len(self._code_attempts) > 10_000:  # requests live minutes: forget the expired ones
            self._code_attempts = {r: v for r, v in self._code_attempts.items() if v[1] > moment}
        count, expires = self._code_attempts.get(reference, (0, moment + ttl_seconds))
        self._code_attempts[reference] = (count + 1, expires)
        return count + 1

    async def device_holder(self, person_key: str, now: float) -> str | None:
        bound = self._devices.get(person_key)
        return bound[0] if bound and bound[1] > now else None

    def _line(self, line_id: str) -> _Line:
        return self._lines.setdefault(line_id, _Line())

    async def join_line(self, line_id: str, person_key: str, opened: bool, seed: int) -> int | None:
        line = self._line(line_id)
        if opened and not line.opened:
            line.opened = True
            for person in shuffle_pre_queue(line.pre_queue, random.Random(seed)):
                line.issued += 1
                line.places[person] = line.issued
            line.pre_queue.clear()
        if person_key in line.places:
            return line.places[person_key]
        if not line.opened:
            if person_key not in line.pre_queue:
                line.pre_queue.append(person_key)
            return None
        line.issued += 1
        line.places[person_key] = line.issued
        return line.issued

    async def restore_place(self, line_id: str, person_key: str, number: int) -> None:
        line = self._line(line_id)
        line.opened = True
        line.places.setdefault(person_key, number)
        line.issued = max(line.issued, number)

    async def counters(self, line_id: str, now: float, rate: float, cap: int | None) -> LineCounters:
        line = self._line(line_id)
        line.holders = {p: until for p, until in line.holders.items() if until > now}
        elapsed = 0.0 if line.last_tick is None else now - line.last_tick
        line.admitted, line.tokens = advance_admitted(
            LineCounters(line.issued, line.admitted),
            elapsed_seconds=elapsed, rate=rate, tokens=line.tokens,
            active=len(line.holders), cap=cap,
        )
        line.last_tick = now
        return LineCounters(line.issued, line.admitted)

    async def hold_admission(self, line_id: str, person_key: str, until: float) -> None:
        self._line(line_id).holders[person_key] = until

    async def release_admission(self, line_id: str, person_key: str) -> None:
        self._line(line_id).holders.pop(person_key, None)

    async def method_started(self, method: str) -> None:
        self._in_flight[method] = self._in_flight.get(method, 0) + 1

    async def method_finished(self, method: str, seconds: float) -> None:
        self._in_flight[method] = max(self._in_flight.get(method, 0) - 1, 0)
        self._latencies.setdefault(method, deque(maxlen=LATENCY_SAMPLES)).append(seconds)

    async def method_figures(self, method: str) -> tuple[int, float]:
        samples = self._latencies.get(method)
        recent = sum(samples) / len(samples) if samples else 0.0
        return self._in_flight.get(method, 0), recent
