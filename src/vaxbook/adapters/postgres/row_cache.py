"""This worker's copy of clinic and slot rows: what a booking's answer needs, without a read.

Clinic and slot rows do not change once created (their counters live in other columns), so
a booking checks its slot and builds its answer from memory, and its one round trip is the
booking itself (issue 9). The copy is filled when the ledger opens (the slots still to come,
soonest first, up to WARM_SLOTS), by every browse of a clinic's slots and by new slots; a
miss costs one read. An import clears it (docs/operations.md: other workers see an import's
changed capacities after a restart).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from cachetools import LRUCache

from vaxbook.adapters.postgres.bookings import SLOT_COLUMNS, slot_from
from vaxbook.domain.booking import Clinic, Slot

CLINICS = 50_000  # every contracted clinic of the 2021 campaign (about 16,000), with room
SLOTS = 200_000
# Warmed at start: about 30 MB per worker. A national campaign has more slots; those past
# the soonest WARM_SLOTS are read once per worker, when first browsed or booked.
WARM_SLOTS = 100_000


class RowCache:
    def __init__(self) -> None:
        self.clinics: LRUCache[str, Clinic] = LRUCache(maxsize=CLINICS)
        self.slots: LRUCache[int, Slot] = LRUCache(maxsize=SLOTS)

    async def warm(self, db: Any) -> None:
        """The clinics and the first-dose slots from yesterday on (a booking's first look)."""
        for row in await db.fetch("SELECT id, name, sido, sigungu, address FROM clinics LIMIT $1", CLINICS):
            self.clinics[row[0]] = Clinic(*row)
        self.keep(slot_from(row) for row in await db.fetch(
            f"SELECT {SLOT_COLUMNS} FROM slots WHERE first_capacity > 0 AND day >= current_date - 1"
            " ORDER BY day, start LIMIT $1", WARM_SLOTS,
        ))

    def keep(self, slots: Iterable[Slot]) -> None:
        self.slots.update((slot.id, slot) for slot in slots)

    def clear(self) -> None:
        self.clinics.clear()
        self.slots.clear()
