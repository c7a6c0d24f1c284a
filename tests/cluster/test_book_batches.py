"""PostgreSQL only: group commit (adapters/postgres/book_batches.py, migration 0014).

A worker's bookings that arrive together go to the ledger in one round trip and one
transaction; each must keep the outcome it would have had alone.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import asyncpg
import pytest

from tests import backends
from vaxbook.adapters.postgres.book_batches import BookBatches
from vaxbook.adapters.postgres.bookings import _array
from vaxbook.adapters.postgres.ledger import PostgresLedger
from vaxbook.domain.booking import BookingRequest, Clinic, NewSlot
from vaxbook.domain.errors import VaxbookError
from vaxbook.domain.notices import Notice, NoticeKind

AT = datetime(2021, 8, 13, 12, tzinfo=UTC)
DAY = date(2021, 8, 20)
SECOND_DAY = DAY + timedelta(days=42)


@pytest.fixture
async def ledger(cluster_database: str) -> AsyncIterator[PostgresLedger]:
    """A worker's ledger with batches of up to 8, one clinic, slots A (share 10) and B (share 100),
    and their second-dose slots 42 days later."""
    await backends.empty_ledger(cluster_database)
    made = PostgresLedger(cluster_database, pool_size=10, book_batch=8)
    await made.open()
    await made.add_clinic(Clinic("C1", "의원", "서울특별시", "종로구", "주소"), "hash")
    await made.add_slots([
        NewSlot("C1", DAY, time(h), time(h + 1), "pfizer", tuple(s if g == 3 else 0 for g in range(10)), 0)
        for h, s in ((9, 10), (10, 100))
    ] + [NewSlot("C1", SECOND_DAY, time(h), time(h + 1), "pfizer", (0,) * 10, 200) for h in (9, 10)])
    await made.clinic("C1")  # the worker's copy: bookings sent at once arrive in one turn
    yield made
    await made.close()


async def first_slots(ledger: PostgresLedger) -> tuple[int, int]:
    found = await ledger.slots("C1", (3,), DAY)
    return found[0].slot.id, found[1].slot.id


def request_for(person: str, slot_id: int, key: str = "k") -> BookingRequest:
    """A first dose with its second dose 42 days later, a booking letter, two reminders, a contact."""
    return BookingRequest(
        person_key=person, masked_name="홍*동", birth_date=date(1980, 1, 3), first_slot_id=slot_id,
        share_groups=(3,), needs_second_dose=True, second_slot_ids=(), second_dose_day=SECOND_DAY,
        idempotency_key=key, fingerprint=f"book:{slot_id}", at=AT,
        notices=(Notice(NoticeKind.BOOKED, AT), Notice(NoticeKind.REMINDER, AT + timedelta(days=6), 1),
                 Notice(NoticeKind.REMINDER, AT + timedelta(days=48), 2)),
        contact=f"sealed-{person}",
    )


async def outcome(booking: Awaitable[Any]) -> str:
    try:
        made = await booking
    except VaxbookError as refused:
        return refused.code.value
    return str(made.id)


def counting_batches(ledger: PostgresLedger, alone: list[str] | None = None) -> list[list[str]]:
    """The people of each batch the ledger sends (its real calls, recorded on the way), and in
    `alone` those of the bookings it sends on their own."""
    batches = ledger._batches
    assert batches is not None
    sent: list[list[str]] = []
    many, one = batches._many, batches._one

    async def recorded(items: list[Any]) -> Any:
        sent.append([request.person_key for request, _ in items])
        return await many(items)

    async def recorded_one(request: BookingRequest, first: Any) -> Any:
        if alone is not None:
            alone.append(request.person_key)
        return await one(request, first)

    batches._many, batches._one = recorded, recorded_one
    return sent


async def test_a_burst_goes_in_batches_and_each_booking_keeps_its_own_outcome(ledger: PostgresLedger) -> None:
    """40 bookings at once go in a few batches: 10 of 20 on a share of 10 are made, the other 10
    are slot_full, one person's 5 keys make one booking, a key sent twice gets its booking back."""
    a, b = await first_slots(ledger)
    sent = counting_batches(ledger)
    racing = [ledger.book(request_for(f"a{i}", a)) for i in range(20)]
    racing += [ledger.book(request_for("one", b, key=f"k{i}")) for i in range(5)]
    racing += [ledger.book(request_for(f"twice{i % 5}", b)) for i in range(10)]
    racing += [ledger.book(request_for(f"b{i}", b)) for i in range(5)]
    results = await asyncio.gather(*(outcome(r) for r in racing))

    assert 1 < len(sent) < 40 and max(map(len, sent)) <= 8, sent  # batched, none over the size
    on_a, one, twice, on_b = results[:20], results[20:25], results[25:35], results[35:]
    assert on_a.count("slot_full") == 10 and len({r for r in on_a if r != "slot_full"}) == 10
    assert one.count("already_booked") == 4
    assert twice[:5] == twice[5:] and len(set(twice)) == 5  # each person's retry: the same booking
    assert "slot_full" not in on_b and "already_booked" not in on_b
    free = {s.slot.id: s.free_first for s in await ledger.slots("C1", (3,), DAY)}
    assert free == {a: 0, b: 100 - 1 - 5 - 5}
    booked = next(i for i, r in enumerate(on_a) if r != "slot_full")
    mine = await ledger.booking_of(f"a{booked}")
    assert mine is not None and mine.id == on_a[booked]
    assert mine.second is not None and mine.second.day == SECOND_DAY and mine.second.start == time(9)


async def test_the_batchs_letters_reminders_and_contacts_are_each_bookings_own(
    ledger: PostgresLedger, cluster_database: str
) -> None:
    """Each booking of a batch writes its own three messages and its sealed contact, as alone."""
    _, b = await first_slots(ledger)
    sent = counting_batches(ledger)
    made = await asyncio.gather(*(ledger.book(request_for(f"p{i}", b)) for i in range(6)))
    assert max(map(len, sent)) > 1
    db = await asyncpg.connect(cluster_database)
    try:
        rows = await db.fetch("SELECT booking_id, kind, dose, due_at FROM outbox ORDER BY booking_id, due_at")
        contacts = dict(await db.fetch("SELECT person_key, sealed FROM contacts"))
    finally:
        await db.close()
    by_booking: dict[str, list[tuple[str, int | None, datetime]]] = {}
    for row in rows:
        by_booking.setdefault(row[0], []).append((row[1], row[2], row[3]))
    assert set(by_booking) == {m.id for m in made}
    assert all(v == [("booked", None, AT), ("reminder", 1, AT + timedelta(days=6)),
                     ("reminder", 2, AT + timedelta(days=48))] for v in by_booking.values())
    assert contacts == {f"p{i}": f"sealed-p{i}" for i in range(6)}


async def test_a_batch_that_fails_whole_books_each_alone(
    ledger: PostgresLedger, cluster_database: str
) -> None:
    """When the batch's statement fails (here a real deadlock error from PostgreSQL), each
    booking runs on its own and gets the outcome it would have had: 10 racing for 5 places."""
    await ledger.add_slots([NewSlot("C1", DAY, time(11), time(12), "pfizer",
                                    tuple(5 if g == 3 else 0 for g in range(10)), 0)])
    small = (await ledger.slots("C1", (3,), DAY))[2].slot.id
    failed: list[int] = []

    async def deadlocked(items: list[Any]) -> Any:
        failed.append(len(items))
        db = await asyncpg.connect(cluster_database)
        try:
            await db.execute(
                "DO $$ BEGIN RAISE EXCEPTION 'batch' USING ERRCODE = 'deadlock_detected'; END $$")
        finally:
            await db.close()

    batches = BookBatches(ledger._book_alone, deadlocked, 8)

    async def book(person: str) -> str:
        request = request_for(person, small)
        slot = await ledger.slot(small)
        assert slot is not None
        try:
            return (await batches.book(request, slot)).booking_id
        except VaxbookError as refused:
            return refused.code.value

    results = await asyncio.gather(*(book(f"p{i}") for i in range(10)))
    assert sorted(failed) == [2, 8]  # all ten arrived in one turn: a batch of 8, then one of 2
    assert results.count("slot_full") == 5 and len(set(results) - {"slot_full"}) == 5
    assert {s.slot.id: s.free_first for s in await ledger.slots("C1", (3,), DAY)}[small] == 0


async def test_a_booking_that_meets_its_persons_booking_in_flight_is_already_booked(
    ledger: PostgresLedger, cluster_database: str
) -> None:
    """A batch item that meets an uncommitted booking of the same person (another worker's)
    waits for it, then answers already_booked alone; the rest of its batch is booked."""
    _, b = await first_slots(ledger)
    other = await asyncpg.connect(cluster_database)
    try:
        transaction = other.transaction()
        await transaction.start()
        await other.fetchrow(
            "SELECT * FROM vaxbook_book('p', 'H*D', '1980-01-03', $1, ARRAY[3]::smallint[], false,"
            " '{}'::bigint[], NULL, 'C1', 'pfizer', 600, 'elsewhere', 'book:x', $2, 'VBOTHER', '',"
            " '{}'::text[], '{}'::smallint[], '{}'::timestamptz[])", b, AT)
        alone: list[str] = []
        sent = counting_batches(ledger, alone)
        racing = asyncio.gather(*(outcome(ledger.book(request_for(person, b)))
                                  for person in ("p", "q1", "q2", "q3")))
        await waiting_on_a_lock(other)  # the batch's insert waits on the other booking's row
        assert not racing.done()
        await transaction.commit()  # before the batch's lock_timeout (500 ms)
        results = await asyncio.wait_for(racing, 10)
    finally:
        await other.close()
    assert sent[0] == ["p", "q1", "q2", "q3"] and alone == ["p"]  # the others were booked by the batch
    assert results[0] == "already_booked" and all(r.startswith("VB") for r in results[1:])
    found = await ledger.booking_of("p")
    assert found is not None and found.id == "VBOTHER"


async def test_a_batch_held_up_by_a_lock_for_over_half_a_second_books_each_alone(
    ledger: PostgresLedger, cluster_database: str
) -> None:
    """A batch waiting on a row another transaction holds gives up after its lock_timeout and
    its bookings run on their own, waiting as long as a booking alone would: all are made."""
    _, b = await first_slots(ledger)
    alone: list[str] = []
    sent = counting_batches(ledger, alone)
    other = await asyncpg.connect(cluster_database)
    try:
        transaction = other.transaction()
        await transaction.start()
        await other.execute("UPDATE shares SET booked = booked WHERE slot_id = $1", b)
        racing = asyncio.gather(*(outcome(ledger.book(request_for(f"p{i}", b))) for i in range(4)))
        await asyncio.sleep(1.0)  # past the lock_timeout: the batch has failed, each waits alone
        assert not racing.done()
        await transaction.commit()
        results = await asyncio.wait_for(racing, 10)
    finally:
        await other.close()
    assert sent == [["p0", "p1", "p2", "p3"]] and sorted(alone) == ["p0", "p1", "p2", "p3"]
    assert all(r.startswith("VB") for r in results) and len(set(results)) == 4


async def test_a_reused_key_in_a_batch_is_refused_as_alone(ledger: PostgresLedger) -> None:
    """An Idempotency-Key sent again for another slot is refused in a batch with the same code
    and field as alone, and the rest of the batch is booked."""
    a, b = await first_slots(ledger)
    await ledger.book(request_for("r", b))
    sent = counting_batches(ledger)
    racing = [ledger.book(request_for("r", a))] + [ledger.book(request_for(f"p{i}", b)) for i in range(3)]
    results = await asyncio.gather(*racing, return_exceptions=True)
    assert sent and "r" in sent[0]
    refused = results[0]
    assert isinstance(refused, VaxbookError) and refused.code.value == "idempotency_key_reused"
    assert refused.field == "idempotency_key"
    assert all(not isinstance(r, BaseException) for r in results[1:])


async def test_an_error_of_the_batch_call_reaches_each_caller(ledger: PostgresLedger) -> None:
    """An error of the batch's call that is not the database's (here the ledger's own refusal to
    work once closed) reaches every caller of the batch as itself, not as a cancellation."""
    _, b = await first_slots(ledger)
    slot = await ledger.slot(b)
    assert slot is not None

    async def refused(items: list[Any]) -> Any:
        raise RuntimeError("ledger is not open")

    batches = BookBatches(ledger._book_alone, refused, 8)
    results = await asyncio.gather(*(batches.book(request_for(f"p{i}", b), slot) for i in range(3)),
                                   return_exceptions=True)
    assert [type(r) for r in results] == [RuntimeError] * 3


async def test_a_batch_call_cancelled_before_it_starts_does_not_stall_later_bookings(
    ledger: PostgresLedger,
) -> None:
    """A batch call cancelled before its first step (as at a loop's shutdown) leaves the batcher
    able to book: a later booking is made."""
    _, b = await first_slots(ledger)
    slot = await ledger.slot(b)
    assert slot is not None
    batches = BookBatches(ledger._book_alone, ledger._book_many, 8)
    first = asyncio.ensure_future(batches.book(request_for("p0", b), slot))
    await asyncio.sleep(0)  # the booking is waiting and its call is made, not yet started
    for task in list(batches._tasks):
        task.cancel()
    first.cancel()
    made = await asyncio.wait_for(batches.book(request_for("p1", b), slot), 10)
    assert made.booking_id.startswith("VB")


async def waiting_on_a_lock(db: asyncpg.Connection) -> None:
    """Until another backend of this database waits on a lock (polled every 10 ms, at most 5 s)."""
    for _ in range(500):
        if await db.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        ):
            return
        await asyncio.sleep(0.01)
    raise AssertionError("no backend waited on a lock")


async def test_array_literals_carry_any_text(cluster_database: str) -> None:
    """The batch's array literals read back as the values given, quotes and backslashes too."""
    values = ['a"b', "c\\d", "{e,f}", "", " g ", None, "홍"]
    db = await asyncpg.connect(cluster_database)
    try:
        assert await db.fetchval("SELECT $1::text::text[]", _array(values)) == values
    finally:
        await db.close()
