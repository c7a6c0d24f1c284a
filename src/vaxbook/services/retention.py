"""Contact data is kept only while it can still be needed: until the campaign's last dose has passed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from vaxbook.domain.campaign import Campaign
from vaxbook.ports import Clock, Outbox


@dataclass(frozen=True)
class PurgeResult:
    purged: bool
    deleted: int
    last_dose_day: date | None
    purge_from: datetime | None  # when a purge will delete; None when nothing is scheduled


class RetentionService:
    def __init__(self, campaign: Campaign, outbox: Outbox, clock: Clock) -> None:
        self._campaign = campaign
        self._outbox = outbox
        self._clock = clock

    async def purge(self) -> PurgeResult:
        """Delete every kept contact once the day of the campaign's last dose is over; else nothing."""
        last = await self._outbox.last_dose_day()
        purge_from = (
            datetime.combine(last + timedelta(days=1), time(0), self._campaign.timezone) if last else None
        )
        if purge_from is not None and self._clock.now() < purge_from:
            return PurgeResult(False, 0, last, purge_from)
        return PurgeResult(True, await self._outbox.purge_contacts(), last, purge_from)
