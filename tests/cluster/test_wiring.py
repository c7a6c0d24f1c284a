"""Cluster mode only: the URL picks the backend, drivers load only when used, pools and caches are set."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.cluster.outages import TcpProxy, through
from tests.cluster.test_faults import first_slot, people
from tests.conftest import CAMPAIGN_2021, ManualClock
from tests.journey import add_clinic_with_slot, admitted, app_with
from vaxbook.adapters.memory.gate import MemoryGate
from vaxbook.adapters.postgres.ledger import PostgresLedger
from vaxbook.adapters.redis.gate import RedisGate
from vaxbook.adapters.sqlite.ledger import SqliteLedger
from vaxbook.bootstrap import build_gate, build_ledger
from vaxbook.config import Settings


@pytest.mark.parametrize(
    ("database_url", "redis_url", "ledger_type", "gate_type"),
    [
        ("sqlite:///var/x.db", None, SqliteLedger, MemoryGate),
        ("postgresql://u@h/db", "redis://h:6379/0", PostgresLedger, RedisGate),
        ("postgres://u@h/db", "rediss://h:6380/0", PostgresLedger, RedisGate),
    ],
)
def test_the_url_scheme_picks_the_backend(
    database_url: str, redis_url: str | None, ledger_type: type, gate_type: type
) -> None:
    """sqlite/postgresql/postgres pick the ledger, redis/rediss (or none) the gate, without connecting."""
    settings = Settings(database_url=database_url, redis_url=redis_url, campaign_file=CAMPAIGN_2021)
    assert isinstance(build_ledger(settings), ledger_type)
    assert isinstance(build_gate(settings), gate_type)


def test_an_unknown_scheme_is_refused() -> None:
    """A ledger URL of an unsupported engine fails with a message naming the supported ones."""
    with pytest.raises(ValueError, match="postgresql"):
        build_ledger(Settings(database_url="mysql://h/db", campaign_file=CAMPAIGN_2021))


def test_the_embedded_mode_never_loads_the_cluster_adapters() -> None:
    """Building the embedded backends imports neither the PostgreSQL nor the Redis adapter."""
    probe = (
        "import sys; from vaxbook.bootstrap import build_gate, build_ledger;"
        "from vaxbook.config import Settings;"
        "s = Settings(database_url='sqlite:///:memory:'); build_ledger(s); build_gate(s);"
        "print(sorted(m for m in sys.modules if m.startswith(('vaxbook.adapters.postgres', "
        "'vaxbook.adapters.redis'))))"
    )
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "[]"


@pytest.mark.parametrize("backend", ["postgres+redis"])
async def test_pool_size_bounds_the_connections_per_worker(settings: Settings) -> None:
    """The pool_size setting is the most PostgreSQL connections one worker opens."""
    ledger = build_ledger(settings.model_copy(update={"pool_size": 3}))
    assert isinstance(ledger, PostgresLedger)
    await ledger.open()
    try:
        assert ledger.max_connections == 3
    finally:
        await ledger.close()


@pytest.mark.parametrize("backend", ["postgres+redis"])
async def test_browsing_is_served_from_the_cache_while_the_ledger_rests(
    settings: Settings, clock: ManualClock
) -> None:
    """Within browse_cache_seconds a repeated clinic and slot list is answered with PostgreSQL cut off."""
    proxy = TcpProxy("127.0.0.1", 5432)
    await proxy.mend()
    try:
        async with app_with(settings, clock, database_url=through(settings.database_url, proxy.port),
                            browse_cache_seconds=60.0) as (container, client):
            await add_clinic_with_slot(container.clinics)
            (person,) = [await admitted(client, p) for p in people(1)]
            by_pass = person.bearer(person.admission)
            where = {"sido": "서울특별시", "sigungu": "종로구"}
            before = (await client.get("/api/clinics", params=where, headers=by_pass)).json()
            slot = await first_slot(client, person)
            await proxy.cut()
            assert (await client.get("/api/clinics", params=where, headers=by_pass)).json() == before
            assert await first_slot(client, person) == slot
    finally:
        await proxy.cut()
