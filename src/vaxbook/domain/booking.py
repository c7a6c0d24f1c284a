"""What the ledger holds: clinics, slots, bookings (plain records, no behaviour beyond reading)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from vaxbook.domain.notices import Notice


@dataclass(frozen=True)
class Clinic:
    id: str
    name: str
    sido: str
    sigungu: str
    address: str


@dataclass(frozen=True)
class Slot:
    id: int
    clinic_id: str
    day: date
    start: time
    end: time
    vaccine_id: str
    first_capacity: int
    second_capacity: int


@dataclass(frozen=True)
class NewSlot:
    """A slot to create; the ledger stores its first-dose capacity as per-group shares."""

    clinic_id: str
    day: date
    start: time
    end: time
    vaccine_id: str
    shares: tuple[int, ...]  # first-dose places per group, from split_quota
    second_capacity: int


@dataclass(frozen=True)
class SlotFree:
    slot: Slot
    free_first: int  # for the caller: their group's share, or every share in the additional period
    free_second: int


@dataclass(frozen=True)
class RegionFree:
    name: str
    free: int


@dataclass(frozen=True)
class ClinicFree:
    clinic: Clinic
    free: int


@dataclass(frozen=True)
class BookingRequest:
    """One booking (or change): the person comes from their token, never from the body."""

    person_key: str
    masked_name: str
    birth_date: date
    first_slot_id: int
    share_groups: tuple[int, ...]  # shares it may draw from, in order of preference
    needs_second_dose: bool
    second_slot_ids: tuple[int, ...]  # candidates for the second dose, in order of preference
    idempotency_key: str
    fingerprint: str  # what the request asked for; a reused key must ask for the same
    at: datetime
    notices: tuple[Notice, ...] = ()  # written to the outbox in the booking's own transaction
    contact: str = ""  # the sealed contact (ports.ContactSealer), kept for notifications only
    # Set (and no second_slot_ids): the ledger itself takes the candidates, in its own
    # transaction, from the first dose's clinic and vaccine on this day, ranked by
    # domain.inventory.rank_second_dose_slots (one round trip instead of two).
    second_dose_day: date | None = None


@dataclass(frozen=True)
class Booking:
    id: str
    person_key: str
    masked_name: str
    birth_date: date
    share_group: int  # the group share the first dose came from; cancelling returns it there
    first: Slot
    second: Slot | None
    clinic: Clinic
    created_at: datetime
    cancelled_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.cancelled_at is None


@dataclass(frozen=True)
class ClinicListRow:
    booking_id: str
    dose: int
    start: time
    end: time
    vaccine_id: str
    masked_name: str
    birth_date: date
    outcome: str | None = None  # "vaccinated" or "no_show", as the clinic marked it on the day


@dataclass(frozen=True)
class SlotLoad:
    """A clinic's own view of a slot: its capacities and how many places are booked."""

    slot: Slot
    first_booked: int
    second_booked: int


OUTCOMES = ("vaccinated", "no_show")
