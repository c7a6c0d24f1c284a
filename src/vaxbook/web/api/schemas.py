"""What the JSON API answers, as pydantic models: the routes' response_model, and so /openapi.json.

The routes build their answers as plain dicts (serialize.py) and FastAPI checks each one
against its model. Fields are declared in the order the answers have always been written,
optional keys that an answer may leave out are dropped when unset (the routes use
`response_model_exclude_unset`), and a figure that can be whole or fractional is
`int | float`, so every body stays byte for byte what it was.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

Number = int | float


class Answer(BaseModel):
    model_config = ConfigDict(extra="forbid")


# campaign and eligibility ---------------------------------------------------------------
class Window(Answer):
    id: str
    group: int | None = Field(description="the group this window is for; null for the additional period")
    opens_at: str = Field(description="ISO 8601 with offset")
    closes_at: str


class Cohort(Answer):
    id: str
    born_from: str
    born_to: str


class Vaccine(Answer):
    id: str
    name: str
    doses: int
    interval_days: int


class CampaignAnswer(Answer):
    id: str
    name_ko: str
    name_en: str
    timezone: str
    cohorts: list[Cohort]
    vaccines: list[Vaccine]
    windows: list[Window]


class EligibilityAnswer(Answer):
    status: str = Field(description="open | not_yet | closed | outside_cohort | booked")
    group: int
    may_join_line: bool
    window: Window | None


# verification -----------------------------------------------------------------------------
class MethodFigures(Answer):
    method: str
    in_flight: int
    capacity: int
    recent_latency_seconds: Number
    level: str = Field(description="smooth | busy | congested")
    estimated_wait_seconds: Number


class MethodsAnswer(Answer):
    methods: list[MethodFigures]


class ChallengeAnswer(Answer):
    challenge: str | None = Field(description="null while bot friction is off")
    difficulty: int
    expires_at: Number | None = Field(default=None, description="present when a challenge is given")


class StartedAnswer(Answer):
    request_token: str
    expires_in: int
    dev_code: str | None = Field(default=None, description="dev mode only: the simulated code")


class VerifiedAnswer(Answer):
    identity_token: str
    expires_at: Number
    group: int


# the waiting room -------------------------------------------------------------------------
class LineAnswer(Answer):
    state: str = Field(description="pre_queue | waiting | admitted | sold_out")
    ticket: str = Field(description="the queue ticket to poll with (Authorization: Bearer)")
    line: str
    number: int | None
    ahead: int | None
    estimated_wait_seconds: Number | None = None
    poll_after_seconds: Number
    admission_pass: str | None = Field(default=None, description="when admitted: books for 10 minutes")
    opens_at: str | None = Field(default=None, description="in the pre-queue: when the line opens")
    paused: bool | None = Field(default=None, description="true while operators hold the line (no estimate)")
    notice_ko: str | None = Field(default=None, description="the operators' notice to everyone waiting")
    notice_en: str | None = Field(default=None, description="the same notice in English")


class LineCountersAnswer(Answer):
    line: str
    issued: int = Field(description="highest place number handed out")
    admitted: int = Field(description="every place up to this number may claim its admission pass")
    admission_rate: Number = Field(description="admissions per second, measured")
    sold_out: bool


# clinics and slots ------------------------------------------------------------------------
class RegionFreeAnswer(Answer):
    name: str
    free: int


class ProvincesAnswer(Answer):
    provinces: list[RegionFreeAnswer]


class DistrictsAnswer(Answer):
    districts: list[RegionFreeAnswer]


class Clinic(Answer):
    id: str
    name: str
    sido: str
    sigungu: str
    address: str


class ClinicFreeAnswer(Clinic):
    free: int


class ClinicsAnswer(Answer):
    clinics: list[ClinicFreeAnswer]


class Slot(Answer):
    id: int
    clinic_id: str
    date: str
    start: str = Field(description="HH:MM")
    end: str
    vaccine_id: str


class SlotFreeAnswer(Slot):
    free: int


class SlotsAnswer(Answer):
    slots: list[SlotFreeAnswer]


class ClinicListRow(Answer):
    booking_id: str
    dose: int
    start: str
    end: str
    vaccine_id: str
    masked_name: str
    birth_date: str
    outcome: str | None = Field(None, description="vaccinated | no_show, once the clinic marks it")


class ClinicDayList(Answer):
    clinic_id: str
    date: str
    bookings: list[ClinicListRow]


class SlotLoadAnswer(Answer):
    id: int
    date: str
    start: str
    end: str
    vaccine_id: str
    first_capacity: int
    first_booked: int
    second_capacity: int
    second_booked: int


class ClinicInventory(Answer):
    clinic_id: str
    slots: list[SlotLoadAnswer]


# bookings ---------------------------------------------------------------------------------
class BookingAnswer(Answer):
    id: str
    status: str = Field(description="active | cancelled")
    clinic: Clinic
    first_dose: Slot
    second_dose: Slot | None
    share_group: int
    created_at: str
    cancelled_at: str | None


# standby and offers -----------------------------------------------------------------------
class DistrictAnswer(Answer):
    sido: str
    sigungu: str


class StandbyAnswer(Answer):
    position: int = Field(description="1: the next to be offered a place in one of these districts")
    districts: list[DistrictAnswer]
    joined_at: str


class StandbyLeftAnswer(Answer):
    left: bool


class OfferAnswer(Answer):
    id: str
    state: str = Field(description="open | accepted | declined | lapsed")
    leftover: bool = Field(description="a leftover dose of the day (the shorter hold)")
    clinic: Clinic
    slot: Slot
    expires_at: str = Field(description="ISO 8601: the place is held until then")


class LeftoversAnswer(Answer):
    slot_id: int
    doses: int
    offered: int = Field(description="doses offered to standby people at once; the rest wait in the pool")
