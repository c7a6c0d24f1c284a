"""Cluster mode on a real Redis Cluster: the URL scheme, the wiring, and a primary failed over to a
replica that missed its last writes (the gate's contract suite runs on the cluster too:
tests/contract/test_gate.py, `redis-cluster`)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cluster.outages import CLUSTER
from tests.cluster.test_faults import first_slot, ledger_counts, line_of_five, people
from tests.conftest import ManualClock
from tests.journey import add_clinic_with_slot, app_with, book, join, status, verify
from vaxbook.adapters.redis import gate as redis_gate
from vaxbook.adapters.redis.clients import parse_cluster_url
from vaxbook.adapters.redis.gate import RedisGate
from vaxbook.bootstrap import build_gate
from vaxbook.config import Settings
from vaxbook_bench.redis_cluster import RedisCluster, available

pytestmark = pytest.mark.skipif(not available(), reason="redis-server and redis-cli are not installed")


def test_a_cluster_url_names_every_start_node_credentials_and_tls() -> None:
    """`rediss+cluster://user:pw@a:1,b:2` gives both nodes, the credentials and TLS; a db is refused."""
    address = parse_cluster_url("rediss+cluster://gate:s%40cret@10.0.0.1:7000,redis-2.internal:7001")
    assert address.nodes == (("10.0.0.1", 7000), ("redis-2.internal", 7001))
    assert (address.username, address.password, address.tls) == ("gate", "s@cret", True)
    assert not parse_cluster_url("redis+cluster://127.0.0.1:7000").tls
    with pytest.raises(ValueError, match="database 0"):
        parse_cluster_url("redis+cluster://127.0.0.1:7000/3")
    with pytest.raises(ValueError, match="host:port"):
        parse_cluster_url("redis+cluster://127.0.0.1")


async def test_the_scheme_chooses_the_cluster_client(redis_cluster: str, tmp_path: Path) -> None:
    """VAXBOOK_REDIS_URL=redis+cluster://... builds the one RedisGate on redis-py's cluster client,
    which finds all three primaries from the nodes it is given."""
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'ledger.db'}", redis_url=redis_cluster,
                        redis_prefix="vaxbook-test:wiring:")
    gate = build_gate(settings)
    assert isinstance(gate, RedisGate)
    await gate.open()
    try:
        client = gate._redis  # which client the scheme chose is the point of the test
        assert type(client).__name__ == "RedisCluster"
        assert len(client.get_primaries()) == 3
        await gate.ping()
    finally:
        await gate.close()


@pytest.fixture
def replicated_cluster(tmp_path: Path) -> Iterator[RedisCluster]:
    """A private cluster of three primaries with a replica each, for this test alone (it breaks one)."""
    made = RedisCluster(tmp_path / "redis-cluster", masters=3, replicas=1, node_timeout_ms=1000)
    made.start()
    yield made
    made.stop()


@CLUSTER
async def test_the_lines_primary_failed_over_to_an_empty_replica_loses_no_place_admission_or_booking(
    settings: Settings, clock: ManualClock, replicated_cluster: RedisCluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The line's primary is killed and its replica, promoted, holds none of its data (the most a lagging
    replica can miss): a fresh worker, which saw nothing, still gives everyone in line their number,
    keeps the admitted admitted and every booking, and numbers a newcomer after them all."""
    monkeypatch.setattr(redis_gate, "CHECKPOINT_SECONDS", 0.0)  # checkpoint on every read, for the test
    cluster = replicated_cluster
    changes = dict(redis_url=cluster.url, admission_rate=1.0)
    async with app_with(settings, clock, **changes) as (container, one):
        await add_clinic_with_slot(container.clinics)
        crowd = await line_of_five(one, clock)  # places 1..5; 1 and 2 admitted
        later = people(8)[5:]
        for person in later:
            assert (await verify(one, person)).status_code == 200
            line = (await join(one, person))["line"]
        clock.advance(seconds=1)
        assert (await status(one, crowd[2]))["state"] == "admitted"
        for person in crowd[:2]:
            assert (await book(one, person, await first_slot(one, person))).status_code == 201

        primary = cluster.primary_for(f"{settings.redis_prefix}line:{{{line}}}")
        replica = cluster.replica_of(primary)
        cluster.kill(primary)
        cluster.wait_promoted(replica)
        with replica.client() as promoted:
            promoted.flushall()  # the replica had nothing: every line key and every person on it is gone

    async with app_with(settings, clock, **changes) as (_, two):  # a worker that saw nothing
        waiting = [*crowd[2:], *later]
        for number, person in enumerate(waiting, 3):
            assert (await status(two, person))["number"] == number
        assert (await status(two, crowd[2]))["state"] == "admitted"
        for number, person in enumerate(waiting, 3):  # joining again finds the same place
            again = await two.post("/api/line/join", headers=person.bearer(person.identity))
            assert again.status_code == 200 and again.json()["number"] == number
        (newcomer,) = people(9)[8:]
        assert (await verify(two, newcomer)).status_code == 200
        assert (await join(two, newcomer))["number"] == 9
        for person in crowd[:2]:
            mine = await two.get("/api/bookings/me", headers=person.bearer(person.identity))
            assert mine.status_code == 200, mine.text
    assert await ledger_counts(settings.database_url) == (2, 2)


def _tags_on_the_node_of(gate: RedisGate, key: str, kind: str, count: int) -> list[str]:
    """`count` hash tags whose `kind` keys (person, limit) the cluster keeps on the node of `key`."""
    client = gate._redis  # which node holds a key is the point of the tests using this
    node = client.get_node_from_key(key)
    tags = (f"t{i}" for i in itertools.count())
    return list(itertools.islice(
        (tag for tag in tags if client.get_node_from_key(f"{gate._prefix}{kind}:{{{tag}}}") == node), count
    ))


async def test_a_call_sending_its_commands_at_once_to_one_node_has_connections(redis_cluster: str) -> None:
    """With one permit, a write whose device and pass live on one node, and six limits all on one
    node, go out without the cluster client running out of connections (a flaky
    MaxConnectionsError under load before each node had connections for every command a call
    sends at once, and a call sends no more than that at once)."""
    gate = RedisGate(redis_cluster, prefix="vaxbook-test:at-once:", pool_size=1)
    await gate.open()
    try:
        (person,) = _tags_on_the_node_of(gate, gate._line("L"), "person", 1)
        assert await gate.spend_for_write("L", person, "d1", 1, "k1", 1.0e9) == "spent"
        limits = _tags_on_the_node_of(gate, gate._line("L"), "limit", 6)
        assert await gate.hits([(tag, 5, 60.0) for tag in limits], 1.0e9) == [None] * 6
    finally:
        await gate.close()
