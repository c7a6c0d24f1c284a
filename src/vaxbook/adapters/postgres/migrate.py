"""Versioned schema migrations: numbered SQL files, applied once each, recorded in the database.

Every worker may run `upgrade` at start-up at the same moment: an advisory lock makes the
others wait, and each migration runs in the same transaction as its version row, so a
migration is either fully applied and recorded, or not at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from typing import Any

# Any fixed number will do; it only has to be the same in every worker.
_LOCK_KEY = 0x7A78_B00C
_FILE_NAME = re.compile(r"^(\d{4})_(\w+)\.sql$")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def available() -> list[Migration]:
    """Every migration shipped with this version of vaxbook, oldest first."""
    folder = resources.files("vaxbook.adapters.postgres").joinpath("migrations")
    found = []
    for entry in folder.iterdir():
        match = _FILE_NAME.match(entry.name)
        if match:
            found.append(Migration(int(match[1]), match[2], entry.read_text(encoding="utf-8")))
    return sorted(found, key=lambda m: m.version)


def latest_version() -> int:
    return available()[-1].version


async def upgrade(connection: Any) -> list[Migration]:
    """Apply the migrations the database lacks; returns those applied (none on a second run)."""
    applied: list[Migration] = []
    async with connection.transaction():
        await connection.execute("SELECT pg_advisory_xact_lock($1)", _LOCK_KEY)
        await connection.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version integer PRIMARY KEY, name text NOT NULL,"
            " applied_at timestamptz NOT NULL DEFAULT now())"
        )
        done = {row[0] for row in await connection.fetch("SELECT version FROM schema_migrations")}
        for migration in available():
            if migration.version in done:
                continue
            await connection.execute(migration.sql)
            await connection.execute(
                "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
                migration.version, migration.name,
            )
            applied.append(migration)
    return applied


async def current_version(connection: Any) -> int:
    """The newest version applied; 0 for an empty database."""
    exists = await connection.fetchval("SELECT to_regclass('schema_migrations') IS NOT NULL")
    if not exists:
        return 0
    return int(await connection.fetchval("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"))
