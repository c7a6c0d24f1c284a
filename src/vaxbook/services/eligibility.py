"""Where a verified person stands: may they book now, and if not, when or why not."""

from __future__ import annotations

from datetime import timedelta

from vaxbook.domain.campaign import Campaign
from vaxbook.domain.credentials import Identity
from vaxbook.domain.eligibility import Eligibility, Status, decide_eligibility
from vaxbook.domain.errors import Problem, VaxbookError
from vaxbook.ports import Clock, Ledger


class EligibilityService:
    def __init__(self, campaign: Campaign, ledger: Ledger, clock: Clock, pre_queue_seconds: int) -> None:
        self._campaign = campaign
        self._ledger = ledger
        self._clock = clock
        self._pre_queue = timedelta(seconds=pre_queue_seconds)

    async def check(self, identity: Identity) -> Eligibility:
        """The person's status now, with the open or next window."""
        booking = await self._ledger.booking_of(identity.person)
        return decide_eligibility(
            self._campaign, identity.birth_date, self._clock.now(), has_booking=booking is not None
        )

    def decide(self, identity: Identity, *, has_booking: bool) -> Eligibility:
        """check(), for a caller that read whether the person holds a booking itself."""
        now = self._clock.now()
        return decide_eligibility(self._campaign, identity.birth_date, now, has_booking=has_booking)

    async def window_to_join(self, identity: Identity) -> Eligibility:
        """The eligibility of someone who may join a line now (open, or in the pre-queue), or raise."""
        return self.joinable(await self.check(identity))

    def joinable(self, found: Eligibility) -> Eligibility:
        """`found` if it lets the person join a line now (open, or in the pre-queue), else raise."""
        if found.status is Status.OUTSIDE_COHORT:
            raise VaxbookError(Problem.OUTSIDE_COHORT)
        if found.status is Status.CLOSED:
            raise VaxbookError(Problem.CAMPAIGN_CLOSED)
        if found.status is Status.BOOKED and found.window is None:
            raise VaxbookError(Problem.ALREADY_BOOKED)
        assert found.window is not None  # every other status carries a window
        if found.status is Status.NOT_YET and self._clock.now() < found.window.opens - self._pre_queue:
            raise VaxbookError(Problem.WINDOW_NOT_OPEN,
                opens_at=found.window.opens.isoformat(),
                closes_at=found.window.closes.isoformat(),
            )
        return found
