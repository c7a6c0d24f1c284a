"""The cluster ledger: one pool of PostgreSQL connections per worker (connections.py), every worker
on the same database."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Sequence
from contextlib import asynccontextmanager
from datetime import date, datetime
from typing import Any, TypeVar

import asyncpg

from vaxbook.adapters.outages import reports_outages
from vaxbook.adapters.postgres import bookings, gate_records, inventory
from vaxbook.adapters.postgres.book_batches import SIZE as BATCH_SIZE
from vaxbook.adapters.postgres.book_batches import BookBatches
from vaxbook.adapters.postgres.bookings import SLOT_COLUMNS, slot_columns, slot_from
from vaxbook.adapters.postgres.connections import Connections
from vaxbook.adapters.postgres.figures import PostgresFigures
from vaxbook.adapters.postgres.migrate import current_version, latest_version, upgrade
from vaxbook.adapters.postgres.operators import PostgresOperators
from vaxbook.adapters.postgres.person_reads import active_booking, bookings_with_ids
from vaxbook.adapters.postgres.retry import (
    CONNECT_FAILURES,
    DRIVER_FAILURES,
    LOST_FAILURES,
    ConnectionLost,
    NotConnected,
    describe,
    with_retries,
)
from vaxbook.adapters.postgres.row_cache import RowCache
from vaxbook.domain.booking import (
    Booking,
    BookingRequest,
    Clinic,
    ClinicFree,
    ClinicListRow,
    NewSlot,
    RegionFree,
    Slot,
    SlotFree,
    SlotLoad,
)
from vaxbook.domain.errors import Problem, VaxbookError
from vaxbook.domain.inventory import SecondDoseCandidate
from vaxbook.domain.inventory_rows import ClinicRecord, ImportSummary, Numbered, SlotRecord
from vaxbook.domain.notices import Notice
from vaxbook.domain.standby import Holds
from vaxbook.ports import WRONG_PEPPER, BackendBusy, VerificationOutcome, WrongPepper

T = TypeVar("T")
R = TypeVar("R")
_FREE = "SUM(sh.capacity - sh.booked)::integer"
_SHARES = "shares sh JOIN slots s ON s.id = sh.slot_id"
CONNECT_TIMEOUT_SECONDS = 5.0
POOL_WAIT_SECONDS = 10.0  # the default of Settings.pool_wait_seconds
# A full pool counts as busy, not down, while some piece of work finished within this long.
BUSY_IS_ALIVE_SECONDS = 5.0


class SchemaOutdated(RuntimeError):
    """The database lacks migrations this version needs: run `vaxbook db upgrade`."""


# The server cannot be reached (refused, reset, timed out, shutting down): nothing committed.
UNREACHABLE: tuple[type[BaseException], ...] = (
    OSError,  # includes ConnectionRefusedError and TimeoutError
    asyncpg.exceptions.PostgresConnectionError,
    asyncpg.exceptions.ConnectionDoesNotExistError,
    asyncpg.exceptions.OperatorInterventionError,  # admin shutdown, cannot connect now
)
reports_outages(*UNREACHABLE)(PostgresOperators)  # the mixin's public coroutines, as below


reports_outages(*UNREACHABLE)(PostgresFigures)  # its coroutines too: they are the ledger's


@reports_outages(*UNREACHABLE)
class PostgresLedger(PostgresFigures, PostgresOperators):
    def __init__(
        self, dsn: str, *, pool_size: int, migrate_on_start: bool = False,
        pool_wait_seconds: float = POOL_WAIT_SECONDS, holds: Holds | None = None,
        book_batch: int = BATCH_SIZE,
    ) -> None:
        """`book_batch`: bookings sent together, in one round trip and transaction (book_batches.py)."""
        self._dsn = dsn
        self._batches = BookBatches(self._book_alone, self._book_many, book_batch) if book_batch > 1 else None
        self.holds = holds or Holds()  # how long a freed place is held for a standby offer
        self._pool_size = pool_size
        self._pool_wait_seconds = pool_wait_seconds
        self._answered_at = float("-inf")  # monotonic time the database last finished some work
        self._migrate_on_start = migrate_on_start
        self._pool: Connections | None = None
        self._rows = RowCache()  # clinic and slot rows: a booking reads none of them

    # lifecycle -------------------------------------------------------------------------
    async def open(self) -> None:
        self._pool = Connections(self._connect, self._pool_size)
        try:
            if self._migrate_on_start:
                await self._pool.run(upgrade, self._pool_wait_seconds)
            version = await self._pool.run(current_version, self._pool_wait_seconds)
            needed = latest_version()
            if version < needed:
                raise SchemaOutdated(
                    f"database schema is at version {version}, this vaxbook needs {needed}:"
                    " run `vaxbook db upgrade` (or start with VAXBOOK_MIGRATE_ON_START=true)"
                )
            await self._pool.run(self._rows.warm, self._pool_wait_seconds)
            await self._pool.fill(2)  # the floor asyncpg's pool kept: the first requests connect no more
        except BaseException:
            await self.close()
            raise

    async def _connect(self) -> Any:
        return await asyncpg.connect(self._dsn, timeout=CONNECT_TIMEOUT_SECONDS)

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None

    @property
    def max_connections(self) -> int:
        """The most connections this worker's pool opens (the pool_size setting)."""
        if self._pool is None:
            raise RuntimeError("ledger is not open")
        return self._pool.max_size

    async def ping(self) -> None:
        """Raise BackendBusy if every connection is in use and the database answered lately:
        a loaded node is not a dead one. Otherwise ask the database."""
        pool = self._pool
        if (
            pool is not None and pool.idle_size == 0 and pool.size >= pool.max_size
            and time.monotonic() - self._answered_at < BUSY_IS_ALIVE_SECONDS
        ):
            raise BackendBusy("every connection is in use")
        async with self._connection() as db:
            await db.fetchval("SELECT 1")

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[Any]:
        """A pooled connection; its failures leave as the port's BackendUnavailable kinds.

        Under a burst every request waits (bounded by `pool_wait_seconds`) for a connection
        in the pool's queue instead of failing; a wait that runs out is BackendBusy.
        """
        pool = self._pool
        if pool is None:
            raise RuntimeError("ledger is not open")
        try:
            db = await pool.take(self._pool_wait_seconds)
        except TimeoutError as failure:
            if pool.size >= pool.max_size and pool.idle_size == 0:
                raise BackendBusy(f"no free connection within {self._pool_wait_seconds} s") from failure
            raise NotConnected(describe(failure)) from failure
        except CONNECT_FAILURES as failure:
            raise NotConnected(describe(failure)) from failure
        interrupted = True  # until the work ends normally or with an error the server reported
        try:
            yield db
            interrupted = False
            self._answered_at = time.monotonic()
        except LOST_FAILURES as failure:  # some are PostgresErrors too: asked first
            raise ConnectionLost(describe(failure)) from failure
        except DRIVER_FAILURES as failure:
            # "the underlying connection is closed", also from Transaction.__aexit__: the
            # server or the network ended it. Any other driver error is a bug, kept as is.
            if db.is_closed():
                raise ConnectionLost(describe(failure)) from failure
            raise
        except Exception:
            # The server reported an error, or the work refused (a full slot, a replayed key):
            # the conversation is where it should be, and the connection serves the next caller.
            interrupted = False
            raise
        finally:
            # No await here: giving back cannot be cut off, and a broken connection is closed
            # (the next take opens a new one) without turning finished work into an error.
            pool.give_back(db, interrupted=interrupted)

    async def _fetch(self, query: str, *args: Any) -> list[Any]:
        async def attempt() -> list[Any]:
            async with self._connection() as db:
                return list(await db.fetch(query, *args))

        return await with_retries(attempt)

    async def _transaction(self, work: Callable[[Any], Awaitable[T]], *, replay_safe: bool = True) -> T:
        async def attempt() -> T:
            async with self._connection() as db, db.transaction():
                return await work(db)

        return await with_retries(attempt, replay_safe=replay_safe)

    async def _statements(self, work: Callable[[Any], Awaitable[T]]) -> T:
        """Run `work` on one connection with no BEGIN and COMMIT around it, with the same retries.

        For work that is one statement (its own transaction), or statements that each stand on
        their own: at READ COMMITTED a transaction gives them nothing (each statement sees its
        own snapshot either way), and BEGIN and COMMIT were two of the three round trips of a
        read on the journey's hot path (docs/benchmarks.md).
        """
        async def attempt() -> T:
            async with self._connection() as db:
                return await work(db)

        return await with_retries(attempt)

    async def transaction(self, work: Callable[[Any], Awaitable[T]], *, replay_safe: bool = True) -> T:
        """Run `work(connection)` as one transaction with the ledger's retries, its bounded wait
        for a connection and its BackendUnavailable kinds (for tools and backend tests)."""
        return await self._transaction(work, replay_safe=replay_safe)

    async def bind_pepper(self, fingerprint: str) -> None:
        async def bind(db: Any) -> str:
            await db.execute("INSERT INTO ledger_meta (name, value) VALUES ('pepper', $1)"
                             " ON CONFLICT (name) DO NOTHING", fingerprint)
            return str(await db.fetchval("SELECT value FROM ledger_meta WHERE name = 'pepper'"))

        if await self._transaction(bind) != fingerprint:
            raise WrongPepper(WRONG_PEPPER)

    # inventory -------------------------------------------------------------------------
    async def add_clinic(self, clinic: Clinic, key_hash: str) -> None:
        async with self._connection() as db:
            await db.execute(
                "INSERT INTO clinics (id, name, sido, sigungu, address, key_hash)"
                " VALUES ($1, $2, $3, $4, $5, $6)",
                clinic.id, clinic.name, clinic.sido, clinic.sigungu, clinic.address, key_hash,
            )

    async def add_slots(self, slots: list[NewSlot]) -> list[int]:
        async def insert(db: Any) -> list[int]:
            # Ids are drawn first, so each slot's shares know their slot without relying on
            # the order RETURNING gives back.
            ids = [row[0] for row in await db.fetch(
                "SELECT nextval(pg_get_serial_sequence('slots', 'id')) FROM generate_series(1, $1)",
                len(slots),
            )]
            await db.execute(
                'INSERT INTO slots (id, clinic_id, day, start, "end", vaccine_id, first_capacity,'
                " second_capacity) OVERRIDING SYSTEM VALUE SELECT * FROM unnest($1::bigint[],"
                " $2::text[], $3::date[], $4::time[], $5::time[], $6::text[], $7::int[], $8::int[])",
                ids, [n.clinic_id for n in slots], [n.day for n in slots], [n.start for n in slots],
                [n.end for n in slots], [n.vaccine_id for n in slots],
                [sum(n.shares) for n in slots], [n.second_capacity for n in slots],
            )
            rows = [(slot_id, group, size) for slot_id, new in zip(ids, slots, strict=True)
                    for group, size in enumerate(new.shares)]
            await db.execute(
                "INSERT INTO shares (slot_id, grp, capacity)"
                " SELECT * FROM unnest($1::bigint[], $2::smallint[], $3::int[])",
                [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows],
            )
            return [int(i) for i in ids]

        ids = await self._transaction(insert)
        self._rows.keep(Slot(i, n.clinic_id, n.day, n.start, n.end, n.vaccine_id, sum(n.shares),
                             n.second_capacity) for i, n in zip(ids, slots, strict=True))
        return ids

    # bulk loading (adapters/postgres/inventory.py) ------------------------------------------
    async def import_clinics(self, rows: Sequence[Numbered[ClinicRecord]], *, dry_run: bool) -> ImportSummary:
        return await self._import(inventory.import_clinics, rows, dry_run)

    async def import_slots(self, rows: Sequence[Numbered[SlotRecord]], *, dry_run: bool) -> ImportSummary:
        return await self._import(inventory.import_slots, rows, dry_run)

    async def _import(self, load: Callable[[Any, Sequence[R], bool], Awaitable[ImportSummary]],
                      rows: Sequence[R], dry_run: bool) -> ImportSummary:
        """One transaction: committed only if nothing was refused and this is not a dry run."""
        async with self._connection() as db:
            transaction = db.transaction()
            await transaction.start()
            try:
                summary = await load(db, rows, dry_run)
            except BaseException:
                await transaction.rollback()
                raise
            await (transaction.rollback() if dry_run or summary.refused else transaction.commit())
        # Rows this worker cached may have changed (other workers see the change on a restart).
        self._rows.clear()
        return summary

    async def clinic_inventory(self, clinic_id: str, since: date) -> list[SlotLoad]:
        rows = await self._fetch(
            f"SELECT {slot_columns('s')},"
            " COALESCE(SUM(sh.booked), 0)::integer, s.second_booked FROM slots s"
            " LEFT JOIN shares sh ON sh.slot_id = s.id WHERE s.clinic_id = $1 AND s.day >= $2"
            " GROUP BY s.id ORDER BY s.day, s.start, s.vaccine_id COLLATE \"C\"",
            clinic_id, since,
        )
        return [SlotLoad(slot_from(row), row[8], row[9]) for row in rows]

    async def record_outcome(self, booking_id: str, dose: int, outcome: str, at: datetime) -> None:
        async with self._connection() as db:
            await db.execute(
                "INSERT INTO dose_outcomes (booking_id, dose, outcome, marked_at) VALUES ($1, $2, $3, $4)"
                " ON CONFLICT (booking_id, dose) DO UPDATE SET outcome = excluded.outcome,"
                " marked_at = excluded.marked_at", booking_id, dose, outcome, at)

    async def export_clinics(self) -> AsyncIterator[list[ClinicRecord]]:
        async with self._connection() as db:
            async for batch in inventory.export_clinics(db):
                yield batch

    async def export_slots(self) -> AsyncIterator[list[SlotRecord]]:
        async with self._connection() as db:
            async for batch in inventory.export_slots(db):
                yield batch

    async def clinic(self, clinic_id: str) -> Clinic | None:
        if clinic_id in self._rows.clinics:
            return self._rows.clinics[clinic_id]
        rows = await self._fetch("SELECT id, name, sido, sigungu, address FROM clinics WHERE id = $1",
                                 clinic_id)
        if not rows:
            return None
        self._rows.clinics[clinic_id] = found = Clinic(*rows[0])
        return found

    async def clinic_key_hash(self, clinic_id: str) -> str | None:
        rows = await self._fetch("SELECT key_hash FROM clinics WHERE id = $1", clinic_id)
        return str(rows[0][0]) if rows else None

    async def slot(self, slot_id: int) -> Slot | None:
        if slot_id in self._rows.slots:
            return self._rows.slots[slot_id]
        rows = await self._fetch(f"SELECT {SLOT_COLUMNS} FROM slots WHERE id = $1", slot_id)
        if not rows:
            return None
        found = slot_from(rows[0])
        self._rows.keep((found,))
        return found

    # browsing --------------------------------------------------------------------------
    async def provinces(self, groups: tuple[int, ...], since: date) -> list[RegionFree]:
        rows = await self._fetch(
            f"SELECT c.sido, {_FREE} FROM {_SHARES} JOIN clinics c ON c.id = s.clinic_id"
            " WHERE sh.grp = ANY($1::smallint[]) AND s.day >= $2"
            ' GROUP BY c.sido ORDER BY c.sido COLLATE "C"',
            list(groups), since,
        )
        return [RegionFree(name, free) for name, free in rows]

    async def clinic_free(self, groups: tuple[int, ...], since: date) -> list[ClinicFree]:
        rows = await self._fetch(
            f"SELECT c.id, c.name, c.sido, c.sigungu, c.address, {_FREE}"
            f" FROM {_SHARES} JOIN clinics c ON c.id = s.clinic_id"
            " WHERE sh.grp = ANY($1::smallint[]) AND s.day >= $2 GROUP BY c.id",
            list(groups), since,
        )
        return [ClinicFree(Clinic(*row[:5]), row[5]) for row in rows]

    async def districts(self, sido: str, groups: tuple[int, ...], since: date) -> list[RegionFree]:
        rows = await self._fetch(
            f"SELECT c.sigungu, {_FREE} FROM {_SHARES} JOIN clinics c ON c.id = s.clinic_id"
            " WHERE c.sido = $1 AND sh.grp = ANY($2::smallint[]) AND s.day >= $3"
            ' GROUP BY c.sigungu ORDER BY c.sigungu COLLATE "C"',
            sido, list(groups), since,
        )
        return [RegionFree(name, free) for name, free in rows]

    async def clinics(
        self, sido: str, sigungu: str, groups: tuple[int, ...], since: date
    ) -> list[ClinicFree]:
        rows = await self._fetch(
            f"SELECT c.id, c.name, c.sido, c.sigungu, c.address, {_FREE}"
            f" FROM {_SHARES} JOIN clinics c ON c.id = s.clinic_id"
            " WHERE c.sido = $1 AND c.sigungu = $2 AND sh.grp = ANY($3::smallint[]) AND s.day >= $4"
            ' GROUP BY c.id ORDER BY c.name COLLATE "C"',
            sido, sigungu, list(groups), since,
        )
        return [ClinicFree(Clinic(*row[:5]), row[5]) for row in rows]

    async def slots(self, clinic_id: str, groups: tuple[int, ...], since: date) -> list[SlotFree]:
        # Ids and numbers only, the slots themselves from this worker's rows: building a Slot of
        # every row (dates and times decoded) was most of a list's CPU, and with a list cached
        # for a second nearly every list is read (docs/benchmarks.md). The columns an import can
        # change come along, so a changed slot is read again, as a new one is.
        rows = await self._fetch(
            f'SELECT s.id, s."end", s.first_capacity, s.second_capacity, {_FREE},'
            f" s.second_capacity - s.second_booked FROM {_SHARES}"
            " WHERE s.clinic_id = $1 AND sh.grp = ANY($2::smallint[]) AND s.day >= $3"
            " AND s.first_capacity > 0 GROUP BY s.id ORDER BY s.day, s.start",
            clinic_id, list(groups), since,
        )
        held, missing = self._rows.held(rows)
        read: dict[int, Slot] = {}
        if missing:
            read = {row[0]: slot_from(row) for row in await self._fetch(
                f"SELECT {SLOT_COLUMNS} FROM slots WHERE id = ANY($1::bigint[])", missing
            )}
            self._rows.keep(read.values())  # the next booking of one needs no read
        return [SlotFree(slot or read[row[0]], row[4], row[5]) for slot, row in zip(held, rows, strict=True)]

    async def free_first_doses(self, groups: tuple[int, ...], since: date) -> int:
        rows = await self._fetch(
            f"SELECT COALESCE({_FREE}, 0) FROM {_SHARES} WHERE sh.grp = ANY($1::smallint[])"
            " AND s.day >= $2",
            list(groups), since,
        )
        return int(rows[0][0])

    async def second_dose_candidates(
        self, clinic_id: str, day: date, vaccine_id: str
    ) -> list[SecondDoseCandidate]:
        rows = await self._fetch(
            f"SELECT {SLOT_COLUMNS} FROM slots WHERE clinic_id = $1 AND day = $2 AND vaccine_id = $3"
            " AND second_capacity > 0",  # full ones too: a change frees its own place first
            clinic_id, day, vaccine_id,
        )
        found = [slot_from(row) for row in rows]
        self._rows.keep(found)  # a standby acceptance answers from them
        return [SecondDoseCandidate(slot.id, slot.start) for slot in found]

    # booking ---------------------------------------------------------------------------
    async def book(self, request: BookingRequest) -> Booking:
        """One round trip (vaxbook_book), answered from its own result and this worker's cached
        slot and clinic rows: nothing is read after the commit, so nothing after it can fail and
        turn a made booking into a 503."""
        first = await self.slot(request.first_slot_id)  # cached: warmed at start, or by browsing
        if first is None:
            raise VaxbookError(Problem.SLOT_FULL, field="slot_id")  # as the function says: no share
        clinic = await self.clinic(first.clinic_id)
        batches = self._batches
        done = await (batches.book(request, first) if batches else self._book_alone(request, first))
        if done.first_slot_id != first.id:  # a replay of a booking since changed
            first = await self.slot(done.first_slot_id)
            clinic = await self.clinic(first.clinic_id) if first is not None else None
        if first is None or clinic is None:
            raise RuntimeError(f"booking {done.booking_id} refers to a missing slot or clinic")
        return Booking(
            id=done.booking_id, person_key=request.person_key, masked_name=done.masked_name,
            birth_date=done.birth_date, share_group=done.share_group, first=first, second=done.second,
            clinic=clinic, created_at=done.created_at, cancelled_at=done.cancelled_at,
        )

    async def _book_alone(self, request: BookingRequest, first: Slot) -> bookings.Booked:
        async def attempt() -> bookings.Booked:
            async with self._connection() as db:  # one statement: its own transaction
                return await bookings.book(db, request, first)

        return await with_retries(attempt)

    async def _book_many(
        self, items: list[tuple[BookingRequest, Slot]]
    ) -> list[bookings.Booked | VaxbookError | None]:
        async with self._connection() as db:  # one statement; a failure is for the batcher to handle
            return await bookings.book_many(db, items)

    async def change(self, request: BookingRequest) -> Booking:
        return await self._transaction(lambda db: bookings.change(db, request, self.holds))

    async def cancel(self, person_key: str, at: datetime, notices: tuple[Notice, ...] = ()) -> Booking:
        return await self._transaction(
            lambda db: bookings.cancel(db, person_key, at, notices, self.holds), replay_safe=False
        )

    async def bookings_by_id(self, booking_ids: Collection[str]) -> dict[str, Booking]:
        if not booking_ids:
            return {}
        wanted = list(booking_ids)
        return await self._statements(lambda db: bookings_with_ids(db, wanted))

    async def in_transaction(self, work: Callable[[Any], Awaitable[T]], *, replay_safe: bool = True) -> T:
        """Run `work` on one connection in one transaction, retried on conflicts (the outbox's too)."""
        return await self._transaction(work, replay_safe=replay_safe)

    async def one_statement(self, work: Callable[[Any], Awaitable[T]]) -> T:
        """Run `work`, one statement (its own transaction), on one connection with the same retries:
        no BEGIN and COMMIT round trips around it (the outbox's claims, settlements and reads)."""
        return await self._statements(work)

    async def booking_of(self, person_key: str) -> Booking | None:
        # One statement: eligibility, joining the line and "my booking" each ask it once.
        return await self._statements(lambda db: active_booking(db, person_key))

    async def clinic_bookings(self, clinic_id: str, day: date) -> list[ClinicListRow]:
        rows = await self._fetch(
            "SELECT b.id, CASE WHEN s.id = b.first_slot_id THEN 1 ELSE 2 END, s.start, s.\"end\","
            " s.vaccine_id, b.masked_name, b.birth_date, o.outcome FROM bookings b JOIN slots s"
            " ON s.id IN (b.first_slot_id, b.second_slot_id) LEFT JOIN dose_outcomes o"
            " ON o.booking_id = b.id AND o.dose = (CASE WHEN s.id = b.first_slot_id THEN 1 ELSE 2 END)"
            " WHERE s.clinic_id = $1 AND s.day = $2 AND b.cancelled_at IS NULL"
            ' ORDER BY s.start, b.id COLLATE "C"',
            clinic_id, day,
        )
        return [ClinicListRow(*row) for row in rows]

    # what the gate must not forget -----------------------------------------------------
    async def place_of(self, line_id: str, person_key: str) -> int | None:
        rows = await self._fetch("SELECT number FROM line_places WHERE line_id = $1 AND person_key = $2",
                                 line_id, person_key)
        return int(rows[0][0]) if rows else None

    async def standing(self, line_id: str, person_key: str) -> tuple[bool, int | None]:
        rows = await self._fetch(
            "SELECT EXISTS (SELECT 1 FROM bookings WHERE person_key = $2 AND cancelled_at IS NULL),"
            " (SELECT number FROM line_places WHERE line_id = $1 AND person_key = $2)",
            line_id, person_key,
        )
        booked, number = rows[0]
        return bool(booked), None if number is None else int(number)

    # Each of these is one upsert (claim_verification reads the row again only after a refusal):
    # no BEGIN and COMMIT around them.
    async def hold_place(self, line_id: str, person_key: str, number: int) -> int:
        return await self._statements(lambda db: gate_records.hold_place(db, line_id, person_key, number))

    async def move_place(self, line_id: str, person_key: str, number: int) -> None:
        await self._statements(lambda db: gate_records.move_place(db, line_id, person_key, number))

    async def claim_verification(
        self, person_key: str, device_id: str, now: float, hold_seconds: int, *, reference: str
    ) -> VerificationOutcome:
        return await self._statements(lambda db: gate_records.claim_verification(
            db, person_key, device_id, now, hold_seconds, reference
        ))
