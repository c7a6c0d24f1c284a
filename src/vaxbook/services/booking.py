"""Browse and book with an admission pass; view, change and cancel one's own booking."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import Any, TypeVar

from cachetools import TTLCache

from vaxbook.domain.booking import Booking, BookingRequest, ClinicFree, RegionFree, SlotFree
from vaxbook.domain.campaign import Campaign
from vaxbook.domain.canonical import check_clinic_id, check_id, check_idempotency_key, check_region_name
from vaxbook.domain.credentials import AdmissionPass, Identity
from vaxbook.domain.errors import Input, Problem, VaxbookError
from vaxbook.domain.inventory import second_dose_date
from vaxbook.domain.notices import Notice, NoticeKind, booking_notices
from vaxbook.ports import Clock, Gate, Ledger, Spend
from vaxbook.services.free_counts import FreeCounts
from vaxbook.services.single_flight import SingleFlight
from vaxbook.services.waiting_room import WaitingRoom

T = TypeVar("T")


class BookingService:
    def __init__(
        self,
        campaign: Campaign,
        ledger: Ledger,
        gate: Gate,
        clock: Clock,
        waiting_room: WaitingRoom,
        *,
        browse_cache_seconds: float,
        free_counts: FreeCounts,
    ) -> None:
        self._campaign = campaign
        self._ledger = ledger
        self._gate = gate
        self._clock = clock
        self._waiting_room = waiting_room
        self._free_counts = free_counts  # the region lists, one read for all of them
        # Browsing is most of the traffic and may be a second stale; booking is always exact.
        self._cache: TTLCache[tuple[Any, ...], Any] = TTLCache(
            maxsize=20_000, ttl=browse_cache_seconds, timer=time.monotonic
        )
        self._cache_enabled = browse_cache_seconds > 0
        self._loads: SingleFlight[Any] = SingleFlight()

    # browsing ------------------------------------------------------------------------
    async def provinces(self, admission: AdmissionPass) -> list[RegionFree]:
        return await self._free_counts.provinces(tuple(admission.groups), self._today())

    async def districts(self, admission: AdmissionPass, sido: str) -> list[RegionFree]:
        check_region_name(sido, "sido")
        return await self._free_counts.districts(sido, tuple(admission.groups), self._today())

    async def clinics(self, admission: AdmissionPass, sido: str, sigungu: str) -> list[ClinicFree]:
        check_region_name(sido, "sido")
        check_region_name(sigungu, "sigungu")
        return await self._free_counts.clinics(sido, sigungu, tuple(admission.groups), self._today())

    async def slots(self, admission: AdmissionPass, clinic_id: str) -> list[SlotFree]:
        check_clinic_id(clinic_id)
        if await self._ledger.clinic(clinic_id) is None:
            raise VaxbookError(Problem.CLINIC_NOT_FOUND, field="clinic_id")
        groups, since = tuple(admission.groups), self._today()
        return await self._cached(
            ("s", clinic_id, groups, since), lambda: self._ledger.slots(clinic_id, groups, since)
        )

    # writing -------------------------------------------------------------------------
    async def book(self, admission: AdmissionPass, slot_id: int, idempotency_key: str) -> Booking:
        """Book the first dose and the matching second dose in one transaction: both or neither.

        A pass books once: the booking spends it, so after a cancel the person joins the
        line again (a retry with the same Idempotency-Key still gets its booking back).
        One gate call (device, pass) and one ledger call, when the slot's row is cached.
        """
        request = await self._request(admission, slot_id, idempotency_key, "book")
        spend = await self._spend(admission, idempotency_key)
        if spend == "refused":
            if await self._ledger.booking_of(admission.person) is not None:
                raise VaxbookError(Problem.ALREADY_BOOKED)  # the more useful answer, when it is true
            raise VaxbookError(Problem.ADMISSION_USED)  # by a booking since cancelled, or one in flight
        return await self._spending(admission, idempotency_key, spend, self._ledger.book(request))

    async def change(
        self, admission: AdmissionPass, identity: Identity, slot_id: int, idempotency_key: str
    ) -> Booking:
        """Move one's booking to another slot under the same rules; the old places are freed.

        Besides the pass from the line, a change needs a fresh verification of the same
        person: a queue ticket lasts the whole window and must not reopen an old booking.
        A pass already used may still change the booking it made; a change spends an unused one.
        """
        if identity.person != admission.person:
            raise VaxbookError(Problem.IDENTITY_INVALID, field=Input.IDENTITY_TOKEN)
        request = await self._request(admission, slot_id, idempotency_key, "change",
                                      contact=identity.contact or admission.contact)
        spend = await self._spend(admission, idempotency_key)
        return await self._spending(admission, idempotency_key, spend, self._ledger.change(request))

    async def _spend(self, admission: AdmissionPass, key: str) -> Spend:
        """The gate's one call for a write: the device still holds the person, and the pass is
        spent by this write (and no longer counts among the live passes of the line's cap)."""
        spend = await self._waiting_room.spend_for_write(admission, key)
        if spend == "device":
            raise VaxbookError(Problem.DEVICE_BOUND_ELSEWHERE)
        return spend

    async def _spending(
        self, admission: AdmissionPass, key: str, spend: Spend, write: Awaitable[Booking]
    ) -> Booking:
        """Run the write; if the ledger refuses it, a pass it had just spent is unused again."""
        try:
            return await write
        except VaxbookError:
            if spend == "spent":
                await self._waiting_room.unspend(admission, key)
            raise

    async def mine(self, identity: Identity) -> Booking:
        booking = await self._ledger.booking_of(identity.person)
        if booking is None:
            raise VaxbookError(Problem.NO_BOOKING)
        return booking

    async def cancel(self, identity: Identity) -> Booking:
        """Cancel; the first-dose place goes back to the share it came from. The message saying
        so is written in the cancel's own transaction, and the reminders are voided."""
        now = self._clock.now()
        return await self._ledger.cancel(identity.person, now, (Notice(NoticeKind.CANCELLED, now),))

    # internals -----------------------------------------------------------------------
    async def _request(
        self, admission: AdmissionPass, slot_id: int, idempotency_key: str, action: str,
        contact: str | None = None,
    ) -> BookingRequest:
        # Checked before any I/O: both reach the ledger (a bigint column, a text column).
        check_id(slot_id, "slot_id")
        check_idempotency_key(idempotency_key)
        slot = await self._ledger.slot(slot_id)  # the ledger's cached row: usually no I/O
        try:
            if slot is None:
                raise VaxbookError(Problem.SLOT_NOT_FOUND, field="slot_id")
            starts = datetime.combine(slot.day, slot.start, self._campaign.timezone)
            if slot.first_capacity == 0 or starts <= self._clock.now():
                raise VaxbookError(Problem.SLOT_NOT_BOOKABLE, field="slot_id")
        except VaxbookError:
            # A device that lost the person is told so first, as before the slot is looked at.
            holder = await self._gate.device_holder(admission.person, self._clock.now().timestamp())
            if holder is not None and holder != admission.device:
                raise VaxbookError(Problem.DEVICE_BOUND_ELSEWHERE) from None
            raise
        second_day = second_dose_date(slot.day, self._campaign.vaccine(slot.vaccine_id))
        return BookingRequest(
            person_key=admission.person, masked_name=admission.name,
            birth_date=admission.birth_date, first_slot_id=slot_id,
            share_groups=tuple(admission.groups), needs_second_dose=second_day is not None,
            # The ledger takes the second-dose candidates itself, in the booking's transaction;
            # none is refused by it, after it has replayed a retried request.
            second_slot_ids=(), second_dose_day=second_day,
            idempotency_key=idempotency_key, fingerprint=f"{action}:{slot_id}",
            at=self._clock.now(),
            notices=booking_notices(
                NoticeKind.BOOKED if action == "book" else NoticeKind.CHANGED,
                slot.day, second_day, self._campaign.timezone, self._clock.now(),
            ),
            contact=admission.contact if contact is None else contact,
        )

    def _today(self) -> date:
        return self._clock.now().astimezone(self._campaign.timezone).date()

    async def _cached(self, key: tuple[Any, ...], load: Callable[[], Awaitable[T]]) -> T:
        if self._cache_enabled and key in self._cache:
            return self._cache[key]  # type: ignore[no-any-return]  # keyed by the loader's type
        if not self._cache_enabled:
            return await load()
        return await self._loads.run(key, lambda: self._load_into_cache(key, load))  # type: ignore[no-any-return]  # keyed by the loader's type

    async def _load_into_cache(self, key: tuple[Any, ...], load: Callable[[], Awaitable[T]]) -> T:
        value = await load()
        self._cache[key] = value
        return value
