"""Group commit on slots everyone wants: bookings/s with and without batches, few slots, real PostgreSQL.

The rush's own runs spread bookings over 11,200 slots; at a popular clinic many bookings take
places from the same share row, and a batch holds that row until its last booking commits.
This books `--people` distinct people onto `--slots` slots (each large enough for all), from
two ledgers (two workers' pools and batchers) in one process, `--concurrency` requests at once,
once with each batch size given, alternating, on a database of its own, and prints bookings/s
and the batches that failed whole (lock timeouts, deadlocks: each then runs alone).

    .venv/bin/python benchmarks/hot_slots.py postgresql://postgres@127.0.0.1:5432/vaxbook_hot_slots
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time

import asyncpg

from vaxbook.adapters.postgres.ledger import PostgresLedger
from vaxbook.domain.booking import BookingRequest, Clinic, NewSlot
from vaxbook.domain.errors import VaxbookError
from vaxbook_bench.prepare import recreate_database

DAY = date(2031, 8, 20)
AT = datetime(2031, 8, 13, 12, tzinfo=UTC)


class Failures(logging.Handler):
    """Counts the batcher's "failed as a whole" warnings."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += "failed as a whole" in record.getMessage()


async def fresh_database(url: str, slots: int, people: int) -> None:
    """The database dropped, made again and migrated (as each rush does), with one clinic's slots."""
    await recreate_database(url)
    loader = PostgresLedger(url, pool_size=2, book_batch=1)
    await loader.open()
    try:
        await loader.add_clinic(Clinic("C1", "의원", "서울특별시", "종로구", "주소"), "hash")
        shares = tuple(people if g == 3 else 0 for g in range(10))
        hours = range(8, 8 + slots)
        await loader.add_slots([NewSlot("C1", DAY, clock_time(h), clock_time(h, 30), "pfizer", shares, 0)
                                for h in hours]
                               + [NewSlot("C1", DAY + timedelta(days=42), clock_time(h), clock_time(h, 30),
                                          "pfizer", (0,) * 10, people) for h in hours])
    finally:
        await loader.close()
    db = await asyncpg.connect(url)
    try:
        await db.execute("VACUUM ANALYZE")
    finally:
        await db.close()


async def rush(url: str, batch: int, slots: int, people: int, concurrency: int) -> tuple[float, int]:
    workers = [PostgresLedger(url, pool_size=10, book_batch=batch) for _ in range(2)]
    for worker in workers:
        await worker.open()
    ids = [s.slot.id for s in await workers[0].slots("C1", (3,), DAY)]
    for worker in workers:
        for slot_id in ids:
            await worker.slot(slot_id)
        await worker.clinic("C1")
    queue = list(range(people))
    refused = 0

    async def client() -> None:
        nonlocal refused
        while queue:
            n = queue.pop()
            request = BookingRequest(
                person_key=f"hot-{batch}-{n}", masked_name="홍*동", birth_date=date(1980, 1, 3),
                first_slot_id=ids[n % len(ids)], share_groups=(3,), needs_second_dose=True,
                second_slot_ids=(), idempotency_key="k", fingerprint="book", at=AT,
                second_dose_day=DAY + timedelta(days=42),
            )
            try:
                await workers[n % 2].book(request)
            except VaxbookError:
                refused += 1

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    seconds = time.perf_counter() - started
    for worker in workers:
        await worker.close()
    if refused:
        raise SystemExit(f"{refused} bookings refused: the slots were sized for everyone")
    return people / seconds, people


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database_url")
    parser.add_argument("--slots", type=int, default=4)
    parser.add_argument("--people", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--batches", default="8,1")
    parser.add_argument("--rounds", type=int, default=2)
    options = parser.parse_args()
    failures = Failures()
    logging.getLogger("vaxbook.adapters.postgres.book_batches").addHandler(failures)
    print(f"{options.people} people on {options.slots} slots, {options.concurrency} at once, two workers")
    for round_ in range(options.rounds):
        for batch in (int(b) for b in options.batches.split(",")):
            await fresh_database(options.database_url, options.slots, options.people)
            failures.count = 0
            rate, _ = await rush(options.database_url, batch, options.slots, options.people,
                                 options.concurrency)
            print(f"round {round_ + 1}, batch {batch}: {rate:,.0f} bookings/s,"
                  f" {failures.count} batches failed whole")


if __name__ == "__main__":
    asyncio.run(main())
