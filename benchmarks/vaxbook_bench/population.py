"""A synthetic population of one rotation group, and inventory sized for it."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date, time, timedelta

from vaxbook.demo import demo_clinic_key, demo_clinics
from vaxbook.domain.booking import Clinic
from vaxbook.domain.identity import make_resident_number
from vaxbook.services.clinics import ClinicService, SlotPlan
from vaxbook_bench.citizen import Citizen

COHORT_YEARS = range(1972, 2004)  # the 18-49 cohort of 2021
FIRST_DOSE_TIMES = (time(9), time(10), time(11), time(13), time(14), time(15), time(16), time(17))
SLOT_DAYS = 7
GROUPS = 10
MIN_SHARE = 4  # so that people picking slots at random rarely meet a full one


def group_birth_dates(group: int) -> list[date]:
    """Every birth date in the cohort whose day of the month ends in `group`."""
    days = [d for d in range(1, 32) if d % 10 == group]
    found = []
    for year in COHORT_YEARS:
        for month in range(1, 13):
            for day in days:
                try:
                    found.append(date(year, month, day))
                except ValueError:
                    continue
    return found


def citizen(index: int, births: list[date], run: str) -> Citizen:
    """The index-th person: a unique, valid resident number spread over the group's birth dates."""
    birth = births[index % len(births)]
    rest = index // len(births)
    number = make_resident_number(birth, male=rest // 100_000 % 2 == 0, serial=rest % 100_000)
    return Citizen(number=number, device=f"rush-{run}-{index}", phone=f"010{index % 10**8:08d}")


@dataclass(frozen=True)
class InventoryPlan:
    clinics: int
    places_per_group_share: int  # first doses of the open group's share in every slot

    @property
    def slots(self) -> int:
        return self.clinics * SLOT_DAYS * len(FIRST_DOSE_TIMES)

    @property
    def group_places(self) -> int:
        return self.slots * self.places_per_group_share


def plan_inventory(people: int, clinics: int, stock_ratio: float, extra_places: int = 0) -> InventoryPlan:
    """Enough places in the open group's shares for `stock_ratio` x people, plus `extra_places`
    (the database-ceiling run books into the same slots before the rush, and is undone)."""
    slots = clinics * SLOT_DAYS * len(FIRST_DOSE_TIMES)
    return InventoryPlan(clinics, max(math.ceil((people * stock_ratio + extra_places) / slots), MIN_SHARE))


async def load_inventory(service: ClinicService, plan: InventoryPlan, first_day: date) -> list[Clinic]:
    """Clinics over the 17 provinces by population; each slot's first doses split over 10 groups."""
    rng = random.Random(2021)
    clinics = demo_clinics(plan.clinics, rng)
    for clinic in clinics:
        await service.add_clinic(clinic, demo_clinic_key(clinic.id))
    capacity = plan.places_per_group_share * GROUPS
    batch: list[SlotPlan] = []
    for clinic in clinics:
        vaccine = rng.choice(("pfizer", "moderna"))
        for offset in range(SLOT_DAYS):
            day = first_day + timedelta(days=offset)
            for start in FIRST_DOSE_TIMES:
                end = time(start.hour, 50)
                batch.append(SlotPlan(clinic.id, day, start, end, vaccine, capacity, 0))
                batch.append(SlotPlan(clinic.id, day + timedelta(days=42), start, end, vaccine, 0, capacity))
        if len(batch) > 5000:
            await service.add_slots(batch)
            batch = []
    if batch:
        await service.add_slots(batch)
    return clinics
