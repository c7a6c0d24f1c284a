"""What the services need from the outside world. Adapters implement these per backend."""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal, Protocol, TypeVar

from vaxbook.domain.booking import (
    Booking,
    BookingRequest,
    Clinic,
    ClinicFree,
    ClinicListRow,
    NewSlot,
    RegionFree,
    Slot,
    SlotFree,
    SlotLoad,
)
from vaxbook.domain.contact import Contact
from vaxbook.domain.credentials import AdmissionPass, Credential, Identity, PendingVerification, Ticket
from vaxbook.domain.figures import AllocationCount, Digest, DigestHead
from vaxbook.domain.inventory import SecondDoseCandidate
from vaxbook.domain.inventory_rows import ClinicRecord, ImportSummary, Numbered, SlotRecord
from vaxbook.domain.messages import Letter
from vaxbook.domain.notices import Notice, NoticeState, OutboxMessage, Settlement
from vaxbook.domain.operators import AuditEntry, Operator, OperatorSession
from vaxbook.domain.queue import LineCounters
from vaxbook.domain.standby import Acceptance, Offer, StandbyEntry, StandbyJoin
from vaxbook.domain.steering import LineSteering

C = TypeVar("C", PendingVerification, Identity, Ticket, AdmissionPass)


class Clock(Protocol):
    def now(self) -> datetime: ...


class Signer(Protocol):
    """Signs credentials and reads them back, checked locally with no lookup."""

    @property
    def issues_identities(self) -> bool:
        """Whether this node may issue identity tokens (it holds the identity private key)."""
        ...

    def sign(self, credential: Credential) -> str: ...

    def read(self, kind: type[C], token: str | None, *, device: str | None) -> C:
        """The credential if its signature, kind and expiry hold and `device` is the bound one;
        else raise VaxbookError (its kind's *_required, *_invalid, or device_mismatch)."""
        ...


WRONG_PEPPER = (
    "this ledger was made with another pepper: every person key would differ and booked people"
    " could book again. Start with the pepper it was made with (docs/operations.md)."
)


class BackendUnavailable(Exception):
    """The ledger or the gate cannot be reached now (refused, reset, timed out, shutting down).

    Adapters raise it in place of their driver's exceptions. Whatever the request was doing
    was rolled back, so the client may retry it (a booking with the same idempotency key).
    """


class WrongPepper(RuntimeError):
    """The ledger records another pepper's fingerprint than the one the service was given."""


class FiguresLedger(Protocol):
    """The public figures and the append-only chain of daily allocation digests (issue 10)."""

    async def allocation(self) -> list[AllocationCount]:
        """First-dose places offered and booked per group, province and vaccination day."""
        ...

    async def digest_heads(self) -> list[DigestHead]: ...  # oldest first
    async def digests(self) -> list[Digest]: ...  # oldest first, with their bodies
    async def digest(self, day: date) -> Digest | None: ...

    async def append_digest(self, digest: Digest) -> None:
        """Store the digest if it chains onto the newest stored one; else raise DigestConflict."""
        ...


class Ledger(FiguresLedger, Protocol):
    """Durable source of truth: clinics, slots with per-group shares, bookings."""

    async def open(self) -> None: ...
    async def close(self) -> None: ...
    async def ping(self) -> None: ...

    async def bind_pepper(self, fingerprint: str) -> None:
        """Record the pepper's fingerprint on first use; raise WrongPepper if another is recorded."""
        ...

    async def add_clinic(self, clinic: Clinic, key_hash: str) -> None: ...
    async def add_slots(self, slots: list[NewSlot]) -> list[int]:
        """Create slots; their ids, in the order given."""
        ...
    async def clinic(self, clinic_id: str) -> Clinic | None: ...
    async def clinic_key_hash(self, clinic_id: str) -> str | None: ...
    async def slot(self, slot_id: int) -> Slot | None: ...

    async def provinces(self, groups: tuple[int, ...], since: date) -> list[RegionFree]: ...
    async def clinic_free(self, groups: tuple[int, ...], since: date) -> list[ClinicFree]:
        """Free places of every clinic with slots from `since` for these share groups, in one
        read: the provinces, a province's districts, a district's clinics and the total are its
        sums and slices (FreeCounts)."""
        ...

    async def districts(self, sido: str, groups: tuple[int, ...], since: date) -> list[RegionFree]: ...
    async def clinics(
        self, sido: str, sigungu: str, groups: tuple[int, ...], since: date
    ) -> list[ClinicFree]: ...
    async def slots(self, clinic_id: str, groups: tuple[int, ...], since: date) -> list[SlotFree]: ...
    async def free_first_doses(self, groups: tuple[int, ...], since: date) -> int: ...
    async def second_dose_candidates(
        self, clinic_id: str, day: date, vaccine_id: str
    ) -> list[SecondDoseCandidate]: ...

    async def book(self, request: BookingRequest) -> Booking:
        """Take one place from a share and a second-dose place, atomically, or raise.

        Raises VaxbookError slot_full, second_dose_unavailable, already_booked or
        idempotency_key_reused. A key already used with the same fingerprint returns the
        booking it made, and books nothing.
        """
        ...

    async def change(self, request: BookingRequest) -> Booking:
        """Move the person's active booking to another slot, atomically, or raise."""
        ...

    async def cancel(self, person_key: str, at: datetime, notices: tuple[Notice, ...] = ()) -> Booking:
        """Cancel the active booking and give its places back to the shares they came from.

        The booking's pending reminders are voided and `notices` written, in the same transaction.
        """
        ...

    async def booking_of(self, person_key: str) -> Booking | None: ...
    async def bookings_by_id(self, booking_ids: Collection[str]) -> dict[str, Booking]:
        """The bookings with these ids, cancelled or not, by id, in one read (what a batch of
        notifications describes); an id with no booking is left out."""
        ...
    async def clinic_bookings(self, clinic_id: str, day: date) -> list[ClinicListRow]: ...

    # What the gate must not forget, kept durably (the gate may lose everything).
    async def place_of(self, line_id: str, person_key: str) -> int | None: ...

    async def standing(self, line_id: str, person_key: str) -> tuple[bool, int | None]:
        """Whether the person holds an active booking, and their place in the line (place_of),
        in one read: what joining the line asks the ledger first."""
        ...

    async def hold_place(self, line_id: str, person_key: str, number: int) -> int:
        """Record `number` as the person's place in the line unless they hold one; the place held."""
        ...

    async def move_place(self, line_id: str, person_key: str, number: int) -> None:
        """The person's place was used up and the gate gave them `number`, at the back."""
        ...

    async def claim_verification(
        self, person_key: str, device_id: str, now: float, hold_seconds: int, *, reference: str
    ) -> VerificationOutcome:
        """The gate's rule on the durable record: refuse another device, or a second verification,
        within hold_seconds of the last one; else record this one (device, time and reference).

        The same verification again (same device and provider reference) within the hold is
        ok and changes nothing: it is the client retrying an answer it lost."""
        ...

    # bulk loading (issue 10): one transaction per file, kept only if nothing is refused
    async def import_clinics(self, rows: Sequence[Numbered[ClinicRecord]], *, dry_run: bool) -> ImportSummary:
        """Create new clinics (without a key) and update changed ones; refused rows write nothing."""
        ...

    async def import_slots(self, rows: Sequence[Numbered[SlotRecord]], *, dry_run: bool) -> ImportSummary:
        """Create new slots split among the groups, re-split changed capacities; all or nothing.

        A row is refused if its clinic is unknown or a new capacity is below what is booked.
        """
        ...

    async def clinic_inventory(self, clinic_id: str, since: date) -> list[SlotLoad]:
        """A clinic's slots from `since` on, with the places booked in each."""
        ...

    async def record_outcome(self, booking_id: str, dose: int, outcome: str, at: datetime) -> None:
        """What the clinic saw on the day (vaccinated, no_show); a later mark replaces it."""
        ...

    def export_clinics(self) -> AsyncIterator[list[ClinicRecord]]: ...
    def export_slots(self) -> AsyncIterator[list[SlotRecord]]: ...
    # operators, their sessions and their audit trail (issue 10) ------------------------
    async def add_operator(self, operator: Operator) -> bool:
        """False (and nothing changed) when the name is taken."""
        ...

    async def remove_operator(self, name: str) -> bool:
        """Remove the operator and end their sessions; False when there was none."""
        ...

    async def operator(self, name: str) -> Operator | None: ...
    async def add_session(self, session_hash: str, name: str, expires_at: float) -> None: ...
    async def session(self, session_hash: str, now: float) -> OperatorSession | None:
        """The live session's operator, with the role they have now; None if ended or expired."""
        ...

    async def end_session(self, session_hash: str) -> None: ...
    async def set_clinic_key_hash(self, clinic_id: str, key_hash: str) -> bool:
        """Replace the clinic's key hash; False when there is no such clinic."""
        ...

    async def record_audit(self, entry: AuditEntry) -> None:
        """Append one entry; the audit table has no update or delete path (a trigger forbids both)."""
        ...

    async def audit_log(self, limit: int, target: str | None = None) -> list[AuditEntry]:
        """The newest entries first (only those about `target` when given)."""
        ...

    async def first_dose_figures(self, since: date) -> list[PlaceFigure]:
        """First-dose places per group and province on slots from `since` on."""
        ...


@dataclass(frozen=True)
class PlaceFigure:
    group: int
    sido: str
    capacity: int
    booked: int


@dataclass(frozen=True)
class VerificationOutcome:
    """Result of claiming a verification: ok, or why not and until when (epoch seconds)."""

    ok: bool
    device_bound_until: float | None = None
    retry_after: float | None = None


Spend = Literal["spent", "again", "refused"]


class Gate(Protocol):
    """Fast shared state that can be rebuilt: rate limits, device bindings, lines, congestion."""

    async def open(self) -> None: ...
    async def close(self) -> None: ...
    async def ping(self) -> None: ...

    async def hit(self, key: str, limit: int, period: float, now: float, cost: int = 1) -> float | None:
        """Count `cost` events against `limit` per `period` seconds for `key`, atomically (GCRA,
        domain.throttle.gcra): None if allowed, else the seconds until it would be (nothing
        counted). A negative cost gives events back. O(1) time and memory per key."""
        ...

    async def hits(self, checks: Sequence[tuple[str, int, float]], now: float) -> list[float | None]:
        """`hit` (cost 1) for each (key, limit, period), in one round trip: each answer as `hit`'s.

        Each key is counted on its own (no all-or-nothing): a caller that must not charge the
        keys after a refusal gives those back."""
        ...

    async def claim_verification(
        self, person_key: str, device_id: str, now: float, hold_seconds: int, *, reference: str,
        refunds: Sequence[tuple[str, int, float]] = (),
    ) -> VerificationOutcome:
        """Atomically: refuse if another device holds the person, or the person verified
        within hold_seconds; else record the verification (with its reference) and bind the
        device. The same verification again (same device and reference) within the hold is ok
        and changes nothing (no new hold): a retry of an answer that was lost.

        In the same round trip, and whatever the verdict, one event is given back to each
        (key, limit, period) of `refunds`, as `hit` with cost -1 (the right code's try)."""
        ...

    async def device_holder(self, person_key: str, now: float) -> str | None: ...

    async def count_code_attempt(self, reference: str, ttl_seconds: int, cost: int = 1) -> int:
        """Count one more code tried for a verification request; the total so far. A cost of
        -1 gives a right code's try back, so only wrong codes use up the request's tries.

        Costs O(1) however many requests are live; the count is forgotten ttl_seconds
        after the first attempt."""
        ...

    async def try_code(
        self, reference: str, ttl_seconds: int, checks: Sequence[tuple[str, int, float]], now: float
    ) -> tuple[int, list[float | None]]:
        """`count_code_attempt(reference, ttl_seconds)` and `hits(checks, now)` in one round trip:
        (the request's tries so far, each check's answer as `hits` gives it)."""
        ...

    async def join_line(self, line_id: str, person_key: str, opened: bool, seed: int) -> int | None:
        """The person's place number, the same on every call; None while in the pre-queue.

        Once opened, everyone from the pre-queue holds places 1..n in a random order,
        before anyone who joins later. How the order is drawn is the gate's choice: the
        in-process gate shuffles with `seed` at the first opened call; the Redis gate gives
        each early arrival a random score when they join, so opening costs O(1).
        """
        ...

    async def restore_place(self, line_id: str, person_key: str, number: int) -> None:
        """Put back a place the ledger or a signed ticket proves, after the gate lost its state;
        it replaces any number the gate handed the person since."""
        ...

    async def counters(
        self, line_id: str, now: float, rate: float, cap: int | None
    ) -> LineCounters:
        """Advance the admitted counter by the elapsed time, atomically, and read both."""
        ...

    async def admission_pass(
        self, line_id: str, person_key: str, number: int, now: float, until: float
    ) -> tuple[int, float | None]:
        """The one admission pass of place `number`, atomically: (number, its expiry).

        The first call records a pass expiring at `until` (it then counts as live for the
        cap); later calls return the same expiry while it lives and is not spent. Once it
        has lapsed or been spent, the place is used up: the person is given a new place at
        the back, and the answer is (new number, None). A `number` that is no longer the
        person's place also answers (their place, None).
        """
        ...

    async def release_admission(self, line_id: str, person_key: str) -> None:
        """The person booked: their pass no longer counts as live for the cap."""
        ...

    async def spend_pass(self, line_id: str, person_key: str, number: int | None, key: str) -> Spend:
        """Mark the pass of place `number` used by the write with idempotency `key`, atomically:
        spent (first use), again (the same key: a retry) or refused (another write used it)."""
        ...

    async def unspend_pass(self, line_id: str, person_key: str, number: int | None, key: str) -> None:
        """The write that spent the pass was refused: the pass is unused again, and a live pass
        of that place counts for the cap again (spend_for_write had released it)."""
        ...

    async def spend_for_write(
        self, line_id: str, person_key: str, device_id: str, number: int | None, key: str, now: float
    ) -> Spend | Literal["device"]:
        """All a booking or change asks of the gate, in one call (one round trip): "device" if
        another device holds the person at `now` (then nothing is spent); else spend_pass's
        verdict, and a first spend also releases the admission (release_admission), since the
        write is under way. unspend_pass undoes both."""
        ...

    async def method_started(self, method: str, client: str, share: int) -> str | None:
        """Count a call in flight; None (nothing counted) if `client` already has `share` in flight.
        The answer names the call for method_finished."""
        ...

    async def method_finished(self, method: str, client: str, call: str, seconds: float) -> None: ...
    async def method_figures(self, method: str) -> tuple[int, float]:
        """(requests in flight, recent latency in seconds) for a verification method."""
        ...

    # steering and the console's figures (issue 10) --------------------------------------
    async def line_steering(self, line_id: str) -> LineSteering | None:
        """What operators set for the line; None when the gate holds nothing for it."""
        ...

    async def steer_line(self, line_id: str, steering: LineSteering) -> None: ...

    async def share(self, name: str, value: str, keep_seconds: float) -> None:
        """Keep `value` under `name` for every worker, for `keep_seconds` (a read one worker made
        for all: services/shared_reads.py)."""
        ...

    async def shared(self, name: str) -> tuple[str, float] | None:
        """What `share` keeps under `name` and the seconds it has left, by the gate's own clock;
        None if nothing is, or it expired."""
        ...

    async def claim(self, name: str, seconds: float) -> bool:
        """True for the one caller that takes `name` for `seconds` (a lease, by the gate's clock);
        False while another holds it."""
        ...

    async def tally(self, series: str, bucket: int, counts: dict[str, int], keep_seconds: int) -> None:
        """Add `counts` to the bucket's fields, so several workers' counts add up."""
        ...

    async def sample(self, series: str, bucket: int, values: dict[str, float], keep_seconds: int) -> None:
        """Set the bucket's fields to `values` (a snapshot: the last writer wins)."""
        ...

    async def series(self, series: str, buckets: list[int]) -> list[dict[str, float]]:
        """Each bucket's fields, in the order asked ({} for a bucket with nothing)."""
        ...

@dataclass(frozen=True)
class Challenge:
    reference: str
    dev_code: str | None  # only the simulated provider in dev mode reveals it


class IdentityProvider(Protocol):
    """One verification method (mobile, kakao, naver, pass)."""

    method: str
    capacity: int

    async def send_code(self, phone: str, name: str) -> Challenge: ...
    async def confirm(self, reference: str, code: str) -> bool:
        """Whether `code` is the one sent for `reference`. The same right code must confirm
        again while the request lives (3 minutes): the retry of a lost answer asks again.
        A provider that spends codes on first use needs to remember the ones it confirmed."""
        ...


class NotificationFailed(Exception):
    """A channel could not deliver a message now; the outbox tries again later."""


class Notifier(Protocol):
    """One channel (log, webhook, e-mail): delivers a letter or raises NotificationFailed.

    A channel may see one letter more than once (after a crash, or when another channel
    failed); its idempotency key lets the receiver drop the repeat.
    """

    async def send(self, letter: Letter) -> None: ...


class ContactSealer(Protocol):
    """Seals contact data (AES-GCM, key outside the database) bound to one person key."""

    def seal(self, person_key: str, contact: Contact) -> str: ...
    def open(self, person_key: str, sealed: str) -> Contact:
        """The contact, or raise ValueError if the seal is not this person's or its key is gone."""
        ...


class Outbox(Protocol):
    """The durable outbox, in the ledger's own database; and the contacts it delivers to."""

    async def claim(self, now: datetime, lease_seconds: float, limit: int) -> list[OutboxMessage]:
        """Take up to `limit` due messages no one else holds, for `lease_seconds`, atomically.

        Two dispatchers never hold one message at once; a dispatcher that dies lets its
        lease lapse and the message is claimed again.
        """
        ...

    async def settle(self, settlements: Sequence[Settlement]) -> set[int]:
        """Mark claimed messages sent, dead, or pending again at their `retry_at`, in one write;
        the ids settled. A message whose claim was lost (its lease lapsed and another
        dispatcher took it) is left as it is and not among them."""
        ...

    async def counts(self) -> dict[NoticeState, int]: ...
    async def contacts_of(self, person_keys: Collection[str]) -> dict[str, str]:
        """The sealed contacts kept for these people, by person key, in one read; a person
        with none is left out."""
        ...

    async def last_dose_day(self) -> date | None:
        """The day of the campaign's last second-dose slot (or last slot), if any."""
        ...

    async def purge_contacts(self) -> int:
        """Delete every kept contact and void the messages still pending; the number deleted."""
        ...


class BackendBusy(BackendUnavailable):
    """The backend answers, but every connection stayed in use for longer than the bounded wait.

    A request still fails with 503 and Retry-After; `/readyz` reports the backend busy, not
    down, so a load balancer keeps a loaded but healthy node.
    """


class Standby(Protocol):
    """The standby list and its offers, in the ledger's own database (docs/notifications.md).

    Every call first moves on the offers whose hold ran out (`sweep`), in its own transaction,
    so a lapse is processed by whichever read or write comes first, or by the dispatcher loop.
    """

    async def join(self, entry: StandbyJoin) -> StandbyEntry:
        """Join, or raise already_on_standby or already_booked; the contact is kept with it."""
        ...

    async def entry(self, person_key: str, now: datetime) -> StandbyEntry | None:
        """The person's standby with their position now, if they wait."""
        ...

    async def leave(self, person_key: str, now: datetime) -> None:
        """Leave standby (an open offer is declined and passes on), or raise not_on_standby."""
        ...

    async def offer_of(self, person_key: str, now: datetime) -> Offer | None:
        """The person's open offer, if any."""
        ...

    async def offer_by_id(self, offer_id: str) -> Offer | None: ...

    async def accept(self, offer_id: str, acceptance: Acceptance) -> Booking:
        """Book the held place with a second dose, atomically; the person leaves standby.

        Raises no_offer, already_booked or second_dose_unavailable (the offer stays open).
        An offer already accepted answers with its booking."""
        ...

    async def decline(self, person_key: str, now: datetime) -> Offer:
        """Decline the open offer: the place passes to the next; the person leaves standby."""
        ...

    async def sweep(self, now: datetime) -> int:
        """Pass on every lapsed offer and drop entries whose window closed; the offers lapsed."""
        ...

    async def post_leftovers(self, slot: NewSlot, now: datetime) -> tuple[int, int]:
        """Create a slot of today's leftover doses, held in a pool (never free on a map), and
        offer them to the district's standby in order: (slot id, doses offered now)."""
        ...

    async def offer_free_places(self, slot_ids: list[int], now: datetime) -> int:
        """Offer the free first-dose places of these slots (a clinic added places); the number."""
        ...
