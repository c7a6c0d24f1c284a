"""The waiting room: one place per person, honest waits, admission passes checked on the server."""

from __future__ import annotations

import math
import secrets
import time
from dataclasses import dataclass, replace
from typing import Literal

from vaxbook.domain.campaign import Campaign
from vaxbook.domain.credentials import AdmissionPass, Identity, Ticket
from vaxbook.domain.errors import Problem, VaxbookError
from vaxbook.domain.inventory import share_order
from vaxbook.domain.queue import (
    AdmissionRateMeter,
    LineCounters,
    estimated_wait_seconds,
    is_admitted,
    people_ahead,
    poll_after_seconds,
)
from vaxbook.domain.rotation import Window, all_windows
from vaxbook.domain.steering import Admission, LineSteering, effective_admission
from vaxbook.ports import Clock, Gate, Ledger, Signer, Spend
from vaxbook.services.arrivals import Arrivals
from vaxbook.services.eligibility import EligibilityService
from vaxbook.services.free_counts import FreeCounts
from vaxbook.services.single_flight import SingleFlight
from vaxbook.services.steering import SteeringService

# A used-up place moves the person to the back once; a second move in one answer would mean
# the new place's pass was used up at once, which cannot happen, but a loop must be bounded.
MOVES_PER_VIEW = 2
PAUSED_POLL_SECONDS = 5.0


@dataclass(frozen=True)
class LineSettings:
    admission_rate: float
    admission_cap: int | None
    pass_seconds: int
    counters_cache_seconds: float


@dataclass(frozen=True)
class LineView:
    state: str  # pre_queue | waiting | admitted | sold_out
    ticket: str
    line: str
    number: int | None
    ahead: int | None
    estimated_wait_seconds: float | None
    poll_after_seconds: float
    admission_pass: str | None = None
    opens_at: str | None = None
    paused: bool | None = None  # set (True) only while operators hold the line
    notice_ko: str | None = None  # the operators' notice to everyone waiting, when there is one
    notice_en: str | None = None


@dataclass(frozen=True)
class LineFigures:
    """One line as the console shows it."""

    line: str
    counters: LineCounters
    admissions_per_second: float
    admission: Admission
    steering: LineSteering


@dataclass(frozen=True)
class PublicCounters:
    """What everyone waiting in one line may know: the same for all, so any cache may keep it."""

    line: str
    issued: int
    admitted: int
    admission_rate: float  # measured over the last half minute (the configured rate until then)
    sold_out: bool


class WaitingRoom:
    def __init__(
        self,
        campaign: Campaign,
        ledger: Ledger,
        gate: Gate,
        signer: Signer,
        clock: Clock,
        eligibility: EligibilityService,
        settings: LineSettings,
        free_counts: FreeCounts,
        steering: SteeringService | None = None,
        arrivals: Arrivals | None = None,
    ) -> None:
        self._steering = steering
        self._arrivals = arrivals or Arrivals(0, 0.0)  # turns for the opening burst's work
        self._campaign = campaign
        self._ledger = ledger
        self._gate = gate
        self._signer = signer
        self._clock = clock
        self._eligibility = eligibility
        self._settings = settings
        self._free_counts = free_counts  # sold out or not: summed free places, browse_cache_seconds old
        # Per-process caches: a status poll costs a signature check and, at most every
        # few hundred milliseconds, one gate round trip per line.
        self._counters: dict[str, tuple[float, LineCounters]] = {}
        self._meters: dict[str, AdmissionRateMeter] = {}
        self._counters_flight: SingleFlight[LineCounters] = SingleFlight()
        self._windows = {w.id: w for w in all_windows(campaign)}  # the campaign is fixed per process

    async def join(self, identity: Identity) -> LineView:
        """Take (or get back) the person's one place in their window's line."""
        async with self._arrivals.turn():  # everyone joins at the opening instant (services/arrivals.py)
            return await self._join(identity)

    async def _join(self, identity: Identity) -> LineView:
        window, number = await self._standing(identity)
        if await self._sold_out(window):
            raise VaxbookError(Problem.SOLD_OUT)
        if number is not None:
            await self._gate.restore_place(window.id, identity.person, number)
        else:
            number = await self._gate.join_line(
                window.id, identity.person, self._opened(window), secrets.randbits(63)
            )
            if number is not None:
                number = await self._held_place(window.id, identity.person, number)
        ticket = Ticket(
            person=identity.person, device=identity.device, line=window.id, number=number,
            birth=identity.birth, name=identity.name, iat=self._now(),
            exp=window.closes.timestamp(), contact=identity.contact,
        )
        view = await self._view(ticket, window, self._signer.sign(ticket), placed=True)
        return await self._noticed(window, view)

    async def _standing(self, identity: Identity) -> tuple[Window, int | None]:
        """The window the person may join now (or raise, as eligibility does) and their place in its
        line, from one ledger read: whether they hold a booking and their place are asked together.

        The ledger's record of the place comes first: a gate that lost its state would number the
        person again, at the back, leaving a hole ahead of everyone who joins later."""
        unbooked = self._eligibility.decide(identity, has_booking=False)
        if unbooked.window is None:  # outside the cohort, or no window left: the full check says which
            await self._eligibility.window_to_join(identity)
        assert unbooked.window is not None  # window_to_join raised otherwise
        booked, number = await self._ledger.standing(unbooked.window.id, identity.person)
        window = self._eligibility.joinable(self._eligibility.decide(identity, has_booking=booked)).window
        assert window is not None  # joinable raises otherwise
        if window.id != unbooked.window.id:  # a booking changes which window is open (it cannot now)
            number = await self._ledger.place_of(window.id, identity.person)
        return window, number

    async def status(self, ticket_token: str, device_id: str) -> LineView:
        """Where the ticket stands now; an admitted ticket gets its admission pass."""
        ticket = self._signer.read(Ticket, ticket_token, device=device_id)
        window = self._windows.get(ticket.line)
        if window is None:
            raise VaxbookError(Problem.TICKET_INVALID)
        placed = False
        if ticket.number is None:
            # Every pre-queue poll re-registers (idempotent), so a gate that lost its state
            # before opening still puts this person ahead of later arrivals.
            number = await self._gate.join_line(
                window.id, ticket.person, self._opened(window), secrets.randbits(63)
            )
            if number is not None:
                ticket = _renumbered(ticket, await self._held_place(window.id, ticket.person, number))
                ticket_token = self._signer.sign(ticket)  # a new token only when the place changed
                placed = True
        return await self._noticed(window, await self._view(ticket, window, ticket_token, placed=placed))

    async def figures(self, line_id: str) -> LineFigures:
        """The line's counters, measured admission rate and steering, for the console.

        Read past this worker's counters cache and without filling it: the console's reads
        must not make a citizen's next poll see counters older than their own place."""
        counters = await self._fetch_counters(line_id, self._now(), remember=False)
        steering = await self._steered(line_id)
        admission = effective_admission(steering, self._settings.admission_rate, self._settings.admission_cap)
        meter = self._meters.get(line_id)
        rate = meter.rate(0.0) if meter else 0.0
        return LineFigures(line_id, counters, rate, admission, steering)

    async def _steered(self, line_id: str) -> LineSteering:
        return await self._steering.current(line_id) if self._steering else LineSteering()

    async def _noticed(self, window: Window, view: LineView) -> LineView:
        steering = await self._steered(window.id)
        if not steering.has_notice:
            return view
        return replace(view, notice_ko=steering.notice_ko or steering.notice_en,
                       notice_en=steering.notice_en or steering.notice_ko)

    async def public_counters(self, line_id: str) -> PublicCounters:
        """The line's counters for every waiting client: each works out its own place and wait
        from its ticket number, and asks `status` only once its number is admitted."""
        window = self._windows.get(line_id)
        if window is None:
            raise VaxbookError(Problem.NOT_FOUND)
        sold_out = await self._sold_out(window)
        counters = await self._line_counters(window.id)
        rate = self._meters[window.id].rate(self._settings.admission_rate)
        return PublicCounters(window.id, counters.issued, counters.admitted, round(rate, 2), sold_out)

    async def _held_place(self, line_id: str, person: str, number: int) -> int:
        """The person's one place: the ledger keeps the first number the gate gave them, and a
        number the gate gave since (it lost its state) yields to it."""
        held = await self._ledger.hold_place(line_id, person, number)
        if held != number:
            await self._gate.restore_place(line_id, person, held)
        return held

    async def spend_for_write(self, admission: AdmissionPass, key: str) -> Spend | Literal["device"]:
        """Mark the pass used by the write with this idempotency key (a retry may use it again)
        and free the person's place among those booking at once; "device" (nothing spent) if
        another device holds the person now. One gate call."""
        return await self._gate.spend_for_write(
            admission.line, admission.person, admission.device, admission.number, key, self._now()
        )

    async def unspend(self, admission: AdmissionPass, key: str) -> None:
        """The write was refused: the pass may be used again (and counts as live again)."""
        await self._gate.unspend_pass(admission.line, admission.person, admission.number, key)

    async def _view(self, ticket: Ticket, window: Window, token: str, *, placed: bool = False) -> LineView:
        """What the ticket sees now; `placed`: this request has just put the ticket's place in the
        gate (a join), so the gate has it whatever this worker's cached counters say."""
        if ticket.number is None:
            wait = max(window.opens.timestamp() - self._now(), 0.0)
            return LineView("pre_queue", token, window.id, None, None, wait,
                            poll_after_seconds(wait), opens_at=window.opens.isoformat())
        if await self._sold_out(window):
            return LineView("sold_out", token, window.id, ticket.number, None, None,
                            poll_after_seconds(math.inf))
        counters = await self._line_counters(window.id)
        if ticket.number > counters.issued and not placed:
            # The gate lost its state (a restart); the signed ticket proves the place. Not after a
            # join: its number is past the cached counters whenever others joined since they were
            # read, and putting it back anyway was a write to the line's shard on most joins.
            await self._gate.restore_place(window.id, ticket.person, ticket.number)
        for _ in range(MOVES_PER_VIEW):
            if not is_admitted(ticket.number, counters):
                break
            number, until = await self._gate.admission_pass(
                window.id, ticket.person, ticket.number, self._now(),
                min(self._now() + self._settings.pass_seconds, window.closes.timestamp()),
            )
            if until is not None:
                return LineView("admitted", token, window.id, ticket.number, 0, 0.0, 0.0,
                                admission_pass=self._admission(ticket, window, until))
            # The place's pass lapsed unused or was spent: the person is at the back now.
            # The ledger's record follows, or a re-join would hand the used-up place back.
            await self._ledger.move_place(window.id, ticket.person, number)
            ticket = _renumbered(ticket, number)
            token = self._signer.sign(ticket)
            counters = await self._line_counters(window.id, fresh=True)
        assert ticket.number is not None
        ahead = people_ahead(ticket.number, counters)
        admission = await self._admission_now(window.id)
        if admission.paused:
            # No honest estimate while nobody is admitted; ask again soon enough to see the resume.
            return LineView("waiting", token, window.id, ticket.number, ahead, None,
                            PAUSED_POLL_SECONDS, paused=True)
        rate = self._meters[window.id].rate(admission.rate)
        wait = estimated_wait_seconds(ahead, rate)
        return LineView("waiting", token, window.id, ticket.number, ahead, round(wait, 1),
                        round(poll_after_seconds(wait), 1))

    async def _admission_now(self, line_id: str) -> Admission:
        """The rate and cap the line runs at now: the operators' steering, else the settings."""
        return effective_admission(await self._steered(line_id), self._settings.admission_rate,
                                   self._settings.admission_cap)

    def _admission(self, ticket: Ticket, window: Window, until: float) -> str:
        """The pass of the ticket's place: the same claims, so the same token, on every poll."""
        admission = AdmissionPass(
            person=ticket.person, device=ticket.device, line=window.id,
            groups=share_order(window.group), birth=ticket.birth, name=ticket.name, exp=until,
            number=ticket.number, contact=ticket.contact,
        )
        return self._signer.sign(admission)

    async def _line_counters(self, line_id: str, fresh: bool = False) -> LineCounters:
        now = self._now()
        cached = self._counters.get(line_id)
        if not fresh and cached and time.monotonic() - cached[0] < self._settings.counters_cache_seconds:
            return cached[1]
        return await self._counters_flight.run(line_id, lambda: self._fetch_counters(line_id, now))

    async def _fetch_counters(self, line_id: str, now: float, remember: bool = True) -> LineCounters:
        admission = await self._admission_now(line_id)
        counters = await self._gate.counters(line_id, now, admission.rate, admission.cap)
        if remember:
            self._counters[line_id] = (time.monotonic(), counters)
        self._meters.setdefault(line_id, AdmissionRateMeter()).record(now, counters.admitted)
        return counters

    async def _sold_out(self, window: Window) -> bool:
        """No first dose left for the window's groups (the free counts are read at most once a
        second or so per worker, the same read as the booking pages' region lists)."""
        today = self._clock.now().astimezone(self._campaign.timezone).date()
        return await self._free_counts.total(tuple(share_order(window.group)), today) == 0

    def _opened(self, window: Window) -> bool:
        return self._clock.now() >= window.opens

    def _now(self) -> float:
        return self._clock.now().timestamp()


def _renumbered(ticket: Ticket, number: int | None) -> Ticket:
    return Ticket(ticket.person, ticket.device, ticket.line, number, ticket.birth, ticket.name,
                  ticket.iat, ticket.exp, ticket.contact)
