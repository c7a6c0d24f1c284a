"""Public figures (places offered, booked and free) and the daily allocation digests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from vaxbook.domain.figures import (
    ChainBreak,
    Digest,
    DigestHead,
    Tally,
    by_group,
    by_province,
    first_break,
    next_digest,
    totals,
)
from vaxbook.ports import Clock, FiguresLedger
from vaxbook.services.single_flight import SingleFlight

PUBLIC_PERIOD_SECONDS = 60  # the public figures are recomputed once a minute per process


@dataclass(frozen=True)
class PublicFigures:
    as_of: datetime  # the start of the period they were computed in
    refresh_seconds: int
    totals: Tally
    by_group: list[Tally]
    by_province: list[Tally]
    digests: list[DigestHead]


class FiguresService:
    def __init__(self, ledger: FiguresLedger, clock: Clock, timezone: ZoneInfo) -> None:
        self._ledger = ledger
        self._clock = clock
        self._timezone = timezone
        self._cached: dict[int, tuple[int, PublicFigures]] = {}
        self._flight: SingleFlight[PublicFigures] = SingleFlight()

    async def current(self, period: int = PUBLIC_PERIOD_SECONDS) -> PublicFigures:
        """The figures of the current `period` (computed by the first request in it, then kept)."""
        bucket = int(self._clock.now().timestamp()) // period
        cached = self._cached.get(period)
        if cached and cached[0] == bucket:
            return cached[1]
        return await self._flight.run((period, bucket), lambda: self._compute(period, bucket))

    async def _compute(self, period: int, bucket: int) -> PublicFigures:
        counts = await self._ledger.allocation()
        figures = PublicFigures(
            as_of=datetime.fromtimestamp(bucket * period, UTC), refresh_seconds=period,
            totals=totals(counts), by_group=by_group(counts), by_province=by_province(counts),
            digests=await self._ledger.digest_heads(),
        )
        self._cached[period] = (bucket, figures)
        return figures

    async def digest(self, day: date) -> Digest | None:
        return await self._ledger.digest(day)

    async def make_digest(self, day: date | None = None) -> Digest:
        """Append the digest of `day` (by default yesterday, in the campaign's time zone).

        It records the allocation as it stands now, so run it just after midnight. Raises
        DigestOutOfOrder for a day at or before the newest digest's, DigestConflict if
        another digest was appended meanwhile."""
        now = self._clock.now()
        day = day or (now.astimezone(self._timezone).date() - timedelta(days=1))
        heads = await self._ledger.digest_heads()
        digest = next_digest(heads[-1] if heads else None, day, now.astimezone(UTC),
                             await self._ledger.allocation())
        await self._ledger.append_digest(digest)
        return digest

    async def verify_digests(self) -> tuple[int, ChainBreak | None]:
        """How many digests are stored, and where their chain first breaks (None: it holds)."""
        digests = await self._ledger.digests()
        return len(digests), first_break(digests)
