"""Standby: join, see one's position, leave; see, accept or decline an exclusive offer; and a
clinic's leftover doses of the day, offered to its district's standby (docs/notifications.md)."""

from __future__ import annotations

from datetime import date, datetime, time

from vaxbook.domain.booking import Booking, NewSlot, RegionFree
from vaxbook.domain.campaign import Campaign
from vaxbook.domain.canonical import check_region_name
from vaxbook.domain.credentials import Identity
from vaxbook.domain.eligibility import Eligibility, Status, decide_eligibility
from vaxbook.domain.errors import Problem, VaxbookError
from vaxbook.domain.inventory import rank_second_dose_slots, second_dose_date, share_order, split_quota
from vaxbook.domain.notices import NoticeKind, booking_notices
from vaxbook.domain.standby import Acceptance, District, Offer, StandbyEntry, StandbyJoin, check_districts
from vaxbook.ports import Clock, Gate, Ledger, Standby
from vaxbook.services.clinics import ClinicService, SlotPlan, slot_number

_REFUSALS = {Status.OUTSIDE_COHORT: Problem.OUTSIDE_COHORT, Status.CLOSED: Problem.CAMPAIGN_CLOSED,
             Status.BOOKED: Problem.ALREADY_BOOKED, Status.NOT_YET: Problem.WINDOW_NOT_OPEN}


class StandbyService:
    def __init__(
        self, campaign: Campaign, ledger: Ledger, standby: Standby, gate: Gate, clock: Clock,
        clinics: ClinicService,
    ) -> None:
        self._campaign = campaign
        self._ledger = ledger
        self._standby = standby
        self._gate = gate
        self._clock = clock
        self._clinics = clinics

    async def join(self, identity: Identity, districts: list[District]) -> StandbyEntry:
        """Wait for a place in up to three districts, within one's window or the additional period.

        Only someone who finds no place may join: a district with a free place is refused."""
        for district in districts:
            check_region_name(district.sido, "districts")
            check_region_name(district.sigungu, "districts")
        chosen = check_districts(tuple(districts))
        now = self._clock.now()
        await self._same_device(identity)
        found = await self._eligible(identity)
        assert found.window is not None  # checked by _eligible
        groups, today = tuple(share_order(found.window.group)), self._today()
        for district in chosen:
            clinics = await self._ledger.clinics(district.sido, district.sigungu, groups, today)
            if not clinics:
                raise VaxbookError(Problem.DISTRICT_NOT_FOUND, field="districts")
            if sum(c.free for c in clinics) > 0:
                raise VaxbookError(Problem.PLACES_FREE, field="districts",
                                   sido=district.sido, sigungu=district.sigungu)
        return await self._standby.join(StandbyJoin(
            person_key=identity.person, group=found.group, districts=chosen,
            any_share=found.window.group is None, until=found.window.closes, at=now,
            contact=identity.contact,
        ))

    async def regions(self, identity: Identity, sido: str | None = None) -> list[RegionFree]:
        """The provinces (or one province's districts) with clinics, and their places free for
        this person now: what the join page offers to choose from (a free district is refused)."""
        found = await self._eligible(identity)
        assert found.window is not None  # checked by _eligible
        groups, today = tuple(share_order(found.window.group)), self._today()
        if sido is None:
            return await self._ledger.provinces(groups, today)
        check_region_name(sido, "sido")
        return await self._ledger.districts(sido, groups, today)

    async def _eligible(self, identity: Identity) -> Eligibility:
        booked = await self._ledger.booking_of(identity.person) is not None
        found = decide_eligibility(self._campaign, identity.birth_date, self._clock.now(), has_booking=booked)
        if found.status is not Status.OPEN or found.window is None:
            raise VaxbookError(_REFUSALS.get(found.status, Problem.WINDOW_NOT_OPEN))
        return found

    async def position(self, identity: Identity) -> StandbyEntry:
        entry = await self._standby.entry(identity.person, self._clock.now())
        if entry is None:
            raise VaxbookError(Problem.NOT_ON_STANDBY)
        return entry

    async def leave(self, identity: Identity) -> None:
        """Leave standby; an open offer is declined and passes to the next person."""
        await self._standby.leave(identity.person, self._clock.now())

    async def offer(self, identity: Identity) -> Offer:
        offer = await self._standby.offer_of(identity.person, self._clock.now())
        if offer is None:
            raise VaxbookError(Problem.NO_OFFER)
        return offer

    async def accept(self, identity: Identity) -> Booking:
        """Book the held place and its second dose (same clinic, the vaccine's interval later)."""
        await self._same_device(identity)
        offer = await self.offer(identity)
        now, tz = self._clock.now(), self._campaign.timezone
        if datetime.combine(offer.slot.day, offer.slot.end, tz) <= now:
            raise VaxbookError(Problem.SLOT_NOT_BOOKABLE)
        second_day = second_dose_date(offer.slot.day, self._campaign.vaccine(offer.slot.vaccine_id))
        seconds: tuple[int, ...] = ()
        if second_day is not None:
            candidates = await self._ledger.second_dose_candidates(
                offer.slot.clinic_id, second_day, offer.slot.vaccine_id)
            seconds = tuple(rank_second_dose_slots(candidates, offer.slot.start))
        return await self._standby.accept(offer.id, Acceptance(
            person_key=identity.person, masked_name=identity.name, birth_date=identity.birth_date,
            needs_second_dose=second_day is not None, second_slot_ids=seconds, at=now,
            notices=booking_notices(NoticeKind.BOOKED, offer.slot.day, second_day, tz, now),
            contact=identity.contact,
        ))

    async def decline(self, identity: Identity) -> Offer:
        """Decline the offer: the place passes to the next person, and one leaves standby."""
        return await self._standby.decline(identity.person, self._clock.now())

    async def post_leftovers(
        self, clinic_id: str, key: str | None, vaccine_id: str, doses: int, until: time, client: str = ""
    ) -> tuple[int, int]:
        """A clinic's leftover doses for today, until `until`: pooled (never free on a map) and
        offered to its district's standby in order, with the short hold. (slot id, offered now)."""
        await self._clinics.authorize(clinic_id, key, client)
        if vaccine_id not in {v.id for v in self._campaign.vaccines}:
            raise VaxbookError(Problem.VACCINE_NOT_FOUND, field="vaccine_id")
        now = self._clock.now()
        local = now.astimezone(self._campaign.timezone)
        start = local.time().replace(second=0, microsecond=0, tzinfo=None)
        if until <= start:
            raise VaxbookError(Problem.SLOT_NOT_BOOKABLE, field="until")
        plan = SlotPlan(clinic_id, local.date(), start, until, vaccine_id, doses, 0)
        return await self._standby.post_leftovers(NewSlot(
            clinic_id=clinic_id, day=plan.day, start=start, end=until, vaccine_id=vaccine_id,
            shares=tuple(split_quota(doses, slot_number(plan))), second_capacity=0,
        ), now)

    async def sweep(self, now: datetime) -> int:
        """Pass on the offers whose hold ran out (the dispatcher loop calls this)."""
        return await self._standby.sweep(now)

    async def _same_device(self, identity: Identity) -> None:
        holder = await self._gate.device_holder(identity.person, self._clock.now().timestamp())
        if holder is not None and holder != identity.device:
            raise VaxbookError(Problem.DEVICE_BOUND_ELSEWHERE)

    def _today(self) -> date:
        return self._clock.now().astimezone(self._campaign.timezone).date()
