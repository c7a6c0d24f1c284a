"""FreeCounts: the region lists and the sold-out total from one ledger read, kept for its interval."""

from __future__ import annotations

import asyncio
from datetime import date

from tests.journey import add_clinic_with_slot
from vaxbook.bootstrap import Container
from vaxbook.domain.booking import RegionFree
from vaxbook.domain.inventory import share_order
from vaxbook.services.free_counts import FreeCounts
from vaxbook.services.shared_reads import SharedReads

GROUPS = tuple(share_order(3))
SINCE = date(2021, 8, 13)


async def test_the_sums_are_what_the_ledger_counts_one_by_one(services: Container) -> None:
    """Provinces, each province's districts, each district's clinics (in name order) and the
    total: the ledger's own per-list answers."""
    await add_clinic_with_slot(services.clinics, "C1", name="하늘의원", first_capacity=30)
    await add_clinic_with_slot(services.clinics, "C4", name="가나의원", first_capacity=5)
    await add_clinic_with_slot(services.clinics, "C2", sigungu="중구", first_capacity=20)
    await add_clinic_with_slot(services.clinics, "C3", sido="부산광역시", sigungu="해운대구")
    counts = FreeCounts(services.ledger, 0.0)
    assert await counts.provinces(GROUPS, SINCE) == await services.ledger.provinces(GROUPS, SINCE)
    for sido in ("서울특별시", "부산광역시", "제주특별자치도"):
        expected = await services.ledger.districts(sido, GROUPS, SINCE)
        assert await counts.districts(sido, GROUPS, SINCE) == expected
        for district in expected or [RegionFree("없는구", 0)]:
            listed = await services.ledger.clinics(sido, district.name, GROUPS, SINCE)
            assert await counts.clinics(sido, district.name, GROUPS, SINCE) == listed
    assert [c.clinic.id for c in await counts.clinics("서울특별시", "종로구", GROUPS, SINCE)] == ["C4", "C1"]
    assert await counts.total(GROUPS, SINCE) == await services.ledger.free_first_doses(GROUPS, SINCE) > 0


async def test_one_read_is_kept_for_its_interval(services: Container) -> None:
    """Within cache_seconds every list comes from the same read (the same objects, stale by up to
    that long); with 0 each call reads the ledger again."""
    await add_clinic_with_slot(services.clinics, "C1")
    kept, exact = FreeCounts(services.ledger, 60.0), FreeCounts(services.ledger, 0.0)
    first = await kept.counts(GROUPS, SINCE)
    await add_clinic_with_slot(services.clinics, "C2", sido="부산광역시", sigungu="해운대구")
    assert await kept.counts(GROUPS, SINCE) is first
    assert [p.name for p in await kept.provinces(GROUPS, SINCE)] == ["서울특별시"]
    assert [p.name for p in await exact.provinces(GROUPS, SINCE)] == ["부산광역시", "서울특별시"]
    assert await kept.counts(GROUPS, date(2021, 8, 14)) is not first  # another day is another read


async def test_workers_sharing_the_gate_share_one_read(services: Container) -> None:
    """A second worker takes the first one's read from the gate (a clinic added since is not in it),
    and the read that went through the gate lists exactly what the ledger's own read lists."""
    await add_clinic_with_slot(services.clinics, "C1", name="하늘의원", first_capacity=30)
    await add_clinic_with_slot(services.clinics, "C3", sido="부산광역시", sigungu="해운대구")

    def worker() -> FreeCounts:
        return FreeCounts(services.ledger, 0.5, SharedReads(services.gate, 0.5))

    first = await worker().counts(GROUPS, SINCE)
    assert first == await FreeCounts(services.ledger, 0.0).counts(GROUPS, SINCE)
    await add_clinic_with_slot(services.clinics, "C2", sido="제주특별자치도", sigungu="제주시")
    assert await worker().counts(GROUPS, SINCE) == first  # not read again: C2 is not in it
    await asyncio.sleep(0.5)
    provinces = await worker().provinces(GROUPS, SINCE)
    assert [p.name for p in provinces] == ["부산광역시", "서울특별시", "제주특별자치도"]
