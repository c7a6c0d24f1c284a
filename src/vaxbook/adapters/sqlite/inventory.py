"""Loading and dumping clinics and slots in bulk: one transaction, executemany, set-based SQL.

Each import fills a temporary table with the file's rows, then compares and writes with a
few statements over the whole set; the caller commits, or rolls back on a refusal or a dry run.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from datetime import date, time

from vaxbook.domain.booking import Slot, SlotLoad
from vaxbook.domain.csv_text import RowError
from vaxbook.domain.inventory import resplit_quota, slot_number_of
from vaxbook.domain.inventory_rows import ClinicRecord, ImportSummary, Numbered, SlotRecord

GROUPS = 10
BATCH = 10_000
_CLINIC_FIELDS = ("name", "sido", "sigungu", "address", "phone")
_CLINIC_CHANGED = " OR ".join(f"c.{f} IS NOT i.{f}" for f in _CLINIC_FIELDS)
_SAME_SLOT = ("s.clinic_id = i.clinic_id AND s.day = i.day AND s.vaccine_id = i.vaccine_id"
              " AND s.start = i.start")
_GROUP_NUMBERS = " UNION ALL ".join(f"SELECT {g} AS grp" for g in range(GROUPS))


def import_clinics(
    db: sqlite3.Connection, rows: Sequence[Numbered[ClinicRecord]], dry_run: bool
) -> ImportSummary:
    """New clinics get no key (an operator issues one); known ones take the file's fields."""
    db.execute("CREATE TEMP TABLE import_clinics (row INTEGER, id TEXT PRIMARY KEY, name TEXT,"
               " sido TEXT, sigungu TEXT, address TEXT, phone TEXT)")
    try:
        db.executemany(
            "INSERT INTO import_clinics VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(n.row, r.clinic_id, r.name, r.sido, r.sigungu, r.address, r.phone)
             for n in rows for r in (n.record,)],
        )
        (created,) = db.execute("SELECT count(*) FROM import_clinics i WHERE NOT EXISTS"
                                " (SELECT 1 FROM clinics c WHERE c.id = i.id)").fetchone()
        (changed,) = db.execute("SELECT count(*) FROM import_clinics i JOIN clinics c ON c.id = i.id"
                                f" WHERE {_CLINIC_CHANGED}").fetchone()
        if dry_run:
            return ImportSummary(created, changed, len(rows) - created - changed)
        db.execute(
            "INSERT INTO clinics (id, name, sido, sigungu, address, phone, key_hash)"
            " SELECT id, name, sido, sigungu, address, phone, '' FROM import_clinics WHERE true"
            " ON CONFLICT (id) DO UPDATE SET "
            + ", ".join(f"{f} = excluded.{f}" for f in _CLINIC_FIELDS)
            + " WHERE " + " OR ".join(f"{f} IS NOT excluded.{f}" for f in _CLINIC_FIELDS)
        )
    finally:
        db.execute("DROP TABLE temp.import_clinics")
    return ImportSummary(created, changed, len(rows) - created - changed)


def import_slots(
    db: sqlite3.Connection, rows: Sequence[Numbered[SlotRecord]], dry_run: bool
) -> ImportSummary:
    """New slots are split among the groups; a changed capacity is re-split, never below booked."""
    db.execute("CREATE TEMP TABLE import_slots (row INTEGER, clinic_id TEXT, day TEXT, start TEXT,"
               ' "end" TEXT, vaccine_id TEXT, first INTEGER, second INTEGER, number INTEGER)')
    try:
        db.executemany(
            "INSERT INTO import_slots VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(n.row, r.clinic_id, r.day.isoformat(), r.start.isoformat("minutes"),
              r.end.isoformat("minutes"), r.vaccine_id, r.first_capacity, r.second_capacity,
              slot_number_of(r.clinic_id, r.day, r.start, r.vaccine_id) % GROUPS)
             for n in rows for r in (n.record,)],
        )
        refused = [
            RowError(row, "clinic_id", "unknown_clinic", f"no clinic {clinic_id} (import the clinics first)")
            for row, clinic_id in db.execute(
                "SELECT row, clinic_id FROM import_slots i WHERE NOT EXISTS"
                " (SELECT 1 FROM clinics c WHERE c.id = i.clinic_id) ORDER BY row")
        ]
        (matched,) = db.execute(
            f"SELECT count(*) FROM import_slots i JOIN slots s ON {_SAME_SLOT}").fetchone()
        changes = db.execute(
            'SELECT i.row, s.id, i.first, i.second, i."end", i.number, s.second_booked'
            f" FROM import_slots i JOIN slots s ON {_SAME_SLOT} WHERE s.first_capacity != i.first"
            ' OR s.second_capacity != i.second OR s."end" != i."end" ORDER BY i.row'
        ).fetchall()
        refused += _apply_changes(db, changes)
        if refused:
            return ImportSummary(0, 0, 0, tuple(sorted(refused, key=lambda e: e.row)))
        if dry_run:  # every check is made; the new rows need no writing to be counted
            return ImportSummary(len(rows) - matched, len(changes), matched - len(changes))
        (before,) = db.execute("SELECT COALESCE(MAX(id), 0) FROM slots").fetchone()
        db.execute(
            'INSERT INTO slots (clinic_id, day, start, "end", vaccine_id, first_capacity, second_capacity)'
            ' SELECT clinic_id, day, start, "end", vaccine_id, first, second FROM import_slots i'
            f" WHERE NOT EXISTS (SELECT 1 FROM slots s WHERE {_SAME_SLOT}) ORDER BY row"
        )
        # Group g gets capacity // 10, plus one if it is among the `capacity % 10` groups from
        # the slot's number on: the same places split_quota gives.
        db.execute(
            "INSERT INTO shares (slot_id, grp, capacity) SELECT s.id, g.grp, i.first / 10"
            f" + (((g.grp - i.number + {GROUPS}) % {GROUPS}) < i.first % 10)"
            f" FROM import_slots i JOIN slots s ON {_SAME_SLOT} AND s.id > ?"
            f" CROSS JOIN ({_GROUP_NUMBERS}) g",
            (before,),
        )
    finally:
        db.execute("DROP TABLE temp.import_slots")
    created = len(rows) - matched
    return ImportSummary(created, len(changes), matched - len(changes))


Change = tuple[int, int, int, int, str, int, int]  # row, slot id, first, second, end, number, booked


def _apply_changes(db: sqlite3.Connection, changes: list[Change]) -> list[RowError]:
    """Re-split each changed slot's first doses over its groups' booked places, or refuse the row."""
    refused: list[RowError] = []
    for start in range(0, len(changes), BATCH):
        batch = changes[start:start + BATCH]
        booked: dict[int, list[int]] = {slot_id: [0] * GROUPS for _, slot_id, *_ in batch}
        for slot_id, group, count in db.execute(
            f"SELECT slot_id, grp, booked FROM shares WHERE slot_id IN ({', '.join('?' * len(batch))})",
            [slot_id for _, slot_id, *_ in batch],
        ):
            booked[slot_id][group] = count
        for row, slot_id, first, second, end, number, second_booked in batch:
            shares = resplit_quota(first, number, booked[slot_id], GROUPS)
            if shares is None:
                refused.append(below_booked(row, "first_capacity", first, sum(booked[slot_id])))
            if second < second_booked:
                refused.append(below_booked(row, "second_capacity", second, second_booked))
            if refused or shares is None:
                continue
            db.execute('UPDATE slots SET first_capacity = ?, second_capacity = ?, "end" = ? WHERE id = ?',
                       (first, second, end, slot_id))
            db.executemany("UPDATE shares SET capacity = ? WHERE slot_id = ? AND grp = ?",
                           [(size, slot_id, group) for group, size in enumerate(shares)])
    return refused


def below_booked(row: int, column: str, capacity: int, booked: int) -> RowError:
    return RowError(row, column, "capacity_below_booked",
                    f"{capacity} is below the {booked} places already booked")


def export_clinics(db: sqlite3.Connection) -> Iterator[list[ClinicRecord]]:
    cursor = db.execute("SELECT id, name, sido, sigungu, address, phone FROM clinics ORDER BY id")
    while batch := cursor.fetchmany(BATCH):
        yield [ClinicRecord(*row) for row in batch]


def export_slots(db: sqlite3.Connection) -> Iterator[list[SlotRecord]]:
    cursor = db.execute('SELECT clinic_id, day, start, "end", vaccine_id, first_capacity, second_capacity'
                        " FROM slots ORDER BY clinic_id, day, start, vaccine_id")
    while batch := cursor.fetchmany(BATCH):
        yield [SlotRecord(c, date.fromisoformat(d), time.fromisoformat(s), time.fromisoformat(e), v, f, n)
               for c, d, s, e, v, f, n in batch]


def clinic_inventory(db: sqlite3.Connection, clinic_id: str, since: date) -> list[SlotLoad]:
    """A clinic's slots from `since` on, with the places booked in each."""
    rows = db.execute(
        'SELECT s.id, s.clinic_id, s.day, s.start, s."end", s.vaccine_id, s.first_capacity,'
        " s.second_capacity, COALESCE(SUM(sh.booked), 0), s.second_booked FROM slots s"
        " LEFT JOIN shares sh ON sh.slot_id = s.id WHERE s.clinic_id = ? AND s.day >= ?"
        " GROUP BY s.id ORDER BY s.day, s.start, s.vaccine_id",
        (clinic_id, since.isoformat()),
    ).fetchall()
    return [
        SlotLoad(Slot(i, c, date.fromisoformat(d), time.fromisoformat(s), time.fromisoformat(e), v, f, n),
                 booked, second_booked)
        for i, c, d, s, e, v, f, n, booked, second_booked in rows
    ]
