"""The daily allocation digests on every backend: a hash chain, append-only, tampering found by day."""

from __future__ import annotations

import hashlib
import sqlite3
from datetime import date

import asyncpg
import pytest

from tests.conftest import Running
from tests.journey import add_clinic_with_slot
from vaxbook.domain.figures import GENESIS, DigestOutOfOrder

DAYS = (date(2021, 8, 13), date(2021, 8, 14), date(2021, 8, 15))


async def _execute(running: Running, sql: str) -> None:
    """Run SQL on the ledger's database behind the app's back, as an intruder with its password would."""
    url = running.container.settings.database_url
    if url.startswith("sqlite:///"):
        db = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
        try:
            db.executescript(sql)
        finally:
            db.close()
    else:
        connection = await asyncpg.connect(url)
        try:
            await connection.execute(sql)
        finally:
            await connection.close()


async def _three_days(running: Running) -> None:
    await add_clinic_with_slot(running.container.clinics)
    for day in DAYS:
        await running.container.figures.make_digest(day)


async def test_each_digest_carries_the_previous_hash(running: Running) -> None:
    """The first digest chains onto the genesis hash, every later one onto the hash of the one before."""
    await _three_days(running)
    heads = (await running.client.get("/api/figures")).json()["digests"]
    assert [h["day"] for h in heads] == [d.isoformat() for d in DAYS]
    assert heads[0]["previous_sha256"] == GENESIS
    assert [h["previous_sha256"] for h in heads[1:]] == [h["sha256"] for h in heads[:-1]]
    assert await running.container.figures.verify_digests() == (3, None)


async def test_a_published_digest_can_be_checked_by_anyone(running: Running) -> None:
    """/api/figures/digests/DAY gives the exact text hashed: SHA-256(previous, newline, body) is its hash."""
    await _three_days(running)
    answer = await running.client.get("/api/figures/digests/2021-08-14")
    assert answer.status_code == 200 and answer.headers["cache-control"] == "public, max-age=86400"
    digest = answer.json()
    recomputed = hashlib.sha256(f"{digest['previous_sha256']}\n{digest['body']}".encode()).hexdigest()
    assert recomputed == digest["sha256"]
    assert '"offered"' in digest["body"] and '"서울특별시"' not in digest["body"]  # ASCII escapes
    missing = await running.client.get("/api/figures/digests/2021-07-01")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"


async def test_digests_only_go_forward(running: Running) -> None:
    """A digest for a day at or before the newest one is refused."""
    await _three_days(running)
    with pytest.raises(DigestOutOfOrder):
        await running.container.figures.make_digest(DAYS[1])


async def test_the_ledger_refuses_to_change_a_digest(running: Running) -> None:
    """UPDATE and DELETE of a stored digest are refused by the database itself."""
    await _three_days(running)
    for sql in ("UPDATE allocation_digests SET body = 'x'", "DELETE FROM allocation_digests"):
        with pytest.raises((sqlite3.DatabaseError, asyncpg.PostgresError), match="append-only"):
            await _execute(running, sql)
    assert await running.container.figures.verify_digests() == (3, None)


async def test_verify_names_the_day_whose_digest_was_tampered_with(running: Running) -> None:
    """With the guard removed, a changed count in one day's digest breaks the chain at that day."""
    await _three_days(running)
    drop = ("DROP TRIGGER allocation_digests_no_update;"
            if running.container.settings.database_url.startswith("sqlite")
            else "DROP TRIGGER allocation_digests_no_change ON allocation_digests;")
    await _execute(running, drop + " UPDATE allocation_digests SET body = replace(body, ',10,0]', ',12,0]')"
                            " WHERE day = '2021-08-14';")
    count, broken = await running.container.figures.verify_digests()
    assert count == 3 and broken is not None
    assert broken.day == DAYS[1] and "content" in broken.reason
