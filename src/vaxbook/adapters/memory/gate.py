"""The gate inside one process: the embedded default, where one process serves everything.

Each method runs without awaiting, so on one event loop every step is atomic. Tables a
stranger can grow (rate limits, code attempts) forget their entries by expiry, in O(1)
per entry and within a bounded size, never by scanning.
"""

from __future__ import annotations

import itertools
import random
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from cachetools import TTLCache

from vaxbook.domain.queue import LineCounters, advance_admitted, shuffle_pre_queue
from vaxbook.domain.steering import LineSteering
from vaxbook.domain.throttle import gcra
from vaxbook.ports import Spend, VerificationOutcome

LATENCY_SAMPLES = 50
# Entries per expiry table: enough for every live verification request or limited key of a
# national rush on one process; beyond it the least recently used entry is forgotten first.
TABLE_SIZE = 1_000_000
SERIES_BUCKETS = 1000  # per series: far more than the console's 30 minutes in 10-second buckets


@dataclass
class _Pass:
    number: int
    until: float


@dataclass
class _Line:
    opened: bool = False
    issued: int = 0
    admitted: int = 0
    tokens: float | None = None  # None: a new line with a full bucket
    waiting: int = 0  # people waiting after the last tick
    last_tick: float | None = None
    places: dict[str, int] = field(default_factory=dict)
    pre_queue: list[str] = field(default_factory=list)
    holders: dict[str, float] = field(default_factory=dict)  # person -> live pass expiry (the cap)
    passes: dict[str, _Pass] = field(default_factory=dict)  # person -> their current place's pass
    spent: dict[tuple[str, int | None], str] = field(default_factory=dict)  # (person, number) -> key


class _Expiring:
    """Tables that forget an entry `ttl` seconds after it was written, one TTLCache per ttl.

    cachetools' TTLCache keeps its entries in a linked list by expiry (one ttl per cache),
    so expiring costs O(1) per entry; a handful of distinct ttls means a handful of caches.
    """

    def __init__(self, timer: Callable[[], float]) -> None:
        self._timer = timer
        self._tables: dict[float, TTLCache[str, list[float]]] = {}

    def table(self, ttl: float) -> TTLCache[str, list[float]]:
        found = self._tables.get(ttl)
        if found is None:
            found = self._tables[ttl] = TTLCache(maxsize=TABLE_SIZE, ttl=ttl, timer=self._timer)
        return found


class MemoryGate:
    def __init__(self) -> None:
        self._verified: dict[str, tuple[float, str]] = {}  # person -> (time the hold ends, reference)
        self._devices: dict[str, tuple[str, float]] = {}  # person -> (device, until)
        self._lines: dict[str, _Line] = {}
        self._latest = 0.0  # the latest `now` a caller gave: the limits' clock
        # key -> [TAT], one table per limit period: an entry outlives its TAT, never less.
        self._limits = _Expiring(lambda: self._latest)
        self._code_attempts = _Expiring(time.monotonic)  # reference -> [tries]
        self._in_flight: dict[str, int] = {}
        self._client_calls: dict[tuple[str, str], int] = {}  # (method, client) -> calls in flight
        self._calls = itertools.count()
        self._latencies: dict[str, deque[float]] = {}
        self._steering: dict[str, LineSteering] = {}
        self._series: dict[str, dict[int, dict[str, float]]] = {}
        self._shared: dict[str, tuple[float, str]] = {}  # name -> (monotonic expiry, value)
        self._claims: dict[str, float] = {}  # name -> monotonic expiry of its claim

    async def open(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def ping(self) -> None:
        return None

    # limits ----------------------------------------------------------------------------
    async def hit(self, key: str, limit: int, period: float, now: float, cost: int = 1) -> float | None:
        self._latest = max(self._latest, now)
        table = self._limits.table(period)
        entry = table.get(key)
        tat, wait = gcra(entry[0] if entry else None, now, limit, period, cost)
        if wait is None:
            table[key] = [tat]  # a write restarts the entry's ttl (period >= TAT - now)
        return wait

    async def hits(self, checks: Sequence[tuple[str, int, float]], now: float) -> list[float | None]:
        return [await self.hit(key, limit, period, now) for key, limit, period in checks]

    async def count_code_attempt(self, reference: str, ttl_seconds: int, cost: int = 1) -> int:
        table = self._code_attempts.table(ttl_seconds)
        tries = table.get(reference)
        if tries is None:
            tries = table[reference] = [0.0]
        tries[0] += cost  # changed in place: the entry keeps the expiry of the first attempt
        return int(tries[0])

    async def try_code(
        self, reference: str, ttl_seconds: int, checks: Sequence[tuple[str, int, float]], now: float
    ) -> tuple[int, list[float | None]]:
        return await self.count_code_attempt(reference, ttl_seconds), await self.hits(checks, now)

    # verification and devices ---------------------------------------------------------
    async def claim_verification(
        self, person_key: str, device_id: str, now: float, hold_seconds: int, *, reference: str,
        refunds: Sequence[tuple[str, int, float]] = (),
    ) -> VerificationOutcome:
        for key, limit, period in refunds:
            await self.hit(key, limit, period, now, cost=-1)
        bound = self._devices.get(person_key)
        if bound and bound[1] > now and bound[0] != device_id:
            return VerificationOutcome(ok=False, device_bound_until=bound[1])
        held_until, held_reference = self._verified.get(person_key, (0.0, ""))
        if held_until > now:
            if bound and bound[1] > now and held_reference == reference:
                return VerificationOutcome(ok=True)  # the same one retried: no new hold
            return VerificationOutcome(ok=False, retry_after=held_until - now)
        self._verified[person_key] = (now + hold_seconds, reference)
        self._devices[person_key] = (device_id, now + hold_seconds)
        return VerificationOutcome(ok=True)

    async def device_holder(self, person_key: str, now: float) -> str | None:
        bound = self._devices.get(person_key)
        return bound[0] if bound and bound[1] > now else None

    # the line --------------------------------------------------------------------------
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
        line.places[person_key] = number  # the proven place replaces one handed out since
        line.issued = max(line.issued, number)

    async def counters(self, line_id: str, now: float, rate: float, cap: int | None) -> LineCounters:
        line = self._line(line_id)
        line.holders = {p: until for p, until in line.holders.items() if until > now}
        elapsed = 0.0 if line.last_tick is None else now - line.last_tick
        line.admitted, line.tokens = advance_admitted(
            LineCounters(line.issued, line.admitted),
            elapsed_seconds=elapsed, rate=rate, tokens=line.tokens, waiting=line.waiting,
            active=len(line.holders), cap=cap,
        )
        line.waiting = line.issued - line.admitted
        line.last_tick = now if line.last_tick is None else max(now, line.last_tick)
        return LineCounters(line.issued, line.admitted)

    async def admission_pass(
        self, line_id: str, person_key: str, number: int, now: float, until: float
    ) -> tuple[int, float | None]:
        line = self._line(line_id)
        place = line.places.setdefault(person_key, number)  # a lost place comes back from the ticket
        if place != number:
            return place, None
        held = line.passes.get(person_key)
        if held is not None and held.number == number:
            if held.until > now and (person_key, number) not in line.spent:
                return number, held.until
            # Used up (lapsed unused, or spent by a booking): join again at the back.
            del line.passes[person_key]
            line.holders.pop(person_key, None)
            line.issued += 1
            line.places[person_key] = line.issued
            return line.issued, None
        line.passes[person_key] = _Pass(number, until)
        line.holders[person_key] = until
        return number, until

    async def release_admission(self, line_id: str, person_key: str) -> None:
        self._line(line_id).holders.pop(person_key, None)

    async def spend_pass(self, line_id: str, person_key: str, number: int | None, key: str) -> Spend:
        spent = self._line(line_id).spent
        holder = spent.get((person_key, number))
        if holder is None:
            spent[(person_key, number)] = key
            return "spent"
        return "again" if holder == key else "refused"

    async def unspend_pass(self, line_id: str, person_key: str, number: int | None, key: str) -> None:
        line = self._line(line_id)
        if line.spent.get((person_key, number)) == key:
            del line.spent[(person_key, number)]
            held = line.passes.get(person_key)
            if held is not None and held.number == number:
                line.holders[person_key] = held.until  # counts for the cap again while it lives

    async def spend_for_write(
        self, line_id: str, person_key: str, device_id: str, number: int | None, key: str, now: float
    ) -> Spend | Literal["device"]:
        bound = self._devices.get(person_key)
        if bound is not None and bound[1] > now and bound[0] != device_id:
            return "device"
        line = self._line(line_id)
        holder = line.spent.get((person_key, number))
        if holder is None:
            line.spent[(person_key, number)] = key
            line.holders.pop(person_key, None)  # the write is under way: no longer a live pass
            return "spent"
        return "again" if holder == key else "refused"

    # congestion ------------------------------------------------------------------------
    async def method_started(self, method: str, client: str, share: int) -> str | None:
        mine = self._client_calls.get((method, client), 0)
        if mine >= share:
            return None
        self._client_calls[(method, client)] = mine + 1
        self._in_flight[method] = self._in_flight.get(method, 0) + 1
        return str(next(self._calls))

    async def method_finished(self, method: str, client: str, call: str, seconds: float) -> None:
        self._in_flight[method] = max(self._in_flight.get(method, 0) - 1, 0)
        mine = self._client_calls.pop((method, client), 0) - 1
        if mine > 0:  # a client with nothing in flight takes no memory
            self._client_calls[(method, client)] = mine
        self._latencies.setdefault(method, deque(maxlen=LATENCY_SAMPLES)).append(seconds)

    async def method_figures(self, method: str) -> tuple[int, float]:
        samples = self._latencies.get(method)
        recent = sum(samples) / len(samples) if samples else 0.0
        return self._in_flight.get(method, 0), recent

    # steering and the console's figures ------------------------------------------------
    async def line_steering(self, line_id: str) -> LineSteering | None:
        return self._steering.get(line_id)

    async def steer_line(self, line_id: str, steering: LineSteering) -> None:
        self._steering[line_id] = steering

    def _bucket(self, series: str, bucket: int) -> dict[str, float]:
        buckets = self._series.setdefault(series, {})
        if bucket not in buckets and len(buckets) >= SERIES_BUCKETS:
            del buckets[min(buckets)]  # the oldest goes: bounded whatever the clock does
        return buckets.setdefault(bucket, {})

    async def tally(self, series: str, bucket: int, counts: dict[str, int], keep_seconds: int) -> None:
        fields = self._bucket(series, bucket)
        for name, count in counts.items():
            fields[name] = fields.get(name, 0) + count

    async def share(self, name: str, value: str, keep_seconds: float) -> None:
        self._shared[name] = (time.monotonic() + keep_seconds, value)

    async def shared(self, name: str) -> tuple[str, float] | None:
        until, value = self._shared.get(name, (0.0, ""))
        left = until - time.monotonic()
        return (value, left) if left > 0 else None

    async def claim(self, name: str, seconds: float) -> bool:
        now = time.monotonic()
        if self._claims.get(name, 0.0) > now:
            return False
        self._claims = {n: until for n, until in self._claims.items() if until > now}  # a handful of names
        self._claims[name] = now + seconds
        return True

    async def sample(self, series: str, bucket: int, values: dict[str, float], keep_seconds: int) -> None:
        self._bucket(series, bucket).update(values)

    async def series(self, series: str, buckets: list[int]) -> list[dict[str, float]]:
        found = self._series.get(series, {})
        return [dict(found.get(bucket, {})) for bucket in buckets]
