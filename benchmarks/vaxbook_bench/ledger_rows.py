"""Read the ledger's rows for the correctness check, straight from the database."""

from __future__ import annotations

import sqlite3
from datetime import date
from urllib.parse import urlparse

import asyncpg

from vaxbook_bench.correctness import BookingRow, LedgerSnapshot, ShareRow, SlotRow

SHARES = "SELECT slot_id, grp, capacity, booked FROM shares"
SLOTS = "SELECT id, clinic_id, day, vaccine_id, second_capacity, second_booked FROM slots"
BOOKINGS = (
    "SELECT id, person_key, birth_date, first_slot_id, share_group, second_slot_id,"
    " cancelled_at IS NULL FROM bookings"
)


def _day(value: object) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _snapshot(
    shares: list[tuple[object, ...]], slots: list[tuple[object, ...]], bookings: list[tuple[object, ...]]
) -> LedgerSnapshot:
    return LedgerSnapshot(
        shares=[ShareRow(int(str(a)), int(str(b)), int(str(c)), int(str(d))) for a, b, c, d in shares],
        slots=[
            SlotRow(int(str(i)), str(c), _day(d), str(v), int(str(sc)), int(str(sb)))
            for i, c, d, v, sc, sb in slots
        ],
        bookings=[
            BookingRow(
                str(i), str(p), _day(b), int(str(f)), int(str(g)), None if s is None else int(str(s)), bool(a)
            )
            for i, p, b, f, g, s, a in bookings
        ],
    )


def sqlite_path(url: str) -> str:
    parsed = urlparse(url)
    return parsed.netloc + parsed.path if parsed.netloc else parsed.path.removeprefix("/")


async def read_snapshot(database_url: str) -> LedgerSnapshot:
    """Every share, slot and booking of the ledger at `database_url`."""
    if database_url.startswith("sqlite:"):
        with sqlite3.connect(sqlite_path(database_url)) as db:
            return _snapshot(
                db.execute(SHARES).fetchall(), db.execute(SLOTS).fetchall(), db.execute(BOOKINGS).fetchall()
            )
    connection = await asyncpg.connect(database_url)
    try:
        rows = [[tuple(r) for r in await connection.fetch(q)] for q in (SHARES, SLOTS, BOOKINGS)]
    finally:
        await connection.close()
    return _snapshot(*rows)
