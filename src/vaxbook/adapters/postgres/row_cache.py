"""This worker's copy of clinic and slot rows: what a booking's answer needs, without a read.

Clinic and slot rows do not change once created (their counters live in other columns), so
a booking checks its slot and builds its answer from memory, and its one round trip is the
booking itself (issue 9). The copy is filled when the ledger opens (the slots still to come,
soonest first, up to WARM_SLOTS), by new slots, and by slot lists: a list reads ids and
numbers only and takes its slots from here, reading once those not held or held with columns
an import has changed since; any other miss costs one read. An import clears the importing
worker's copy (docs/operations.md: other workers keep theirs until a list or a restart).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
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
        # A plain dict, the first kept dropped past SLOTS: a slot list looks up every slot it shows
        # (56 in the bench's clinics), and an LRUCache lookup is four Python calls.
        self.slots: dict[int, Slot] = {}

    async def warm(self, db: Any) -> None:
        """The clinics and the first-dose slots from yesterday on (a booking's first look)."""
        for row in await db.fetch("SELECT id, name, sido, sigungu, address FROM clinics LIMIT $1", CLINICS):
            self.clinics[row[0]] = Clinic(*row)
        self.keep(slot_from(row) for row in await db.fetch(
            f"SELECT {SLOT_COLUMNS} FROM slots WHERE first_capacity > 0 AND day >= current_date - 1"
            " ORDER BY day, start LIMIT $1", WARM_SLOTS,
        ))

    def held(self, rows: Sequence[Any]) -> tuple[list[Slot | None], list[int]]:
        """The slot of each (id, end, first_capacity, second_capacity, ...) row as held here, and
        the ids of those to read again: slots not held, or held with columns an import has
        changed since (docs/operations.md), so a list never shows an older row than its read."""
        get = self.slots.get
        found: list[Slot | None] = []
        missing: list[int] = []
        for row in rows:
            slot = get(row[0])
            if slot is None or (slot.end, slot.first_capacity, slot.second_capacity) != row[1:4]:
                slot = None
                missing.append(row[0])
            found.append(slot)
        return found, missing

    def keep(self, slots: Iterable[Slot]) -> None:
        self.slots.update((slot.id, slot) for slot in slots)
        for oldest in list(itertools.islice(self.slots, max(len(self.slots) - SLOTS, 0))):
            del self.slots[oldest]

    def clear(self) -> None:
        self.clinics.clear()
        self.slots.clear()
