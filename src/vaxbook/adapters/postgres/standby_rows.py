"""Standby and offers inside the cluster ledger's transactions (docs/notifications.md).

A held place is counted in its share's `booked`, under the same CHECK as a booking. The
longest-waiting candidate is locked with FOR UPDATE SKIP LOCKED, and an offer sets the
candidate's `offer_id`: two transactions freeing places at once never offer to one person
(the second skips the row the first locked, or re-checks it after the first committed).
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from vaxbook.adapters.postgres.notices import write_notices
from vaxbook.domain.booking import Clinic, Slot
from vaxbook.domain.notices import Notice, NoticeKind
from vaxbook.domain.standby import Holds, Offer, OfferState

_CANDIDATE = (
    "SELECT st.person_key FROM standby st WHERE st.offer_id IS NULL AND st.until > $1"
    " AND EXISTS (SELECT 1 FROM standby_districts d WHERE d.person_key = st.person_key"
    " AND d.sido = $2 AND d.sigungu = $3)"
    " AND NOT EXISTS (SELECT 1 FROM bookings b WHERE b.person_key = st.person_key"
    " AND b.cancelled_at IS NULL)"
)
_LOCK_FIRST = " ORDER BY st.seq LIMIT 1 FOR UPDATE OF st SKIP LOCKED"
_OFFER = (
    "SELECT o.id, o.person_key, o.share_group, o.leftover, o.created_at, o.expires_at, o.state,"
    ' s.id, s.clinic_id, s.day, s.start, s."end", s.vaccine_id, s.first_capacity, s.second_capacity,'
    " c.id, c.name, c.sido, c.sigungu, c.address"
    " FROM offers o JOIN slots s ON s.id = o.slot_id JOIN clinics c ON c.id = s.clinic_id WHERE "
)


def new_offer_id() -> str:
    return "OF" + secrets.token_hex(6).upper()


async def _region(db: Any, slot_id: int) -> tuple[str, str]:
    row = await db.fetchrow("SELECT c.sido, c.sigungu FROM slots s JOIN clinics c ON c.id = s.clinic_id"
                            " WHERE s.id = $1", slot_id)
    return str(row[0]), str(row[1])


async def _make_offer(
    db: Any, person: str, slot_id: int, grp: int, now: datetime, holds: Holds, leftover: bool
) -> str:
    offer_id = new_offer_id()
    await db.execute(
        "INSERT INTO offers (id, person_key, slot_id, share_group, leftover, created_at, expires_at,"
        " state) VALUES ($1, $2, $3, $4, $5, $6, $7, 'open')",
        offer_id, person, slot_id, grp, leftover, now, now + holds.of(leftover),
    )
    await db.execute("UPDATE standby SET offer_id = $1 WHERE person_key = $2", offer_id, person)
    await write_notices(db, person, (Notice(NoticeKind.OFFER, now),), offer_id=offer_id, at=now)
    return offer_id


async def offer_freed(db: Any, slot_id: int, grp: int, now: datetime, holds: Holds) -> str | None:
    """A first-dose place of share `grp` was freed: hold it for the longest-waiting person who may
    take it (their window's share rule), in this transaction. The offer's id, or None."""
    sido, sigungu = await _region(db, slot_id)
    person = await db.fetchval(_CANDIDATE + " AND (st.any_share OR st.grp = $4)" + _LOCK_FIRST,
                               now, sido, sigungu, grp)
    if person is None:
        return None
    taken = await db.fetchval("UPDATE shares SET booked = booked + 1 WHERE slot_id = $1 AND grp = $2"
                              " AND booked < capacity RETURNING grp", slot_id, grp)
    return await _make_offer(db, person, slot_id, grp, now, holds, False) if taken is not None else None


async def offer_free_places(db: Any, slot_id: int, now: datetime, holds: Holds) -> int:
    """Offer every free first-dose place of a slot (a clinic added places); the number offered."""
    offered = 0
    for row in await db.fetch("SELECT grp FROM shares WHERE slot_id = $1 AND booked < capacity"
                              " ORDER BY grp FOR NO KEY UPDATE", slot_id):
        while await offer_freed(db, slot_id, row[0], now, holds) is not None:
            offered += 1
    return offered


async def offer_leftovers(db: Any, slot_id: int, now: datetime, holds: Holds) -> int:
    """Offer a slot's pooled leftover doses to the district's standby, in order; the number offered."""
    sido, sigungu = await _region(db, slot_id)
    offered = 0
    while True:
        grp = await db.fetchval("SELECT grp FROM leftover_pool WHERE slot_id = $1 AND pooled > 0"
                                " ORDER BY grp LIMIT 1 FOR NO KEY UPDATE", slot_id)
        if grp is None:
            return offered
        person = await db.fetchval(_CANDIDATE + _LOCK_FIRST, now, sido, sigungu)
        if person is None:
            return offered
        await db.execute("UPDATE leftover_pool SET pooled = pooled - 1 WHERE slot_id = $1 AND grp = $2",
                         slot_id, grp)
        await _make_offer(db, person, slot_id, grp, now, holds, True)
        offered += 1


async def close_offer(db: Any, offer_id: str, state: OfferState, now: datetime, holds: Holds) -> None:
    """End an open offer (declined or lapsed; locked by the caller): the person leaves standby,
    the place goes on to the next."""
    row = await db.fetchrow("UPDATE offers SET state = $2 WHERE id = $1"
                            " RETURNING person_key, slot_id, share_group, leftover", offer_id, state.value)
    person, slot_id, grp, leftover = row
    await db.execute("DELETE FROM standby WHERE person_key = $1", person)
    if leftover:
        await db.execute("UPDATE leftover_pool SET pooled = pooled + 1 WHERE slot_id = $1 AND grp = $2",
                         slot_id, grp)
        await offer_leftovers(db, slot_id, now, holds)
    else:
        await db.execute("UPDATE shares SET booked = booked - 1 WHERE slot_id = $1 AND grp = $2",
                         slot_id, grp)
        await offer_freed(db, slot_id, grp, now, holds)


async def lapse_due(db: Any, now: datetime, holds: Holds) -> int:
    """Move every offer whose hold ran out on to the next person; drop standby entries whose
    window closed. Offers another transaction is closing are skipped. The number lapsed."""
    due = [row[0] for row in await db.fetch(
        "SELECT id FROM offers WHERE state = 'open' AND expires_at <= $1 ORDER BY expires_at, id"
        " FOR UPDATE SKIP LOCKED", now)]
    for offer_id in due:
        await close_offer(db, offer_id, OfferState.LAPSED, now, holds)
    await db.execute("DELETE FROM standby WHERE until <= $1 AND offer_id IS NULL", now)
    return len(due)


async def load_offer(db: Any, where: str, *args: Any) -> Offer | None:
    row = await db.fetchrow(_OFFER + where, *args)
    if row is None:
        return None
    return Offer(
        id=row[0], person_key=row[1], share_group=row[2], leftover=row[3], created_at=row[4],
        expires_at=row[5], state=OfferState(row[6]), slot=Slot(*row[7:15]), clinic=Clinic(*row[15:20]),
    )
