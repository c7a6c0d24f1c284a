"""The audit trail is append-only in the database itself, on both ledgers."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import asyncpg
import pytest

from tests.conftest import Running
from vaxbook.domain.operators import AuditEntry


async def test_the_database_refuses_to_update_or_delete_an_audit_row(running: Running) -> None:
    """UPDATE and DELETE on the audit table fail whoever sends them; the row stays as written."""
    ledger = running.container.ledger
    await ledger.record_audit(AuditEntry(datetime(2021, 8, 13, 11, 5, tzinfo=UTC), "alice", "line.pause",
                                         "line:x", {"paused": False}, {"paused": True}))
    url = running.container.settings.database_url
    if url.startswith("sqlite:///"):
        db = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
        for statement in ("UPDATE audit SET operator = 'mallory'", "DELETE FROM audit"):
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                db.execute(statement)
        db.close()
    else:
        connection = await asyncpg.connect(url)
        try:
            for statement in ("UPDATE audit SET operator = 'mallory'", "DELETE FROM audit"):
                with pytest.raises(asyncpg.exceptions.InsufficientPrivilegeError, match="append-only"):
                    await connection.execute(statement)
        finally:
            await connection.close()
    (entry,) = await ledger.audit_log(5)
    assert (entry.operator, entry.action, entry.before, entry.after) == (
        "alice", "line.pause", {"paused": False}, {"paused": True})
    assert entry.at == datetime(2021, 8, 13, 11, 5, tzinfo=UTC)
