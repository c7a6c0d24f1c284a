"""PostgreSQL only: versioned migrations (SQLite creates its schema itself when it opens)."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest
from typer.testing import CliRunner

from tests import backends
from vaxbook.adapters.postgres.ledger import PostgresLedger, SchemaOutdated
from vaxbook.adapters.postgres.migrate import available, current_version, latest_version, upgrade
from vaxbook.cli import app


async def test_upgrade_applies_each_migration_once_and_records_the_version() -> None:
    """A first upgrade applies every migration and records it; a second applies nothing."""
    url = await backends.create_database(migrate=False)
    try:
        connection = await asyncpg.connect(url)
        try:
            assert await current_version(connection) == 0
            assert [m.version for m in await upgrade(connection)] == [m.version for m in available()]
            assert await upgrade(connection) == []
            assert await current_version(connection) == latest_version()
            names = await connection.fetch("SELECT name FROM schema_migrations ORDER BY version")
            assert [r[0] for r in names] == [m.name for m in available()]
        finally:
            await connection.close()
    finally:
        await backends.drop_database(url)


async def test_concurrent_upgrades_at_start_up_apply_once() -> None:
    """Several workers migrating at the same moment wait for each other; each migration runs once."""
    url = await backends.create_database(migrate=False)
    ledgers = [PostgresLedger(url, pool_size=2, migrate_on_start=True) for _ in range(4)]
    try:
        await asyncio.gather(*(ledger.open() for ledger in ledgers))
        connection = await asyncpg.connect(url)
        try:
            count = await connection.fetchval("SELECT count(*) FROM schema_migrations")
            assert count == len(available())
        finally:
            await connection.close()
    finally:
        for ledger in ledgers:
            await ledger.close()
        await backends.drop_database(url)


async def test_a_ledger_refuses_an_unmigrated_database() -> None:
    """Without migrate-on-start, opening an empty database says to run `vaxbook db upgrade`."""
    url = await backends.create_database(migrate=False)
    try:
        with pytest.raises(SchemaOutdated, match="vaxbook db upgrade"):
            await PostgresLedger(url, pool_size=1).open()
    finally:
        await backends.drop_database(url)


def test_db_upgrade_command_is_safe_to_run_twice() -> None:
    """`vaxbook db upgrade` migrates a new database, then reports it current on a second run."""
    url = backends.run(backends.create_database(migrate=False))
    try:
        runner = CliRunner()
        first = runner.invoke(app, ["db", "upgrade", "--database-url", url], env={"COLUMNS": "200"})
        assert first.exit_code == 0, first.output
        assert "applied 0001_initial" in first.output
        second = runner.invoke(app, ["db", "upgrade", "--database-url", url], env={"COLUMNS": "200"})
        assert second.exit_code == 0 and "already current" in second.output
    finally:
        backends.run(backends.drop_database(url))
