"""Identity first: the two-step verification, one per person per 10 minutes, one device."""

from __future__ import annotations

import contextlib
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from vaxbook.domain.contact import Contact, canonical_email, canonical_language
from vaxbook.domain.credentials import Identity, PendingVerification
from vaxbook.domain.errors import Input, Problem, VaxbookError
from vaxbook.domain.identity import (
    canonical_name,
    canonical_phone,
    mask_name,
    parse_resident_number,
    person_key,
)
from vaxbook.domain.proof_of_work import Challenge, check_solution, issue_challenge
from vaxbook.ports import BackendUnavailable, Clock, ContactSealer, Gate, IdentityProvider, Ledger, Signer
from vaxbook.services.arrivals import Arrivals
from vaxbook.services.single_flight import SingleFlight
from vaxbook.services.throttle import Throttle, allowed, asked, too_many_requests

PENDING_SECONDS = 180
MAX_CODE_TRIES = 5  # a 6-digit code must not be guessable within one request's life


@dataclass(frozen=True)
class MethodStatus:
    method: str
    in_flight: int
    capacity: int
    recent_latency_seconds: float
    level: str  # smooth | busy | congested
    estimated_wait_seconds: float


@dataclass(frozen=True)
class StartedVerification:
    request_token: str
    expires_in: int
    dev_code: str | None


@dataclass(frozen=True)
class Verified:
    identity_token: str
    identity: Identity


def congestion_level(in_flight: int, capacity: int) -> str:
    load = in_flight / capacity if capacity else 1.0
    return "smooth" if load < 0.5 else "busy" if load < 0.9 else "congested"


class AuthService:
    def __init__(
        self,
        providers: dict[str, IdentityProvider],
        gate: Gate,
        signer: Signer,
        clock: Clock,
        secret: bytes,
        throttle: Throttle,
        *,
        identity_seconds: int,
        hold_seconds: int,
        proof_of_work_key: bytes = b"",
        proof_of_work_difficulty: int = 0,
        ledger: Ledger,
        contact_sealer: ContactSealer | None = None,
        methods_cache_seconds: float = 0.0,
        arrivals: Arrivals | None = None,
    ) -> None:
        self._ledger = ledger
        self._arrivals = arrivals or Arrivals(0, 0.0)  # turns for the opening burst's work
        self._providers = providers
        self._gate = gate
        self._signer = signer
        self._clock = clock
        self._secret = secret
        self._throttle = throttle
        self._identity_seconds = identity_seconds
        self._hold_seconds = hold_seconds
        self._pow_key = proof_of_work_key
        self._pow_difficulty = proof_of_work_difficulty
        self._sealer = contact_sealer
        # Everyone asks for the methods' congestion first: a worker reads it from the gate at
        # most once per methods_cache_seconds (one load at a time), not once per person.
        self._methods_cache_seconds = methods_cache_seconds
        self._methods: tuple[float, list[MethodStatus]] | None = None
        self._methods_flight: SingleFlight[list[MethodStatus]] = SingleFlight()

    def challenge(self, device_id: str | None) -> Challenge | None:
        """A proof-of-work challenge for this device, or None while bot friction is off."""
        device = require_device(device_id)
        if not self._pow_difficulty:
            return None
        return issue_challenge(self._pow_key, device, self._pow_difficulty, self._clock.now().timestamp())

    async def methods(self) -> list[MethodStatus]:
        """Each method's congestion, so people can pick the faster one (at most
        methods_cache_seconds old; the same list object while it is kept)."""
        if not self._methods_cache_seconds:
            return await self._read_methods()
        kept = self._methods
        if kept is not None and time.monotonic() - kept[0] < self._methods_cache_seconds:
            return kept[1]
        return await self._methods_flight.run("methods", self._keep_methods)

    async def _keep_methods(self) -> list[MethodStatus]:
        statuses = await self._read_methods()
        self._methods = (time.monotonic(), statuses)
        return statuses

    async def _read_methods(self) -> list[MethodStatus]:
        statuses = []
        for method, provider in self._providers.items():
            in_flight, latency = await self._gate.method_figures(method)
            queued_rounds = max(in_flight / provider.capacity, 1.0) if provider.capacity else 1.0
            statuses.append(
                MethodStatus(
                    method=method, in_flight=in_flight, capacity=provider.capacity,
                    recent_latency_seconds=round(latency, 3),
                    level=congestion_level(in_flight, provider.capacity),
                    estimated_wait_seconds=round(latency * queued_rounds, 3),
                )
            )
        return statuses

    async def start(
        self, *, name: str, resident_number: str, phone: str, method: str, device_id: str, client: str,
        proof: tuple[str, str] | None = None, email: str | None = None, language: str | None = None,
    ) -> StartedVerification:
        """Check the input (and the proof of work, when asked for) and the limits, ask the method
        to send a code, and hand back a signed request. `proof` is (challenge, solution).

        Every limit is counted before the provider is asked: sending a message is the slow,
        costly step a flood (SMS pumping) is after.
        """
        self._require_issuer()
        provider = self._providers.get(method)
        if provider is None:
            raise VaxbookError(Problem.UNKNOWN_METHOD, field="method")
        name = canonical_name(name)
        digits = canonical_phone(phone)
        contact = Contact(digits, canonical_email(email), canonical_language(language))
        require_device(device_id)
        number = parse_resident_number(resident_number)
        if self._pow_difficulty:
            # Checked before the provider is asked: the proof is what makes a send expensive.
            check_solution(self._pow_key, *(proof or ("", "")), device=device_id,
                           required=self._pow_difficulty, now=self._clock.now().timestamp())
        person = person_key(number, self._secret)
        limits = self._throttle.limits
        client_label = self._throttle.label("client", client)
        async with self._arrivals.turn():  # the worker's own round trips; never the provider's send
            await self._throttle.take(
                ("start-client", client, limits.starts_per_client),
                ("start-device", device_id, limits.starts_per_device),
                ("start-phone", digits, limits.starts_per_phone),
                ("start-person", person, limits.starts_per_person),
            )
            # One client holds at most its share of the method's capacity, so it cannot make
            # the method congested for everyone else.
            call = await self._gate.method_started(
                method, client_label, self._throttle.method_share(provider.capacity)
            )
        if call is None:
            raise too_many_requests(1.0)
        began = time.monotonic()
        try:
            challenge = await provider.send_code(digits, name)
        finally:
            await self._gate.method_finished(method, client_label, call, time.monotonic() - began)
        now = self._clock.now().timestamp()
        pending = PendingVerification(
            person=person, device=device_id, method=method,
            reference=challenge.reference, birth=number.birth_date.isoformat(),
            name=mask_name(name), exp=now + PENDING_SECONDS,
            # Sealed, never in clear: a token is readable by whoever holds it.
            contact=self._sealer.seal(person, contact) if self._sealer is not None else "",
        )
        return StartedVerification(self._signer.sign(pending), PENDING_SECONDS, challenge.dev_code)

    async def verify(self, *, request_token: str, code: str, device_id: str) -> Verified:
        """Confirm the code; refuse a second verification in 10 minutes or another device.

        Besides the 5 tries of one request, every try counts against the person's wrong
        codes before the code is checked (so a thousand tries at once cannot all slip in);
        a right code is given back.

        The same request confirmed again from the same device (its answer was lost: a node
        killed mid-request, a 503 after the claim was recorded) is a replay, not a second
        verification: it gets an identity token again, within the request's own 3 minutes.
        """
        self._require_issuer()
        require_device(device_id)
        pending = self._signer.read(PendingVerification, request_token, device=device_id)
        async with self._arrivals.turn():
            return await self._verified(pending, code, device_id)

    async def _verified(self, pending: PendingVerification, code: str, device_id: str) -> Verified:
        # The request's try and the person's wrong-code limit are counted in one round trip.
        counted = self._throttle.counting(
            ("wrong-code-person", pending.person, self._throttle.limits.wrong_codes_per_person)
        )
        tries, waits = await self._gate.try_code(
            pending.reference, PENDING_SECONDS, asked(counted), self._clock.now().timestamp()
        )
        if tries > MAX_CODE_TRIES:
            # A locked request's try does not count against the person: given back.
            await self._throttle.give_back(allowed(counted, waits))
            raise VaxbookError(Problem.VERIFICATION_LOCKED, field="code")
        await self._throttle.settle(counted, waits)
        if not await self._providers[pending.method].confirm(pending.reference, code):
            raise VaxbookError(Problem.VERIFICATION_CODE_WRONG, field="code",
                               attempts_left=MAX_CODE_TRIES - tries)
        if tries > 1:
            # A right code's try is given back once the request was tried before (wrong codes,
            # or this is the retry of a lost answer), so retries use up none of its tries; every
            # wrong code still counts before it is checked. A first try keeps its count: that
            # spares the common path (right at once) a round trip, and its retries still never
            # lock the request (each is counted, then given back).
            await self._gate.count_code_attempt(pending.reference, PENDING_SECONDS, cost=-1)
        now = self._clock.now().timestamp()
        # The ledger's record decides first: it survives a gate that lost its state, so a
        # second device or a second verification within the hold is refused even then. Both
        # record the provider's reference, so this request's own retry is let through.
        reference = pending.reference
        try:
            outcome = await self._ledger.claim_verification(
                pending.person, device_id, now, self._hold_seconds, reference=reference
            )
        except BackendUnavailable:
            # A right code retried through a ledger outage must not use up the person's wrong codes.
            with contextlib.suppress(BackendUnavailable):
                await self._throttle.give_back(counted)
            raise
        # Otherwise the right code's count is given back with the gate's claim, in its round trip.
        if outcome.ok:
            outcome = await self._gate.claim_verification(
                pending.person, device_id, now, self._hold_seconds, reference=reference,
                refunds=asked(counted),
            )
        else:
            await self._throttle.give_back(counted)
        if outcome.device_bound_until is not None:
            until = datetime.fromtimestamp(outcome.device_bound_until, UTC)
            raise VaxbookError(Problem.DEVICE_BOUND_ELSEWHERE,
                retry_after=max(int(outcome.device_bound_until - now) + 1, 1),
                available_at=until.isoformat(),
            )
        if outcome.retry_after is not None:
            raise VaxbookError(Problem.VERIFICATION_TOO_FREQUENT, retry_after=int(outcome.retry_after) + 1)
        identity = Identity(
            person=pending.person, device=device_id, birth=pending.birth, name=pending.name,
            iat=now, exp=now + self._identity_seconds, contact=pending.contact,
        )
        return Verified(self._signer.sign(identity), identity)

    def _require_issuer(self) -> None:
        # Refused before a code is sent or a person's device is bound: a booking node that
        # holds only the public key would otherwise fail at the very last step.
        if not self._signer.issues_identities:
            raise VaxbookError(Problem.VERIFICATION_ELSEWHERE)

    def identity(self, token: str | None, device_id: str | None) -> Identity:
        """The verified person behind a bearer token, from the bound device only."""
        return self._signer.read(Identity, token, device=require_device(device_id))


_DEVICE = re.compile(r"[\x21-\x7e]{1,128}")  # visible ASCII: a device id is compared, never shown


def require_device(device_id: str | None) -> str:
    if not device_id or not _DEVICE.fullmatch(device_id):
        raise VaxbookError(Problem.MISSING_DEVICE, field=Input.DEVICE_ID)
    return device_id
