"""An embedded ledger file written by an older vaxbook gains the columns added since, when opened."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from vaxbook.adapters.sqlite.ledger import SqliteLedger


async def test_an_older_verifications_table_gains_its_reference_and_replays(tmp_path: Path) -> None:
    """A file whose `verifications` lacks `reference` gets it on open; its old row replays no
    retry (no reference recorded), and a new verification after the hold records one that does."""
    path = tmp_path / "ledger.db"
    with sqlite3.connect(path) as old:
        old.execute("CREATE TABLE verifications (person_key TEXT PRIMARY KEY, device TEXT NOT NULL,"
                    " verified_at REAL NOT NULL) WITHOUT ROWID")
        old.execute("INSERT INTO verifications VALUES ('p', 'phone', 1000.0)")
    old.close()
    ledger = SqliteLedger(path)
    await ledger.open()
    try:
        held = await ledger.claim_verification("p", "phone", 1100.0, 600, reference="r1")
        assert not held.ok and held.retry_after == 500.0
        assert (await ledger.claim_verification("p", "phone", 1600.0, 600, reference="r1")).ok
        assert (await ledger.claim_verification("p", "phone", 1610.0, 600, reference="r1")).ok
    finally:
        await ledger.close()
