"""The Ledger contract under concurrency, run against every ledger: SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import random
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from tests import backends
from tests.conftest import CLUSTER
from vaxbook.adapters.postgres.ledger import PostgresLedger
from vaxbook.adapters.sqlite.ledger import SqliteLedger
from vaxbook.domain.booking import BookingRequest, Clinic, NewSlot
from vaxbook.domain.errors import VaxbookError
from vaxbook.domain.inventory_rows import Numbered, SlotRecord
from vaxbook.ports import Ledger

AT = datetime(2021, 8, 13, 12, tzinfo=UTC)
DAY = date(2021, 8, 20)


@pytest.fixture(params=["sqlite", "postgres"] if CLUSTER else ["sqlite"])
async def workers(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[Callable[[], Awaitable[Ledger]]]:
    """Opens a ledger on the same store on each call, as a worker of its own would."""
    opened: list[Ledger] = []
    url = ""
    if request.param == "postgres":
        url = request.getfixturevalue("cluster_database")
        await backends.empty_ledger(url)

    async def open_one() -> Ledger:
        made: Ledger = SqliteLedger(tmp_path / "ledger.db") if not url else PostgresLedger(url, pool_size=20)
        await made.open()
        opened.append(made)
        return made

    yield open_one
    for made in opened:
        await made.close()


@pytest.fixture
async def ledger(workers: Callable[[], Awaitable[Ledger]]) -> Ledger:
    return await workers()


async def two_slots(ledger: Ledger, share: int = 5) -> tuple[int, int]:
    """Two first-dose slots whose group-3 share is `share`; no second dose needed."""
    await ledger.add_clinic(Clinic("C1", "의원", "서울특별시", "종로구", "주소"), "hash")
    shares = tuple(share if g == 3 else 0 for g in range(10))
    await ledger.add_slots([NewSlot("C1", DAY, time(h), time(h + 1), "pfizer", shares, 0) for h in (9, 10)])
    slots = await ledger.slots("C1", (3,), DAY)
    return slots[0].slot.id, slots[1].slot.id


def request_for(person: str, slot_id: int, key: str = "k") -> BookingRequest:
    return BookingRequest(
        person_key=person, masked_name="홍*동", birth_date=date(1980, 1, 3), first_slot_id=slot_id,
        share_groups=(3,), needs_second_dose=False, second_slot_ids=(), idempotency_key=key,
        fingerprint=f"book:{slot_id}:{key}", at=AT,
    )


async def outcome(call: Any) -> str:
    try:
        await call
    except VaxbookError as refused:
        return refused.code
    return "ok"


async def test_concurrent_bookings_fill_a_share_exactly(ledger: Ledger) -> None:
    """Sixty people booking a share of 5 at once: 5 bookings, 55 slot_full, nothing overbooked."""
    first, _ = await two_slots(ledger)
    results = await asyncio.gather(*(outcome(ledger.book(request_for(f"p{i}", first))) for i in range(60)))
    assert sorted(results).count("ok") == 5 and results.count("slot_full") == 55
    free = {s.slot.id: s.free_first for s in await ledger.slots("C1", (3,), DAY)}
    assert free[first] == 0


async def test_one_person_racing_with_many_keys_books_once(ledger: Ledger) -> None:
    """Twenty simultaneous bookings of one person: one booking, the others already_booked."""
    first, _ = await two_slots(ledger, share=50)
    results = await asyncio.gather(
        *(outcome(ledger.book(request_for("p1", first, key=f"k{i}"))) for i in range(20))
    )
    assert results.count("ok") == 1 and results.count("already_booked") == 19


async def test_the_same_key_racing_replays_one_booking(ledger: Ledger) -> None:
    """Ten simultaneous retries with one Idempotency-Key all return the one booking made."""
    first, _ = await two_slots(ledger, share=50)
    made = await asyncio.gather(*(ledger.book(request_for("p1", first)) for _ in range(10)))
    assert len({b.id for b in made}) == 1


async def test_crossing_changes_lose_no_place(ledger: Ledger) -> None:
    """People changing between two slots in opposite directions at once leave the counts exact."""
    a, b = await two_slots(ledger, share=20)
    for i in range(10):
        await ledger.book(request_for(f"p{i}", a if i % 2 else b, key="first"))
    moves = []
    for round_ in range(4):
        for i in range(10):
            target = (a if i % 2 else b) if round_ % 2 else (b if i % 2 else a)
            moves.append(ledger.change(request_for(f"p{i}", target, key=f"move{round_}")))
    random.Random(5).shuffle(moves)
    results = await asyncio.gather(*(outcome(m) for m in moves))
    assert results == ["ok"] * len(moves)  # a share of 20 holds all 10 people on either slot
    holders = [await ledger.booking_of(f"p{i}") for i in range(10)]
    on = {slot: sum(1 for h in holders if h and h.first.id == slot) for slot in (a, b)}
    free = {s.slot.id: s.free_first for s in await ledger.slots("C1", (3,), DAY)}
    assert free == {a: 20 - on[a], b: 20 - on[b]}


async def test_constraints_refuse_overbooking_that_code_forgot(
    ledger: Ledger, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """An UPDATE without the capacity condition is refused by the database itself (CHECK)."""
    first, _ = await two_slots(ledger, share=1)
    statement = f"UPDATE shares SET booked = booked + 2 WHERE slot_id = {first} AND grp = 3"
    if isinstance(ledger, SqliteLedger):
        # A connection of its own to the ledger's file, as any other program could open.
        connection = sqlite3.connect(tmp_path / "ledger.db")
        try:
            with pytest.raises(sqlite3.IntegrityError):
                connection.execute(statement)
        finally:
            connection.close()
    else:
        connection = await asyncpg.connect(request.getfixturevalue("cluster_database"))
        try:
            with pytest.raises(asyncpg.exceptions.CheckViolationError):
                await connection.execute(statement)
        finally:
            await connection.close()


async def test_a_place_once_held_is_the_one_returned(ledger: Ledger) -> None:
    """The first number recorded for a person in a line is theirs; a later, different one yields to it."""
    assert await ledger.place_of("L", "p1") is None
    assert await ledger.hold_place("L", "p1", 7) == 7
    assert await ledger.hold_place("L", "p1", 42) == 7
    assert await ledger.place_of("L", "p1") == 7
    assert await ledger.hold_place("other-line", "p1", 3) == 3


async def test_one_verification_per_hold_and_one_device_on_the_durable_record(ledger: Ledger) -> None:
    """Within the hold a second device is refused until the hold ends and the same device is told
    to wait; after it, anyone may verify again."""
    assert (await ledger.claim_verification("p", "phone", 1000.0, 600, reference="r1")).ok
    other = await ledger.claim_verification("p", "laptop", 1100.0, 600, reference="r1")
    assert not other.ok and other.device_bound_until == 1600.0
    again = await ledger.claim_verification("p", "phone", 1100.0, 600, reference="r2")
    assert not again.ok and again.retry_after == 500.0
    assert (await ledger.claim_verification("p", "laptop", 1600.0, 600, reference="r3")).ok


async def test_two_devices_verifying_one_person_at_once_cannot_both_win(ledger: Ledger) -> None:
    """Ten devices claim the same person at the same moment: exactly one is bound."""
    outcomes = await asyncio.gather(
        *(ledger.claim_verification("p", f"device-{i}", 1000.0, 600, reference=f"r{i}") for i in range(10))
    )
    assert sum(o.ok for o in outcomes) == 1


async def test_the_same_verification_retried_is_ok_on_the_durable_record(ledger: Ledger) -> None:
    """The same device and reference again within the hold is ok and keeps the first hold; another
    reference or another device is refused as before, and after the hold a new one is recorded."""
    assert (await ledger.claim_verification("p", "phone", 1000.0, 600, reference="r1")).ok
    assert (await ledger.claim_verification("p", "phone", 1030.0, 600, reference="r1")).ok
    other = await ledger.claim_verification("p", "phone", 1060.0, 600, reference="r2")
    assert not other.ok and other.retry_after == 540.0
    elsewhere = await ledger.claim_verification("p", "laptop", 1060.0, 600, reference="r1")
    assert not elsewhere.ok and elsewhere.device_bound_until == 1600.0
    assert (await ledger.claim_verification("p", "phone", 1600.0, 600, reference="r2")).ok
    stale = await ledger.claim_verification("p", "phone", 1601.0, 600, reference="r1")
    assert not stale.ok and stale.retry_after == 599.0  # the new record's reference is r2


async def test_concurrent_retries_of_one_verification_all_succeed_durably(ledger: Ledger) -> None:
    """Twenty claims of one verification at once all succeed, with one record: the first's time."""
    outcomes = await asyncio.gather(
        *(ledger.claim_verification("p", "phone", 1000.0 + i / 100, 600, reference="r1") for i in range(20))
    )
    assert all(o.ok for o in outcomes)
    later = await ledger.claim_verification("p", "phone", 1100.0, 600, reference="r2")
    assert not later.ok and later.retry_after == pytest.approx(500, abs=0.2)  # whichever came first


async def test_a_place_moved_to_the_back_is_the_one_held_after(ledger: Ledger) -> None:
    """A used-up place moved to the back is the person's place from then on; places never move forward."""
    assert await ledger.hold_place("L", "p1", 3) == 3
    await ledger.move_place("L", "p1", 40)
    await ledger.move_place("L", "p1", 12)  # a stale worker's move
    assert await ledger.hold_place("L", "p1", 99) == 40
    assert await ledger.place_of("L", "p1") == 40


async def test_clinic_free_sums_to_the_region_and_clinic_lists(ledger: Ledger) -> None:
    """One read of free places per clinic gives what the province, district and clinic lists and
    the first-dose total each count, for the same share groups and days (FreeCounts relies on it)."""
    first, _ = await two_slots(ledger)
    await ledger.add_clinic(Clinic("C2", "의원", "서울특별시", "중구", "주소"), "hash")
    await ledger.add_clinic(Clinic("C3", "의원", "부산광역시", "해운대구", "주소"), "hash")
    shares = tuple(4 if g in (3, 4) else 1 for g in range(10))
    await ledger.add_slots([NewSlot(c, DAY, time(9), time(10), "pfizer", shares, 0) for c in ("C2", "C3")])
    await ledger.add_slots([NewSlot("C3", date(2021, 8, 1), time(9), time(10), "pfizer", shares, 0)])  # past
    await ledger.book(request_for("p1", first))
    for groups in ((3,), (3, 4), (9,)):
        rows = await ledger.clinic_free(groups, DAY)
        assert sum(r.free for r in rows) == await ledger.free_first_doses(groups, DAY)
        for province in await ledger.provinces(groups, DAY):
            districts = await ledger.districts(province.name, groups, DAY)
            in_province = [r for r in rows if r.clinic.sido == province.name]
            assert province.free == sum(d.free for d in districts) == sum(r.free for r in in_province)
            for district in districts:
                listed = await ledger.clinics(province.name, district.name, groups, DAY)
                assert sorted(listed, key=lambda r: r.clinic.id) == sorted(
                    (r for r in in_province if r.clinic.sigungu == district.name), key=lambda r: r.clinic.id
                )
                assert district.free == sum(c.free for c in listed)
    assert {(r.clinic.id, r.free) for r in await ledger.clinic_free((3,), DAY)} == {
        ("C1", 9), ("C2", 4), ("C3", 4)
    }


async def test_standing_is_the_booking_and_the_place_in_one_read(ledger: Ledger) -> None:
    """standing() answers what booking_of and place_of answer, for people with and without either."""
    first, _ = await two_slots(ledger)
    await ledger.hold_place("L", "p1", 7)
    await ledger.book(request_for("p2", first))
    for person in ("p1", "p2", "p3"):
        assert await ledger.standing("L", person) == (
            await ledger.booking_of(person) is not None, await ledger.place_of("L", person)
        )
    assert await ledger.standing("L", "p1") == (False, 7)
    assert await ledger.standing("L", "p2") == (True, None)
    assert await ledger.standing("other", "p1") == (False, None)


async def test_a_slot_list_shows_the_slots_another_worker_imported(
    workers: Callable[[], Awaitable[Ledger]],
) -> None:
    """A worker that listed a clinic's slots lists them as they are after another worker's import:
    a changed end and a new slot, in order, and books from the changed row (PostgreSQL workers
    answer from the slot rows they hold)."""
    importer = await workers()
    first, second = await two_slots(importer)
    browser = await workers()
    assert [s.slot.end for s in await browser.slots("C1", (3,), DAY)] == [time(10), time(11)]
    summary = await importer.import_slots([
        Numbered(1, SlotRecord("C1", DAY, time(9), time(9, 30), "pfizer", 5, 0)),
        Numbered(2, SlotRecord("C1", DAY, time(8), time(8, 50), "pfizer", 10, 0)),
    ], dry_run=False)
    assert not summary.refused
    listed = await browser.slots("C1", (3,), DAY)
    assert [(s.slot.start, s.slot.end) for s in listed] == [
        (time(8), time(8, 50)), (time(9), time(9, 30)), (time(10), time(11))
    ]
    assert [s.slot.id for s in listed[1:]] == [first, second]
    assert (await browser.book(request_for("p1", first))).first.end == time(9, 30)
