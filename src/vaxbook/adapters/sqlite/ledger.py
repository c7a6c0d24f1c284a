"""The embedded ledger: one SQLite file, one connection, one writer at a time.

Every write runs in BEGIN IMMEDIATE, and every place is taken by a conditional UPDATE
guarded by CHECK constraints, so even a second process on the same file cannot overbook.
"""

from __future__ import annotations

import json
import os
import secrets
import sqlite3
from collections.abc import AsyncIterator, Callable, Collection, Sequence
from dataclasses import replace
from datetime import date, datetime, time
from pathlib import Path
from typing import TypeVar

from vaxbook.adapters.sqlite import gate_records, inventory
from vaxbook.adapters.sqlite.figures import SqliteFigures
from vaxbook.adapters.sqlite.notices import keep_contact, void_reminders, write_notices
from vaxbook.adapters.sqlite.operators import SqliteOperators
from vaxbook.adapters.sqlite.schema import migrate
from vaxbook.adapters.sqlite.standby_rows import offer_freed
from vaxbook.adapters.sqlite.transaction import transaction
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
from vaxbook.domain.errors import Input, Problem, VaxbookError
from vaxbook.domain.inventory import SecondDoseCandidate, rank_second_dose_slots
from vaxbook.domain.inventory_rows import ClinicRecord, ImportSummary, Numbered, SlotRecord
from vaxbook.domain.notices import Notice
from vaxbook.domain.standby import Holds
from vaxbook.ports import WRONG_PEPPER, VerificationOutcome, WrongPepper

R = TypeVar("R")

_SLOT_COLUMNS = 'id, clinic_id, day, start, "end", vaccine_id, first_capacity, second_capacity'
_FREE = "SUM(sh.capacity - sh.booked)"


def new_booking_id() -> str:
    return "VB" + secrets.token_hex(6).upper()


class SqliteLedger(SqliteFigures, SqliteOperators):
    def __init__(self, path: str | Path, holds: Holds | None = None) -> None:
        self._path = str(path)
        self.holds = holds or Holds()  # how long a freed place is held for a standby offer
        self._db: sqlite3.Connection | None = None

    # lifecycle -------------------------------------------------------------------------
    async def open(self) -> None:
        if self._path != ":memory:":
            Path(self._path).parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            # Readable by the service alone; SQLite gives its -wal and -shm files the same mode.
            os.close(os.open(self._path, os.O_CREAT | os.O_RDWR, 0o600))
            os.chmod(self._path, 0o600)
        db = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False, timeout=30)
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = FULL")  # a confirmed booking survives a power cut
        db.execute("PRAGMA foreign_keys = ON")
        migrate(db)
        self._db = db

    async def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    async def ping(self) -> None:
        self._conn.execute("SELECT 1").fetchone()

    @property
    def connection(self) -> sqlite3.Connection:
        """The one connection: the outbox and standby run their transactions on it too."""
        return self._conn

    @property
    def _conn(self) -> sqlite3.Connection:
        if self._db is None:
            raise RuntimeError("ledger is not open")
        return self._db

    async def bind_pepper(self, fingerprint: str) -> None:
        with transaction(self._conn) as db:
            db.execute("INSERT OR IGNORE INTO ledger_meta (name, value) VALUES ('pepper', ?)", (fingerprint,))
            (recorded,) = db.execute("SELECT value FROM ledger_meta WHERE name = 'pepper'").fetchone()
        if recorded != fingerprint:
            raise WrongPepper(WRONG_PEPPER)

    # what the gate must not forget -----------------------------------------------------
    async def place_of(self, line_id: str, person_key: str) -> int | None:
        row = self._conn.execute("SELECT number FROM line_places WHERE line_id = ? AND person_key = ?",
                                 (line_id, person_key)).fetchone()
        return int(row[0]) if row else None

    async def standing(self, line_id: str, person_key: str) -> tuple[bool, int | None]:
        row = self._conn.execute(
            "SELECT EXISTS (SELECT 1 FROM bookings WHERE person_key = ? AND cancelled_at IS NULL),"
            " (SELECT number FROM line_places WHERE line_id = ? AND person_key = ?)",
            (person_key, line_id, person_key),
        ).fetchone()
        return bool(row[0]), None if row[1] is None else int(row[1])

    async def hold_place(self, line_id: str, person_key: str, number: int) -> int:
        with transaction(self._conn) as db:
            return gate_records.hold_place(db, line_id, person_key, number)

    async def move_place(self, line_id: str, person_key: str, number: int) -> None:
        with transaction(self._conn) as db:
            gate_records.move_place(db, line_id, person_key, number)

    async def claim_verification(
        self, person_key: str, device_id: str, now: float, hold_seconds: int, *, reference: str
    ) -> VerificationOutcome:
        with transaction(self._conn) as db:
            return gate_records.claim_verification(db, person_key, device_id, now, hold_seconds, reference)

    # inventory -------------------------------------------------------------------------
    async def add_clinic(self, clinic: Clinic, key_hash: str) -> None:
        with transaction(self._conn) as db:
            db.execute(
                "INSERT INTO clinics (id, name, sido, sigungu, address, key_hash)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (clinic.id, clinic.name, clinic.sido, clinic.sigungu, clinic.address, key_hash),
            )

    async def add_slots(self, slots: list[NewSlot]) -> list[int]:
        ids: list[int] = []
        with transaction(self._conn) as db:
            for new in slots:
                cursor = db.execute(
                    'INSERT INTO slots (clinic_id, day, start, "end", vaccine_id, first_capacity,'
                    " second_capacity) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (new.clinic_id, new.day.isoformat(), new.start.isoformat("minutes"),
                     new.end.isoformat("minutes"), new.vaccine_id, sum(new.shares),
                     new.second_capacity),
                )
                db.executemany(
                    "INSERT INTO shares (slot_id, grp, capacity) VALUES (?, ?, ?)",
                    [(cursor.lastrowid, group, size) for group, size in enumerate(new.shares)],
                )
                ids.append(int(cursor.lastrowid or 0))
        # Without statistics the planner drives clinic lists from the group index over every
        # share (57 ms for 300 clinics); with them, from the district (0.1 ms). Loading is rare.
        self._conn.execute("ANALYZE")
        return ids

    # bulk loading (adapters/sqlite/inventory.py) --------------------------------------------
    async def import_clinics(self, rows: Sequence[Numbered[ClinicRecord]], *, dry_run: bool) -> ImportSummary:
        return self._import(inventory.import_clinics, rows, dry_run)

    async def import_slots(self, rows: Sequence[Numbered[SlotRecord]], *, dry_run: bool) -> ImportSummary:
        summary = self._import(inventory.import_slots, rows, dry_run)
        if summary.created >= 1000 and not dry_run:  # as in add_slots; sampled, so it stays quick
            self._conn.execute("PRAGMA analysis_limit = 1000")
            self._conn.execute("ANALYZE")
        return summary

    def _import(self, load: Callable[[sqlite3.Connection, Sequence[R], bool], ImportSummary],
                rows: Sequence[R], dry_run: bool) -> ImportSummary:
        """One transaction: committed only if nothing was refused and this is not a dry run."""
        with transaction(self._conn) as db:
            summary = load(db, rows, dry_run)
            if dry_run or summary.refused:
                db.execute("ROLLBACK")
                db.execute("BEGIN")  # what transaction() commits: nothing
        return summary

    async def clinic_inventory(self, clinic_id: str, since: date) -> list[SlotLoad]:
        return inventory.clinic_inventory(self._conn, clinic_id, since)

    async def record_outcome(self, booking_id: str, dose: int, outcome: str, at: datetime) -> None:
        with transaction(self._conn) as db:
            db.execute("INSERT INTO dose_outcomes (booking_id, dose, outcome, marked_at) VALUES (?, ?, ?, ?)"
                       " ON CONFLICT (booking_id, dose) DO UPDATE SET outcome = excluded.outcome,"
                       " marked_at = excluded.marked_at", (booking_id, dose, outcome, at.isoformat()))

    async def export_clinics(self) -> AsyncIterator[list[ClinicRecord]]:
        for batch in inventory.export_clinics(self._conn):
            yield batch

    async def export_slots(self) -> AsyncIterator[list[SlotRecord]]:
        for batch in inventory.export_slots(self._conn):
            yield batch

    async def clinic(self, clinic_id: str) -> Clinic | None:
        row = self._conn.execute(
            "SELECT id, name, sido, sigungu, address FROM clinics WHERE id = ?", (clinic_id,)
        ).fetchone()
        return Clinic(*row) if row else None

    async def clinic_key_hash(self, clinic_id: str) -> str | None:
        row = self._conn.execute("SELECT key_hash FROM clinics WHERE id = ?", (clinic_id,)).fetchone()
        return str(row[0]) if row else None

    async def slot(self, slot_id: int) -> Slot | None:
        row = self._conn.execute(f"SELECT {_SLOT_COLUMNS} FROM slots WHERE id = ?", (slot_id,)).fetchone()
        return _slot(row) if row else None

    # browsing --------------------------------------------------------------------------
    async def provinces(self, groups: tuple[int, ...], since: date) -> list[RegionFree]:
        rows = self._conn.execute(
            f"SELECT c.sido, {_FREE} FROM shares sh JOIN slots s ON s.id = sh.slot_id"
            f" JOIN clinics c ON c.id = s.clinic_id WHERE sh.grp IN ({_marks(groups)})"
            " AND s.day >= ? GROUP BY c.sido ORDER BY c.sido",
            (*groups, since.isoformat()),
        ).fetchall()
        return [RegionFree(name, free) for name, free in rows]

    async def clinic_free(self, groups: tuple[int, ...], since: date) -> list[ClinicFree]:
        rows = self._conn.execute(
            f"SELECT c.id, c.name, c.sido, c.sigungu, c.address, {_FREE}"
            " FROM shares sh JOIN slots s ON s.id = sh.slot_id JOIN clinics c ON c.id = s.clinic_id"
            f" WHERE sh.grp IN ({_marks(groups)}) AND s.day >= ? GROUP BY c.id",
            (*groups, since.isoformat()),
        ).fetchall()
        return [ClinicFree(Clinic(*row[:5]), row[5]) for row in rows]

    async def districts(self, sido: str, groups: tuple[int, ...], since: date) -> list[RegionFree]:
        rows = self._conn.execute(
            f"SELECT c.sigungu, {_FREE} FROM shares sh JOIN slots s ON s.id = sh.slot_id"
            f" JOIN clinics c ON c.id = s.clinic_id WHERE c.sido = ? AND sh.grp IN ({_marks(groups)})"
            " AND s.day >= ? GROUP BY c.sigungu ORDER BY c.sigungu",
            (sido, *groups, since.isoformat()),
        ).fetchall()
        return [RegionFree(name, free) for name, free in rows]

    async def clinics(
        self, sido: str, sigungu: str, groups: tuple[int, ...], since: date
    ) -> list[ClinicFree]:
        rows = self._conn.execute(
            f"SELECT c.id, c.name, c.sido, c.sigungu, c.address, {_FREE}"
            " FROM shares sh JOIN slots s ON s.id = sh.slot_id JOIN clinics c ON c.id = s.clinic_id"
            f" WHERE c.sido = ? AND c.sigungu = ? AND sh.grp IN ({_marks(groups)}) AND s.day >= ?"
            " GROUP BY c.id ORDER BY c.name",
            (sido, sigungu, *groups, since.isoformat()),
        ).fetchall()
        return [ClinicFree(Clinic(*row[:5]), row[5]) for row in rows]

    async def slots(self, clinic_id: str, groups: tuple[int, ...], since: date) -> list[SlotFree]:
        columns = ", ".join(f"s.{c.strip()}" for c in _SLOT_COLUMNS.split(","))
        rows = self._conn.execute(
            f"SELECT {columns}, {_FREE}, s.second_capacity - s.second_booked"
            " FROM shares sh JOIN slots s ON s.id = sh.slot_id"
            f" WHERE s.clinic_id = ? AND sh.grp IN ({_marks(groups)}) AND s.day >= ?"
            " AND s.first_capacity > 0 GROUP BY s.id ORDER BY s.day, s.start",
            (clinic_id, *groups, since.isoformat()),
        ).fetchall()
        return [SlotFree(_slot(row[:8]), row[8], row[9]) for row in rows]

    async def free_first_doses(self, groups: tuple[int, ...], since: date) -> int:
        row = self._conn.execute(
            f"SELECT COALESCE({_FREE}, 0) FROM shares sh JOIN slots s ON s.id = sh.slot_id"
            f" WHERE sh.grp IN ({_marks(groups)}) AND s.day >= ?",
            (*groups, since.isoformat()),
        ).fetchone()
        return int(row[0])

    async def second_dose_candidates(
        self, clinic_id: str, day: date, vaccine_id: str
    ) -> list[SecondDoseCandidate]:
        rows = self._conn.execute(
            "SELECT id, start FROM slots WHERE clinic_id = ? AND day = ? AND vaccine_id = ?"
            " AND second_capacity > 0",  # full ones too: a change frees its own place first
            (clinic_id, day.isoformat(), vaccine_id),
        ).fetchall()
        return [SecondDoseCandidate(slot_id, time.fromisoformat(start)) for slot_id, start in rows]

    # booking ---------------------------------------------------------------------------
    async def book(self, request: BookingRequest) -> Booking:
        with transaction(self._conn) as db:
            earlier = self._replay(db, request)
            if earlier is not None:
                return earlier
            if _active_booking_id(db, request.person_key):
                raise VaxbookError(Problem.ALREADY_BOOKED)
            group, second_id = _take_places(db, _with_candidates(db, request))
            booking_id = new_booking_id()
            db.execute(
                "INSERT INTO bookings (id, person_key, masked_name, birth_date, first_slot_id,"
                " share_group, second_slot_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (booking_id, request.person_key, request.masked_name, request.birth_date.isoformat(),
                 request.first_slot_id, group, second_id, request.at.isoformat()),
            )
            db.execute(
                "INSERT INTO idempotency (person_key, key, fingerprint, booking_id) VALUES (?, ?, ?, ?)",
                (request.person_key, request.idempotency_key, request.fingerprint, booking_id),
            )
            _announce(db, request, booking_id)
            return self._booking(db, booking_id)

    async def change(self, request: BookingRequest) -> Booking:
        with transaction(self._conn) as db:
            earlier = self._replay(db, request)
            if earlier is not None:
                return earlier
            booking_id = _active_booking_id(db, request.person_key)
            if booking_id is None:
                raise VaxbookError(Problem.NO_BOOKING)
            freed = _first_place(db, booking_id)
            _release_places(db, booking_id)
            group, second_id = _take_places(db, _with_candidates(db, request))
            db.execute(
                "UPDATE bookings SET first_slot_id = ?, share_group = ?, second_slot_id = ?"
                " WHERE id = ?",
                (request.first_slot_id, group, second_id, booking_id),
            )
            offer_freed(db, *freed, request.at, self.holds)  # if the old place is still free
            db.execute(
                "INSERT INTO idempotency (person_key, key, fingerprint, booking_id) VALUES (?, ?, ?, ?)",
                (request.person_key, request.idempotency_key, request.fingerprint, booking_id),
            )
            void_reminders(db, booking_id)
            _announce(db, request, booking_id)
            return self._booking(db, booking_id)

    async def cancel(self, person_key: str, at: datetime, notices: tuple[Notice, ...] = ()) -> Booking:
        with transaction(self._conn) as db:
            booking_id = _active_booking_id(db, person_key)
            if booking_id is None:
                raise VaxbookError(Problem.NO_BOOKING)
            freed = _first_place(db, booking_id)
            _release_places(db, booking_id)
            db.execute("UPDATE bookings SET cancelled_at = ? WHERE id = ?", (at.isoformat(), booking_id))
            void_reminders(db, booking_id)
            write_notices(db, person_key, notices, booking_id=booking_id, at=at)
            offer_freed(db, *freed, at, self.holds)  # the freed place, held for standby at once
            return self._booking(db, booking_id)

    async def booking_of(self, person_key: str) -> Booking | None:
        booking_id = _active_booking_id(self._conn, person_key)
        return self._booking(self._conn, booking_id) if booking_id else None

    async def bookings_by_id(self, booking_ids: Collection[str]) -> dict[str, Booking]:
        # The ids as one JSON parameter (no limit on how many); in-process, so each booking is
        # then read as every other read here reads one.
        found = self._conn.execute(
            "SELECT id FROM bookings WHERE id IN (SELECT value FROM json_each(?))",
            (json.dumps(list(booking_ids)),),
        ).fetchall()
        return {row[0]: self._booking(self._conn, row[0]) for row in found}

    async def clinic_bookings(self, clinic_id: str, day: date) -> list[ClinicListRow]:
        rows = self._conn.execute(
            "SELECT b.id, CASE WHEN s.id = b.first_slot_id THEN 1 ELSE 2 END AS dose, s.start,"
            " s.\"end\", s.vaccine_id, b.masked_name, b.birth_date, o.outcome FROM bookings b JOIN slots s"
            " ON s.id IN (b.first_slot_id, b.second_slot_id) LEFT JOIN dose_outcomes o"
            " ON o.booking_id = b.id AND o.dose = (CASE WHEN s.id = b.first_slot_id THEN 1 ELSE 2 END)"
            " WHERE s.clinic_id = ? AND s.day = ? AND b.cancelled_at IS NULL ORDER BY s.start, b.id",
            (clinic_id, day.isoformat()),
        ).fetchall()
        return [
            ClinicListRow(r[0], r[1], time.fromisoformat(r[2]), time.fromisoformat(r[3]), r[4], r[5],
                          date.fromisoformat(r[6]), r[7])
            for r in rows
        ]

    # internals -------------------------------------------------------------------------
    def _replay(self, db: sqlite3.Connection, request: BookingRequest) -> Booking | None:
        row = db.execute(
            "SELECT fingerprint, booking_id FROM idempotency WHERE person_key = ? AND key = ?",
            (request.person_key, request.idempotency_key),
        ).fetchone()
        if row is None:
            return None
        if row[0] != request.fingerprint:
            raise VaxbookError(Problem.IDEMPOTENCY_KEY_REUSED, field=Input.IDEMPOTENCY_KEY)
        return self._booking(db, row[1])

    def booking_in(self, db: sqlite3.Connection, booking_id: str) -> Booking:
        """A booking read inside a transaction already open on `db` (the standby's acceptance)."""
        return self._booking(db, booking_id)

    def _booking(self, db: sqlite3.Connection, booking_id: str) -> Booking:
        row = db.execute(
            "SELECT id, person_key, masked_name, birth_date, share_group, first_slot_id,"
            " second_slot_id, created_at, cancelled_at FROM bookings WHERE id = ?",
            (booking_id,),
        ).fetchone()
        first = _slot(db.execute(f"SELECT {_SLOT_COLUMNS} FROM slots WHERE id = ?", (row[5],)).fetchone())
        second = None
        if row[6] is not None:
            second = _slot(
                db.execute(f"SELECT {_SLOT_COLUMNS} FROM slots WHERE id = ?", (row[6],)).fetchone()
            )
        clinic_row = db.execute(
            "SELECT id, name, sido, sigungu, address FROM clinics WHERE id = ?", (first.clinic_id,)
        ).fetchone()
        return Booking(
            id=row[0], person_key=row[1], masked_name=row[2], birth_date=date.fromisoformat(row[3]),
            share_group=row[4], first=first, second=second, clinic=Clinic(*clinic_row),
            created_at=datetime.fromisoformat(row[7]),
            cancelled_at=datetime.fromisoformat(row[8]) if row[8] else None,
        )


def _announce(db: sqlite3.Connection, request: BookingRequest, booking_id: str) -> None:
    """The booking's messages and the person's contact, in the booking's own transaction."""
    write_notices(db, request.person_key, request.notices, booking_id=booking_id, at=request.at)
    keep_contact(db, request.person_key, request.contact, request.at)


def _with_candidates(db: sqlite3.Connection, request: BookingRequest) -> BookingRequest:
    """The request with its second-dose candidates: its own, or, read in the booking's own
    transaction, those of the first dose's clinic and vaccine on request.second_dose_day."""
    if request.second_slot_ids or not request.needs_second_dose or request.second_dose_day is None:
        return request
    rows = db.execute(
        "SELECT s.id, s.start, f.start FROM slots f JOIN slots s ON s.clinic_id = f.clinic_id"
        " AND s.vaccine_id = f.vaccine_id AND s.day = ? AND s.second_capacity > 0 WHERE f.id = ?",
        (request.second_dose_day.isoformat(), request.first_slot_id),  # full ones too: a change
    ).fetchall()                                                      # frees its own place first
    if not rows:
        return request
    candidates = [SecondDoseCandidate(int(r[0]), time.fromisoformat(r[1])) for r in rows]
    ranked = rank_second_dose_slots(candidates, time.fromisoformat(rows[0][2]))
    return replace(request, second_slot_ids=tuple(ranked))


def _take_places(db: sqlite3.Connection, request: BookingRequest) -> tuple[int, int | None]:
    """Take a first-dose place from the first share with room, then a second-dose place."""
    group = next(
        (
            g for g in request.share_groups
            if db.execute(
                "UPDATE shares SET booked = booked + 1 WHERE slot_id = ? AND grp = ?"
                " AND booked < capacity",
                (request.first_slot_id, g),
            ).rowcount == 1
        ),
        None,
    )
    if group is None:
        raise VaxbookError(Problem.SLOT_FULL, field="slot_id")
    if not request.needs_second_dose:
        return group, None
    second = next(
        (
            s for s in request.second_slot_ids
            if db.execute(
                "UPDATE slots SET second_booked = second_booked + 1 WHERE id = ?"
                " AND second_booked < second_capacity",
                (s,),
            ).rowcount == 1
        ),
        None,
    )
    if second is None:
        raise VaxbookError(Problem.SECOND_DOSE_UNAVAILABLE, field="slot_id")
    return group, second


def _first_place(db: sqlite3.Connection, booking_id: str) -> tuple[int, int]:
    row = db.execute("SELECT first_slot_id, share_group FROM bookings WHERE id = ?", (booking_id,)).fetchone()
    return int(row[0]), int(row[1])


def _release_places(db: sqlite3.Connection, booking_id: str) -> None:
    db.execute(
        "UPDATE shares SET booked = booked - 1 WHERE (slot_id, grp) ="
        " (SELECT first_slot_id, share_group FROM bookings WHERE id = ?)",
        (booking_id,),
    )
    db.execute(
        "UPDATE slots SET second_booked = second_booked - 1"
        " WHERE id = (SELECT second_slot_id FROM bookings WHERE id = ?)",
        (booking_id,),
    )


def _active_booking_id(db: sqlite3.Connection, person_key: str) -> str | None:
    row = db.execute(
        "SELECT id FROM bookings WHERE person_key = ? AND cancelled_at IS NULL", (person_key,)
    ).fetchone()
    return str(row[0]) if row else None


def _slot(row: tuple[object, ...]) -> Slot:
    slot_id, clinic_id, day, start, end, vaccine_id, first_capacity, second_capacity = row
    return Slot(
        id=int(str(slot_id)), clinic_id=str(clinic_id), day=date.fromisoformat(str(day)),
        start=time.fromisoformat(str(start)), end=time.fromisoformat(str(end)),
        vaccine_id=str(vaccine_id), first_capacity=int(str(first_capacity)),
        second_capacity=int(str(second_capacity)),
    )


def _marks(values: tuple[int, ...]) -> str:
    return ", ".join("?" * len(values))


