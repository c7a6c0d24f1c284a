"""The ledger's durable copy of what the gate must not forget: places in lines, last verifications."""

from __future__ import annotations

from typing import Any

from vaxbook.ports import VerificationOutcome


async def hold_place(db: Any, line_id: str, person_key: str, number: int) -> int:
    # DO UPDATE (to the same value) rather than DO NOTHING: it locks and returns the row a
    # concurrent join of the same person committed, which a second SELECT might not see.
    return int(await db.fetchval(
        "INSERT INTO line_places (line_id, person_key, number) VALUES ($1, $2, $3)"
        " ON CONFLICT (line_id, person_key) DO UPDATE SET number = line_places.number"
        " RETURNING number",
        line_id, person_key, number,
    ))


async def move_place(db: Any, line_id: str, person_key: str, number: int) -> None:
    # Places only move back; a stale worker's smaller number never wins.
    await db.execute(
        "INSERT INTO line_places AS p (line_id, person_key, number) VALUES ($1, $2, $3)"
        " ON CONFLICT (line_id, person_key) DO UPDATE SET number = GREATEST(p.number, EXCLUDED.number)",
        line_id, person_key, number,
    )


async def claim_verification(
    db: Any, person_key: str, device_id: str, now: float, hold_seconds: int, reference: str
) -> VerificationOutcome:
    """The gate's claim_verification rule (see claim_verification.lua), on the durable record.

    One upsert decides, so two devices verifying the same person at once cannot both win: the
    second waits for the first's row lock and then finds it recent. The same verification
    retried (same device and reference) finds its own row and is ok, changing nothing.
    """
    claimed = await db.fetchval(
        "INSERT INTO verifications AS v (person_key, device, verified_at, reference)"
        " VALUES ($1, $2, $3, $5)"
        " ON CONFLICT (person_key) DO UPDATE SET device = EXCLUDED.device,"
        " verified_at = EXCLUDED.verified_at, reference = EXCLUDED.reference"
        " WHERE v.verified_at + $4 <= EXCLUDED.verified_at"
        " RETURNING true",
        person_key, device_id, now, float(hold_seconds), reference,
    )
    if claimed:
        return VerificationOutcome(ok=True)
    row = await db.fetchrow(
        "SELECT device, verified_at, reference FROM verifications WHERE person_key = $1", person_key
    )
    until = float(row["verified_at"] + hold_seconds)
    if row["device"] != device_id:
        return VerificationOutcome(ok=False, device_bound_until=until)
    if row["reference"] == reference:
        return VerificationOutcome(ok=True)
    return VerificationOutcome(ok=False, retry_after=until - now)
