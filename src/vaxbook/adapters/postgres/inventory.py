"""Loading and dumping clinics and slots in bulk: COPY into a temporary table, then set-based SQL.

The caller runs each import in one transaction and commits, or rolls back on a refusal or
a dry run, so a file is loaded whole or not at all.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

from vaxbook.domain.csv_text import RowError
from vaxbook.domain.inventory import resplit_quota, slot_number_of
from vaxbook.domain.inventory_rows import ClinicRecord, ImportSummary, Numbered, SlotRecord

GROUPS = 10
BATCH = 10_000
_CLINIC_FIELDS = ("name", "sido", "sigungu", "address", "phone")
_CLINIC_CHANGED = " OR ".join(f"c.{f} IS DISTINCT FROM i.{f}" for f in _CLINIC_FIELDS)
_SAME_SLOT = ("s.clinic_id = i.clinic_id AND s.day = i.day AND s.start = i.start"
              " AND s.vaccine_id = i.vaccine_id")


async def import_clinics(db: Any, rows: Sequence[Numbered[ClinicRecord]], dry_run: bool) -> ImportSummary:
    """New clinics get no key (an operator issues one); known ones take the file's fields."""
    await db.execute("CREATE TEMP TABLE import_clinics (row integer, id text PRIMARY KEY, name text,"
                     " sido text, sigungu text, address text, phone text) ON COMMIT DROP")
    await db.copy_records_to_table("import_clinics", records=[
        (n.row, r.clinic_id, r.name, r.sido, r.sigungu, r.address, r.phone)
        for n in rows for r in (n.record,)
    ])
    created = await db.fetchval("SELECT count(*) FROM import_clinics i WHERE NOT EXISTS"
                                " (SELECT 1 FROM clinics c WHERE c.id = i.id)")
    changed = await db.fetchval("SELECT count(*) FROM import_clinics i JOIN clinics c ON c.id = i.id"
                                f" WHERE {_CLINIC_CHANGED}")
    if dry_run:
        return ImportSummary(created, changed, len(rows) - created - changed)
    await db.execute(
        "INSERT INTO clinics AS c (id, name, sido, sigungu, address, phone, key_hash)"
        " SELECT id, name, sido, sigungu, address, phone, '' FROM import_clinics"
        " ON CONFLICT (id) DO UPDATE SET "
        + ", ".join(f"{f} = excluded.{f}" for f in _CLINIC_FIELDS)
        + " WHERE " + " OR ".join(f"c.{f} IS DISTINCT FROM excluded.{f}" for f in _CLINIC_FIELDS)
    )
    await db.execute("DROP TABLE import_clinics")
    return ImportSummary(created, changed, len(rows) - created - changed)


async def import_slots(db: Any, rows: Sequence[Numbered[SlotRecord]], dry_run: bool) -> ImportSummary:
    """New slots are split among the groups; a changed capacity is re-split, never below booked."""
    await db.execute(
        "CREATE TEMP TABLE import_slots (row integer, clinic_id text, day date, start time,"
        ' "end" time, vaccine_id text, first integer, second integer, number integer) ON COMMIT DROP'
    )
    await db.copy_records_to_table("import_slots", records=[
        (n.row, r.clinic_id, r.day, r.start, r.end, r.vaccine_id, r.first_capacity, r.second_capacity,
         slot_number_of(r.clinic_id, r.day, r.start, r.vaccine_id) % GROUPS)
        for n in rows for r in (n.record,)
    ])
    await db.execute("ANALYZE import_slots")
    refused = [
        RowError(row, "clinic_id", "unknown_clinic", f"no clinic {clinic_id} (import the clinics first)")
        for row, clinic_id in await db.fetch(
            "SELECT row, clinic_id FROM import_slots i WHERE NOT EXISTS"
            " (SELECT 1 FROM clinics c WHERE c.id = i.clinic_id) ORDER BY row")
    ]
    matched = await db.fetchval(f"SELECT count(*) FROM import_slots i JOIN slots s ON {_SAME_SLOT}")
    # Locked, so no booking takes a place between reading the booked counts and the update.
    changes = await db.fetch(
        'SELECT i.row, s.id, i.first, i.second, i."end", i.number, s.second_booked'
        f" FROM import_slots i JOIN slots s ON {_SAME_SLOT} WHERE s.first_capacity <> i.first"
        ' OR s.second_capacity <> i.second OR s."end" <> i."end" ORDER BY i.row FOR UPDATE OF s'
    )
    refused += await _apply_changes(db, changes)
    if refused:
        return ImportSummary(0, 0, 0, tuple(sorted(refused, key=lambda e: e.row)))
    if dry_run:  # every check is made; the new rows need no writing to be counted
        return ImportSummary(len(rows) - matched, len(changes), matched - len(changes))
    await db.execute(
        "CREATE TEMP TABLE new_slots ON COMMIT DROP AS SELECT nextval(pg_get_serial_sequence("
        "'slots', 'id')) AS id, i.* FROM import_slots i"
        f" WHERE NOT EXISTS (SELECT 1 FROM slots s WHERE {_SAME_SLOT})"
    )
    await db.execute(
        'INSERT INTO slots (id, clinic_id, day, start, "end", vaccine_id, first_capacity, second_capacity)'
        ' OVERRIDING SYSTEM VALUE SELECT id, clinic_id, day, start, "end", vaccine_id, first, second'
        " FROM new_slots"
    )
    # Group g gets capacity / 10, plus one if it is among the `capacity % 10` groups from the
    # slot's number on: the same places split_quota gives.
    await db.execute(
        "INSERT INTO shares (slot_id, grp, capacity) SELECT n.id, g, n.first / 10"
        f" + (((g - n.number + {GROUPS}) % {GROUPS}) < n.first % 10)::integer"
        f" FROM new_slots n CROSS JOIN generate_series(0, {GROUPS - 1}) g"
    )
    await db.execute("DROP TABLE new_slots; DROP TABLE import_slots")
    return ImportSummary(len(rows) - matched, len(changes), matched - len(changes))


async def _apply_changes(db: Any, changes: list[Any]) -> list[RowError]:
    """Re-split each changed slot's first doses over its groups' booked places, or refuse the row."""
    refused: list[RowError] = []
    for start in range(0, len(changes), BATCH):
        batch = changes[start:start + BATCH]
        booked: dict[int, list[int]] = {change[1]: [0] * GROUPS for change in batch}
        for slot_id, group, count in await db.fetch(
            "SELECT slot_id, grp, booked FROM shares WHERE slot_id = ANY($1::bigint[]) FOR UPDATE",
            list(booked),
        ):
            booked[slot_id][group] = count
        slots, shares = [], []
        for row, slot_id, first, second, end, number, second_booked in batch:
            split = resplit_quota(first, number, booked[slot_id], GROUPS)
            if split is None:
                refused.append(below_booked(row, "first_capacity", first, sum(booked[slot_id])))
            if second < second_booked:
                refused.append(below_booked(row, "second_capacity", second, second_booked))
            if split is not None and second >= second_booked:
                slots.append((first, second, end, slot_id))
                shares += [(size, slot_id, group) for group, size in enumerate(split)]
        if not refused:
            await db.executemany('UPDATE slots SET first_capacity = $1, second_capacity = $2, "end" = $3'
                                 " WHERE id = $4", slots)
            await db.executemany("UPDATE shares SET capacity = $1 WHERE slot_id = $2 AND grp = $3", shares)
    return refused


def below_booked(row: int, column: str, capacity: int, booked: int) -> RowError:
    return RowError(row, column, "capacity_below_booked",
                    f"{capacity} is below the {booked} places already booked")


async def export_clinics(db: Any) -> AsyncIterator[list[ClinicRecord]]:
    async for batch in _batches(db, "SELECT id, name, sido, sigungu, address, phone FROM clinics"
                                    ' ORDER BY id COLLATE "C"'):
        yield [ClinicRecord(*row) for row in batch]


async def export_slots(db: Any) -> AsyncIterator[list[SlotRecord]]:
    async for batch in _batches(
        db, 'SELECT clinic_id, day, start, "end", vaccine_id, first_capacity, second_capacity'
            ' FROM slots ORDER BY clinic_id COLLATE "C", day, start, vaccine_id'
    ):
        yield [SlotRecord(*row) for row in batch]


async def _batches(db: Any, query: str) -> AsyncIterator[list[Any]]:
    async with db.transaction():
        cursor = await db.cursor(query)
        while batch := await cursor.fetch(BATCH):
            yield batch
