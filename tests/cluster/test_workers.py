"""Cluster mode only (the embedded mode is one process): many `vaxbook serve` workers on shared state."""

from __future__ import annotations

import asyncio
import os
import random
import secrets
import signal
from collections import Counter
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import httpx
import pytest

from tests import backends
from tests.cluster.served import (
    Cluster,
    Served,
    add_slots,
    drop_cluster,
    ledger_invariants,
    new_cluster,
    serve,
    stored_ids,
)
from tests.journey import Person, book, join, person_number, status, verify


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """One database and key prefix for this module; each test uses clinics of its own."""
    made = backends.run(new_cluster(tmp_path_factory.mktemp("cluster")))
    yield made
    backends.run(drop_cluster(made))


@pytest.fixture(scope="module")
def two_workers(cluster: Cluster) -> Iterator[Served]:
    """`vaxbook serve --workers 2`, started once for the module, with a secret it made itself."""
    with serve(cluster, cluster.workdir, workers=2, secret_file=True) as served:
        yield served


def open_group_person(cluster: Cluster, serial: int) -> Person:
    day = cluster.campaign.open_group or 10
    return Person(person_number(date(1980 + serial % 20, 1 + serial % 12, day), serial), f"device-{serial}")


async def attempt(
    client: httpx.AsyncClient, cluster: Cluster, person: str, slot_id: int
) -> httpx.Response | None:
    """One booking with a signed pass; None when the connection broke (no answer, so not confirmed)."""
    device = f"d-{person}"
    try:
        return await client.post(
            "/api/bookings", json={"slot_id": slot_id},
            headers={"Authorization": f"Bearer {cluster.admission_pass(person, device)}",
                     "X-Device-Id": device, "Idempotency-Key": secrets.token_hex(8)},
        )
    except httpx.TransportError:
        return None


async def test_a_device_and_a_place_are_the_same_on_every_worker(cluster: Cluster, tmp_path: Path) -> None:
    """Bound to a device on worker 1, a person is refused on worker 2; a place taken on 1 is the same on 2.

    Two single-worker servers on the same PostgreSQL and Redis, so each step goes to a known worker.
    """
    await add_slots(cluster, count=1, share=5, clinic_id="D1", sigungu="중구")
    with serve(cluster, tmp_path) as one, serve(cluster, tmp_path) as two:
        async with (
            httpx.AsyncClient(base_url=one.url) as first, httpx.AsyncClient(base_url=two.url) as second
        ):
            person = open_group_person(cluster, 1)
            assert (await verify(first, person)).status_code == 200
            intruder = Person(person.number, "another-device")
            refused = await verify(second, intruder)
            assert refused.status_code == 409 and refused.json()["code"] == "device_bound_elsewhere"
            place = (await join(first, person))["number"]
            again = await second.post("/api/line/join", headers=person.bearer(person.identity))
            assert again.status_code == 200 and again.json()["number"] == place
            assert (await status(second, person))["number"] == place


async def test_the_whole_journey_on_two_workers(cluster: Cluster, two_workers: Served) -> None:
    """Verify, wait, browse, book, view and cancel through `serve --workers 2`, each step on any worker.

    The workers share a secret the command made on its own, so any of them reads any ticket.
    """
    await add_slots(cluster, count=1, share=5, clinic_id="J1", sigungu="용산구")
    person = open_group_person(cluster, 7)
    no_keepalive = httpx.Limits(max_keepalive_connections=0)  # each request may reach either worker
    async with httpx.AsyncClient(base_url=two_workers.url, limits=no_keepalive) as client:
        assert (await verify(client, person)).status_code == 200
        await join(client, person)
        assert (await status(client, person))["state"] == "admitted"
        by_pass = person.bearer(person.admission)
        provinces = (await client.get("/api/regions", headers=by_pass)).json()["provinces"]
        assert [p["name"] for p in provinces] == ["서울특별시"]
        districts = (await client.get("/api/regions/서울특별시/districts", headers=by_pass)).json()
        assert {"name": "용산구", "free": 5} in districts["districts"]
        clinics = (await client.get("/api/clinics", params={"sido": "서울특별시", "sigungu": "용산구"},
                                    headers=by_pass)).json()["clinics"]
        assert [c["id"] for c in clinics] == ["J1"]
        slots = (await client.get("/api/clinics/J1/slots", headers=by_pass)).json()["slots"]
        booked = await book(client, person, slots[0]["id"])
        assert booked.status_code == 201, booked.text
        mine = await client.get("/api/bookings/me", headers=person.bearer(person.identity))
        assert mine.json()["id"] == booked.json()["id"]
        cancelled = await client.delete("/api/bookings/me", headers=person.bearer(person.identity))
        assert cancelled.status_code == 200, cancelled.text
    assert await ledger_invariants(cluster, "J1") == {"mismatched": 0, "doubled": 0, "active": 0}


async def test_500_concurrent_bookings_on_two_workers(cluster: Cluster, two_workers: Served) -> None:
    """500 simultaneous bookings for 15 places on 2 workers: 15 bookings, no double booking, all stored."""
    slots = await add_slots(cluster, count=3, share=5, clinic_id="B1", sigungu="마포구")
    rng = random.Random(2021)
    people = [f"person-{i}" for i in range(450)]
    requests = [(p, rng.choice(slots)) for p in people] + [(p, rng.choice(slots)) for p in people[:50]]
    rng.shuffle(requests)
    assert len(two_workers.workers()) == 2
    limits = httpx.Limits(max_connections=500, max_keepalive_connections=500)
    async with httpx.AsyncClient(base_url=two_workers.url, limits=limits, timeout=60) as client:
        answers = await asyncio.gather(*(attempt(client, cluster, p, s) for p, s in requests))
    assert all(a is not None for a in answers)
    outcomes = Counter(a.status_code for a in answers if a is not None)
    assert outcomes[201] == 15 and outcomes[201] + outcomes[409] == 500, outcomes
    confirmed = {a.json()["id"] for a in answers if a is not None and a.status_code == 201}
    assert confirmed == await stored_ids(cluster, "B1")
    assert await ledger_invariants(cluster, "B1") == {"mismatched": 0, "doubled": 0, "active": 15}


# Last in the module: it kills one of the shared server's workers.
async def test_a_worker_killed_mid_burst_loses_no_confirmed_booking(
    cluster: Cluster, two_workers: Served
) -> None:
    """kill -9 of one of two workers during a burst: every 2xx booking is in PostgreSQL, counts exact."""
    slots = await add_slots(cluster, count=4, share=100, clinic_id="K1", sigungu="성동구")
    victim = two_workers.workers()[0]
    limits = httpx.Limits(max_connections=300, max_keepalive_connections=300)
    async with httpx.AsyncClient(base_url=two_workers.url, limits=limits, timeout=60) as client:
        burst = asyncio.gather(*(attempt(client, cluster, f"p{i}", slots[i % 4]) for i in range(300)))
        await asyncio.sleep(0.15)
        os.kill(victim, signal.SIGKILL)
        answers = await burst
    confirmed = {a.json()["id"] for a in answers if a is not None and a.status_code == 201}
    assert confirmed and None in answers, "the kill fell in the middle of the burst"
    assert confirmed <= await stored_ids(cluster, "K1")
    invariants = await ledger_invariants(cluster, "K1")
    assert invariants["mismatched"] == 0 and invariants["doubled"] == 0
