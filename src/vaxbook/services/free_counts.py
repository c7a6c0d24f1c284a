"""Free first-dose places by region and clinic, read about once per `cache_seconds` for everyone.

The province list, a province's district list, a district's clinic list and the waiting
room's sold-out check are sums and slices of the same rows: free places per clinic. Asked
one by one they were the ledger's costliest reads of the journey (docs/benchmarks.md: 13 ms
of PostgreSQL per district list over 200 clinics, asked by nearly every person; a clinic
list per district, missed by a per-district cache 80-90 % of the time); here one read per
share order gives all four, so the database's work stays the same however many people
browse. `cache_seconds` is the documented staleness of free counts (`browse_cache_seconds`);
0 reads on every call. With several workers, one of them reads for all (services/shared_reads.py),
so the database's work stays the same however many workers there are, too.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import astuple, dataclass
from datetime import date

import orjson

from vaxbook.domain.booking import Clinic, ClinicFree, RegionFree
from vaxbook.ports import Ledger
from vaxbook.services.shared_reads import SharedReads
from vaxbook.services.single_flight import SingleFlight

Key = tuple[tuple[int, ...], date]


@dataclass(frozen=True)
class RegionCounts:
    """One read's sums, built once: the same list objects while the read is kept (their JSON is
    encoded once, web/api/hot_wire.encoded)."""

    provinces: list[RegionFree]
    districts: dict[str, list[RegionFree]]
    clinics: dict[tuple[str, str], list[ClinicFree]]
    total: int

    @classmethod
    def of(cls, rows: list[ClinicFree]) -> RegionCounts:
        # Code point order throughout: the ledgers' ORDER BY ... COLLATE "C" (SQLite: BINARY);
        # clinics of one name by id, so the order never depends on the read.
        clinics: defaultdict[tuple[str, str], list[ClinicFree]] = defaultdict(list)
        for row in sorted(rows, key=lambda r: (r.clinic.name, r.clinic.id)):
            clinics[row.clinic.sido, row.clinic.sigungu].append(row)
        by_province: defaultdict[str, list[RegionFree]] = defaultdict(list)
        for (sido, sigungu), found in clinics.items():
            by_province[sido].append(RegionFree(sigungu, sum(r.free for r in found)))
        districts = {sido: sorted(found, key=lambda r: r.name) for sido, found in by_province.items()}
        provinces = [RegionFree(sido, sum(r.free for r in districts[sido])) for sido in sorted(districts)]
        return cls(provinces, districts, dict(clinics), sum(r.free for r in rows))


class FreeCounts:
    def __init__(self, ledger: Ledger, cache_seconds: float, shared: SharedReads | None = None) -> None:
        """`shared`: the workers' one read per period (services/shared_reads.py), when they are
        several; else each reads the ledger itself."""
        self._ledger = ledger
        self._cache_seconds = cache_seconds
        self._shared = shared if cache_seconds > 0 else None
        self._kept: dict[Key, tuple[float, RegionCounts]] = {}  # key -> (kept until, monotonic; counts)
        self._reads: SingleFlight[RegionCounts] = SingleFlight()

    async def provinces(self, groups: tuple[int, ...], since: date) -> list[RegionFree]:
        return (await self.counts(groups, since)).provinces

    async def districts(self, sido: str, groups: tuple[int, ...], since: date) -> list[RegionFree]:
        return (await self.counts(groups, since)).districts.get(sido, [])

    async def clinics(
        self, sido: str, sigungu: str, groups: tuple[int, ...], since: date
    ) -> list[ClinicFree]:
        return (await self.counts(groups, since)).clinics.get((sido, sigungu), [])

    async def total(self, groups: tuple[int, ...], since: date) -> int:
        return (await self.counts(groups, since)).total

    async def counts(self, groups: tuple[int, ...], since: date) -> RegionCounts:
        key = (groups, since)
        kept = self._kept.get(key)
        if kept is not None and time.monotonic() < kept[0]:
            return kept[1]
        return await self._reads.run(key, lambda: self._read(key))

    async def _read(self, key: Key) -> RegionCounts:
        if self._shared is None:
            rows, keep = await self._ledger.clinic_free(*key), self._cache_seconds
        else:
            text, keep = await self._shared.get(_shared_name(key), lambda: self._rows_text(key))
            rows = _rows_of(text)
        counts = RegionCounts.of(rows)
        if self._cache_seconds > 0:
            # Keys are share orders and days: a handful per campaign, so the dict stays small;
            # a day that has passed is dropped with the next read.
            self._kept = {k: v for k, v in self._kept.items() if k[1] >= key[1]}
            self._kept[key] = (time.monotonic() + keep, counts)
        return counts

    async def _rows_text(self, key: Key) -> str:
        rows = await self._ledger.clinic_free(*key)
        return orjson.dumps([[*astuple(row.clinic), row.free] for row in rows]).decode()


def _shared_name(key: Key) -> str:
    groups, since = key
    return f"free-counts:{','.join(map(str, groups))}:{since.isoformat()}"


def _rows_of(text: str) -> list[ClinicFree]:
    return [ClinicFree(Clinic(*row[:-1]), row[-1]) for row in orjson.loads(text)]
