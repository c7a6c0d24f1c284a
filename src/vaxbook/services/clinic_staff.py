"""What a clinic's staff do with the clinic's key: add slots, change future capacities, and
mark each booked dose of the day vaccinated or no-show.

Every action proves the key first (ClinicService.authorize: the wrong-key throttle counts
every use). Slots are written through the same import path as the operators' files, so a
place a clinic adds is split among the groups exactly as an imported one.
"""

from __future__ import annotations

from datetime import date, datetime, time

from vaxbook.domain.booking import OUTCOMES, ClinicListRow, SlotLoad
from vaxbook.domain.campaign import Campaign
from vaxbook.domain.errors import Problem, VaxbookError
from vaxbook.domain.inventory_rows import MAX_CAPACITY, Numbered, SlotRecord
from vaxbook.ports import Clock, Ledger
from vaxbook.services.clinics import ClinicService


class ClinicStaff:
    def __init__(self, ledger: Ledger, clinics: ClinicService, clock: Clock, campaign: Campaign) -> None:
        self._ledger = ledger
        self._clinics = clinics
        self._clock = clock
        self._campaign = campaign

    def today(self) -> date:
        return self._clock.now().astimezone(self._campaign.timezone).date()

    async def inventory(self, clinic_id: str, key: str | None, client: str = "") -> list[SlotLoad]:
        """The clinic's slots from today on, with what is booked in each."""
        await self._clinics.authorize(clinic_id, key, client)
        return await self._ledger.clinic_inventory(clinic_id, self.today())

    async def add_slot(self, key: str | None, client: str, record: SlotRecord) -> SlotLoad:
        """Add a future slot; its first-dose places are split among the groups."""
        await self._clinics.authorize(record.clinic_id, key, client)
        _check_slot(self._campaign, record)
        self._refuse_started(record.day, record.start)
        loads = await self._ledger.clinic_inventory(record.clinic_id, record.day)
        if any(load.slot.day == record.day and load.slot.start == record.start
               and load.slot.vaccine_id == record.vaccine_id for load in loads):
            raise VaxbookError(Problem.SLOT_EXISTS, field="start")
        await self._write(record)
        return await self._load(record)

    async def set_capacity(
        self, clinic_id: str, key: str | None, client: str, slot_id: int,
        first_capacity: int | None, second_capacity: int | None,
    ) -> SlotLoad:
        """Raise or lower a future slot's capacities, never below what is booked."""
        await self._clinics.authorize(clinic_id, key, client)
        loads = await self._ledger.clinic_inventory(clinic_id, self.today())
        found = next((load for load in loads if load.slot.id == slot_id), None)
        if found is None:
            raise VaxbookError(Problem.SLOT_NOT_FOUND, field="slot_id")
        slot = found.slot
        self._refuse_started(slot.day, slot.start)
        record = SlotRecord(
            clinic_id, slot.day, slot.start, slot.end, slot.vaccine_id,
            slot.first_capacity if first_capacity is None else first_capacity,
            slot.second_capacity if second_capacity is None else second_capacity,
        )
        _check_slot(self._campaign, record)
        await self._write(record)
        return await self._load(record)

    async def mark(
        self, clinic_id: str, key: str | None, client: str, booking_id: str, dose: int, outcome: str
    ) -> ClinicListRow:
        """Record that today's booked dose was given, or that the person did not come."""
        await self._clinics.authorize(clinic_id, key, client)
        if outcome not in OUTCOMES:
            raise VaxbookError(Problem.INVALID_INPUT, field="outcome")
        rows = await self._ledger.clinic_bookings(clinic_id, self.today())
        found = next((r for r in rows if r.booking_id == booking_id and r.dose == dose), None)
        if found is None:
            raise VaxbookError(Problem.NOT_ON_DAY_LIST, field="booking_id")
        await self._ledger.record_outcome(booking_id, dose, outcome, self._clock.now())
        rows = await self._ledger.clinic_bookings(clinic_id, self.today())
        return next(r for r in rows if r.booking_id == booking_id and r.dose == dose)

    def _refuse_started(self, day: date, start: time) -> None:
        if datetime.combine(day, start, self._campaign.timezone) <= self._clock.now():
            raise VaxbookError(Problem.SLOT_STARTED, field="start")

    async def _write(self, record: SlotRecord) -> None:
        summary = await self._ledger.import_slots([Numbered(1, record)], dry_run=False)
        for refused in summary.refused:
            if refused.code == "capacity_below_booked":
                raise VaxbookError(Problem.CAPACITY_BELOW_BOOKED, field=refused.column)
            raise VaxbookError(Problem.INVALID_INPUT, field=refused.column)

    async def _load(self, record: SlotRecord) -> SlotLoad:
        loads = await self._ledger.clinic_inventory(record.clinic_id, record.day)
        return next(load for load in loads if load.slot.day == record.day
                    and load.slot.start == record.start and load.slot.vaccine_id == record.vaccine_id)


def _check_slot(campaign: Campaign, record: SlotRecord) -> None:
    """What the form or body cannot promise: a campaign vaccine, an end after the start, sane counts."""
    if record.vaccine_id not in {v.id for v in campaign.vaccines}:
        raise VaxbookError(Problem.INVALID_INPUT, field="vaccine")
    if record.end <= record.start:
        raise VaxbookError(Problem.INVALID_INPUT, field="end")
    for field, count in (("first_capacity", record.first_capacity),
                         ("second_capacity", record.second_capacity)):
        if not 0 <= count <= MAX_CAPACITY:
            raise VaxbookError(Problem.INVALID_INPUT, field=field)
