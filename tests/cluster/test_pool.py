"""PostgreSQL only: a burst waits for a pooled connection (bounded), and /readyz tells busy from down."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.cluster.outages import CLUSTER, TcpProxy, through
from tests.conftest import ManualClock
from tests.journey import app_with
from vaxbook.adapters.postgres.ledger import PostgresLedger
from vaxbook.config import Settings
from vaxbook.ports import BackendBusy


@pytest.fixture
async def small_pool(cluster_database: str, request: pytest.FixtureRequest) -> AsyncIterator[PostgresLedger]:
    """A ledger with 2 connections and the pool wait the test asks for (its param)."""
    ledger = PostgresLedger(cluster_database, pool_size=2, pool_wait_seconds=request.param)
    await ledger.open()
    yield ledger
    await ledger.close()


async def slow_work(db: Any) -> None:
    await db.execute("SELECT pg_sleep(0.1)")


@pytest.mark.parametrize("small_pool", [10.0], indirect=True)
async def test_a_burst_queues_for_connections_instead_of_failing(small_pool: PostgresLedger) -> None:
    """30 transactions of 0.1 s at once on 2 connections all succeed: each waits its turn (1.5 s)."""
    results = await asyncio.gather(*(small_pool.transaction(slow_work) for _ in range(30)),
                                   return_exceptions=True)
    assert [r for r in results if r is not None] == []


@pytest.mark.parametrize("small_pool", [0.25], indirect=True)
async def test_a_wait_past_the_bound_is_busy_not_down(small_pool: PostgresLedger) -> None:
    """Past `pool_wait_seconds` a request fails as BackendBusy (a 503 with Retry-After), and the
    ledger's ping says busy while work is still finishing."""
    results = await asyncio.gather(*(small_pool.transaction(slow_work) for _ in range(30)),
                                   return_exceptions=True)
    failures = [r for r in results if r is not None]
    assert failures and all(isinstance(f, BackendBusy) for f in failures)
    held = [asyncio.create_task(small_pool.transaction(slow_work)) for _ in range(4)]
    await asyncio.sleep(0.05)
    with pytest.raises(BackendBusy):
        await small_pool.ping()
    await asyncio.gather(*held, return_exceptions=True)
    await small_pool.ping()


@CLUSTER
async def test_readyz_tells_busy_from_down(settings: Settings, clock: ManualClock, proxy: TcpProxy) -> None:
    """Every connection held by slow work: /readyz 200 "busy" (keep the node); PostgreSQL cut: 503 "down"."""
    async with app_with(settings, clock, database_url=through(settings.database_url, proxy.port),
                        pool_size=1) as (container, client):
        assert (await client.get("/readyz")).json() == {"status": "ready"}
        ledger = container.ledger
        assert isinstance(ledger, PostgresLedger)

        async def hold(db: Any) -> None:
            await db.execute("SELECT pg_sleep(1.5)")

        holding = asyncio.create_task(ledger.transaction(hold))
        await asyncio.sleep(0.3)
        busy = await client.get("/readyz")
        assert busy.status_code == 200 and busy.json() == {"status": "busy", "busy": ["ledger"]}
        await holding
        await proxy.cut()
        down = await client.get("/readyz")
        assert down.status_code == 503 and down.json()["down"] == ["ledger"]
