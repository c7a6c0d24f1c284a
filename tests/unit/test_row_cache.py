"""The PostgreSQL ledger's per-worker slot rows (adapters/postgres/row_cache.py), bounded in memory."""

from __future__ import annotations

from datetime import date, time

from vaxbook.adapters.postgres.row_cache import SLOTS, RowCache
from vaxbook.domain.booking import Slot


def slot(slot_id: int) -> Slot:
    return Slot(slot_id, "C1", date(2021, 8, 20), time(9), time(10), "pfizer", 5, 0)


def test_past_its_bound_the_oldest_slot_rows_are_dropped() -> None:
    """Keeping more than SLOTS rows drops the ones kept first, and a list's rows are found as kept."""
    rows = RowCache()
    rows.keep(slot(i) for i in range(SLOTS + 3))
    assert len(rows.slots) == SLOTS
    assert [i in rows.slots for i in (0, 2, 3, SLOTS + 2)] == [False, False, True, True]
    held, missing = rows.held([(3, time(10), 5, 0), (1, time(10), 5, 0), (4, time(10, 30), 5, 0)])
    assert (held, missing) == ([rows.slots[3], None, None], [1, 4])
