"""Clinics and their inventory: loading slots split fairly, and each clinic's day list."""

from __future__ import annotations

import hashlib
import hmac
import zlib
from dataclasses import dataclass
from datetime import date, time

from vaxbook.domain.booking import Clinic, ClinicListRow, NewSlot
from vaxbook.domain.canonical import check_clinic_id
from vaxbook.domain.errors import Input, Problem, VaxbookError
from vaxbook.domain.inventory import split_quota
from vaxbook.ports import Clock, Ledger, Standby
from vaxbook.services.throttle import Limits, Throttle


@dataclass(frozen=True)
class SlotPlan:
    """A slot as an operator describes it: one first-dose capacity, split on loading."""

    clinic_id: str
    day: date
    start: time
    end: time
    vaccine_id: str
    first_capacity: int
    second_capacity: int


def slot_number(plan: SlotPlan) -> int:
    """A stable number per slot that decides which groups get the remainder places."""
    return zlib.crc32(f"{plan.clinic_id}|{plan.day}|{plan.start}|{plan.vaccine_id}".encode())


def hash_clinic_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ClinicService:
    def __init__(
        self, ledger: Ledger, groups: int = 10, throttle: Throttle | None = None,
        standby: Standby | None = None, clock: Clock | None = None,
    ) -> None:
        self._ledger = ledger
        self._groups = groups
        self._throttle = throttle
        # With both, the first-dose places a clinic adds go to the people on standby first.
        self._standby = standby if clock is not None else None
        self._clock = clock

    async def add_clinic(self, clinic: Clinic, key: str) -> None:
        """Register a clinic; only a hash of its list key is kept."""
        await self._ledger.add_clinic(clinic, hash_clinic_key(key))

    async def add_slots(self, plans: list[SlotPlan]) -> list[int]:
        """Create slots, each first-dose capacity split evenly among the groups; their ids.

        With standby wired in, their free first-dose places are then offered (held) to the
        longest-waiting people of their districts, as a freed place is (docs/notifications.md)."""
        ids = await self._ledger.add_slots(
            [
                NewSlot(
                    clinic_id=p.clinic_id, day=p.day, start=p.start, end=p.end,
                    vaccine_id=p.vaccine_id,
                    shares=tuple(split_quota(p.first_capacity, slot_number(p), self._groups)),
                    second_capacity=p.second_capacity,
                )
                for p in plans
            ]
        )
        if self._standby is not None and self._clock is not None and ids:
            await self._standby.offer_free_places(ids, self._clock.now())
        return ids

    async def day_list(
        self, clinic_id: str, key: str | None, day: date, client: str = ""
    ) -> list[ClinicListRow]:
        """A clinic's bookings (first and second doses) for one day, behind the clinic's key.

        Every try counts against the client's and the clinic's wrong keys before the key is
        compared (so a burst of guesses cannot slip in at once); a right key is given back.
        """
        await self.authorize(clinic_id, key, client)
        return await self._ledger.clinic_bookings(clinic_id, day)

    async def authorize(self, clinic_id: str, key: str | None, client: str = "") -> None:
        """Check a clinic's key, behind the wrong-key throttle of the client and of the clinic.

        Every use of a clinic key goes through here (day list, clinic staff, leftover doses).
        A clinic imported without a key (none issued yet) has an empty hash: no key matches it.
        """
        stored = await self._ledger.clinic_key_hash(check_clinic_id(clinic_id))
        if stored is None:
            raise VaxbookError(Problem.CLINIC_NOT_FOUND, field="clinic_id")
        counted = []
        if self._throttle is not None:
            limits: Limits = self._throttle.limits
            counted = await self._throttle.take(
                ("clinic-key-client", client, limits.wrong_clinic_keys_per_client),
                ("clinic-key-clinic", clinic_id, limits.wrong_clinic_keys_per_clinic),
            )
        if not key or not stored or not hmac.compare_digest(stored, hash_clinic_key(key)):
            raise VaxbookError(Problem.CLINIC_KEY_INVALID, field=Input.CLINIC_KEY)
        if self._throttle is not None:
            await self._throttle.give_back(counted)
