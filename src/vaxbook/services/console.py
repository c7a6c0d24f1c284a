"""The operators' console: what the rush looks like now, and over the last 30 minutes.

Figures come from the gate and the ledger directly. Time series live in the gate in
10-second buckets, so every worker's figures add up and any worker can draw the charts:
answers by status code are tallied by each worker (its share of the bucket), and once per
bucket one worker, whichever claims it first, samples the lines and the booked places.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import pairwise

from vaxbook.domain.campaign import Campaign
from vaxbook.domain.rotation import Window, all_windows
from vaxbook.ports import Clock, Gate, Ledger, PlaceFigure
from vaxbook.services.auth import AuthService, MethodStatus
from vaxbook.services.waiting_room import LineFigures, WaitingRoom

BUCKET_SECONDS = 10
HISTORY_BUCKETS = 180  # 30 minutes
KEEP_SECONDS = 2 * HISTORY_BUCKETS * BUCKET_SECONDS
ANSWERS, LINES, PLACES = "answers", "lines", "places"


@dataclass(frozen=True)
class PlaceRow:
    name: str  # a group ("3") or a province
    capacity: int
    booked: int
    per_second: float

    @property
    def free(self) -> int:
        return self.capacity - self.booked


@dataclass(frozen=True)
class Snapshot:
    at: datetime
    lines: list[tuple[Window, LineFigures]]
    groups: list[PlaceRow]
    provinces: list[PlaceRow]
    methods: list[MethodStatus]
    answers_per_second: dict[str, float]
    history: dict[str, list[dict[str, float]]] = field(default_factory=dict)


def bucket_of(moment: float) -> int:
    return int(moment // BUCKET_SECONDS)


def wait_at_back(figures: LineFigures) -> float | None:
    """How long someone joining now would wait: everyone waiting, at the rate achieved
    (the steered rate before any has been measured); None while paused."""
    if figures.admission.paused:
        return None
    waiting = figures.counters.issued - figures.counters.admitted
    rate = figures.admissions_per_second or figures.admission.rate
    return waiting / rate if rate > 0 else math.inf


class ConsoleService:
    def __init__(self, campaign: Campaign, clock: Clock, ledger: Ledger, gate: Gate,
                 waiting_room: WaitingRoom, auth: AuthService) -> None:
        self._campaign = campaign
        self._clock = clock
        self._ledger = ledger
        self._gate = gate
        self._waiting_room = waiting_room
        self._auth = auth
        self._windows = all_windows(campaign)

    def lines_now(self, soon: timedelta = timedelta(hours=1)) -> list[Window]:
        """Lines open now or opening within `soon`; else the next one (something to steer ahead)."""
        now = self._clock.now()
        found = [w for w in self._windows if w.opens - soon <= now < w.closes]
        if not found:
            found = [w for w in self._windows if w.opens > now][:1]
        return found

    def line_ids(self) -> list[str]:
        return [w.id for w in self._windows]

    async def snapshot(self, history: bool = False) -> Snapshot:
        now = self._clock.now()
        lines = [(w, await self._waiting_room.figures(w.id)) for w in self.lines_now()]
        figures = await self._ledger.first_dose_figures(now.astimezone(self._campaign.timezone).date())
        current = bucket_of(now.timestamp())
        buckets = list(range(current - HISTORY_BUCKETS, current + 1))
        places = await self._gate.series(PLACES, buckets[-8:])
        answers = await self._gate.series(ANSWERS, [current - 1])
        snapshot = Snapshot(
            at=now, lines=lines,
            groups=_rows(figures, lambda f: str(f.group), places, "g:"),
            provinces=_rows(figures, lambda f: f.sido, places, "p:"),
            methods=await self._auth.methods(),
            answers_per_second={code: count / BUCKET_SECONDS for code, count in sorted(answers[0].items())},
        )
        if history:
            for name in (ANSWERS, LINES, PLACES):
                snapshot.history[name] = await self._gate.series(name, buckets)
        return snapshot

    async def record(self, answer_counts: dict[int, int]) -> None:
        """One worker's tick: add its answer counts; sample the rush once per bucket (the first
        worker to claim the bucket in the gate does it)."""
        now = self._clock.now().timestamp()
        current = bucket_of(now)
        if answer_counts:
            await self._gate.tally(ANSWERS, current, {str(code): n for code, n in answer_counts.items()},
                                   KEEP_SECONDS)
        if await self._gate.hit("console-sample", 1, BUCKET_SECONDS, current * BUCKET_SECONDS) is not None:
            return
        values: dict[str, float] = {}
        for window in self.lines_now():
            line = await self._waiting_room.figures(window.id)
            values[f"{window.id}:waiting"] = line.counters.issued - line.counters.admitted
            values[f"{window.id}:admitted"] = line.counters.admitted
        await self._gate.sample(LINES, current, values or {"-": 0.0}, KEEP_SECONDS)
        day = self._clock.now().astimezone(self._campaign.timezone).date()
        booked: dict[str, float] = {}
        for figure in await self._ledger.first_dose_figures(day):
            for key in (f"g:{figure.group}", f"p:{figure.sido}"):
                booked[key] = booked.get(key, 0) + figure.booked
        await self._gate.sample(PLACES, current, booked or {"-": 0.0}, KEEP_SECONDS)


def _rows(figures: list[PlaceFigure], name_of: Callable[[PlaceFigure], str], samples: list[dict[str, float]],
          prefix: str) -> list[PlaceRow]:
    """Totals per name, and bookings per second over the recent buckets that were sampled."""
    totals: dict[str, list[int]] = {}
    for figure in figures:
        entry = totals.setdefault(name_of(figure), [0, 0])
        entry[0] += figure.capacity
        entry[1] += figure.booked
    sampled = [(index, s) for index, s in enumerate(samples) if s]
    rows = []
    for name, (capacity, booked) in totals.items():
        rate = 0.0
        if len(sampled) >= 2:
            (i, first), (j, last) = sampled[0], sampled[-1]
            gained = last.get(prefix + name, 0.0) - first.get(prefix + name, 0.0)
            rate = max(gained, 0.0) / (BUCKET_SECONDS * (j - i))
        rows.append(PlaceRow(name, capacity, booked, round(rate, 2)))
    return rows


CHARTS = ("waiting", "admissions", "bookings", "answers")


async def chart_series(console: ConsoleService, gate: Gate, chart: str, now: float) -> list[
        tuple[str, list[float | None]]]:
    """The named chart's series over the last 30 minutes, oldest bucket first."""
    current = bucket_of(now)
    buckets = list(range(current - HISTORY_BUCKETS, current))  # the current bucket is not complete
    if chart == "answers":
        found = await gate.series(ANSWERS, buckets)
        codes = sorted({code for bucket in found for code in bucket})
        return [(code, [bucket.get(code, 0.0) / BUCKET_SECONDS for bucket in found]) for code in codes]
    if chart == "bookings":
        places = await gate.series(PLACES, buckets)
        totals = [sum(v for k, v in s.items() if k.startswith("g:")) if s else None for s in places]
        return [("/s", _per_second(totals))]
    lines = await gate.series(LINES, buckets)
    series: list[tuple[str, list[float | None]]] = []
    for line_id in console.line_ids():
        field = f"{line_id}:{'waiting' if chart == 'waiting' else 'admitted'}"
        values = [s.get(field) if s else None for s in lines]
        if all(v is None for v in values):
            continue
        series.append((line_id, values if chart == "waiting" else _per_second(values)))
    return series


def _per_second(totals: list[float | None]) -> list[float | None]:
    """Per-second rates from running totals sampled once a bucket (None where either end is missing)."""
    rates: list[float | None] = [None]
    for before, after in pairwise(totals):
        rates.append(None if before is None or after is None else max(after - before, 0.0) / BUCKET_SECONDS)
    return rates
