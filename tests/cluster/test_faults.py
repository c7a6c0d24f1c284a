"""Cluster mode only (the embedded mode has no network to lose): outages of PostgreSQL and Redis."""

from __future__ import annotations

import time
from datetime import date

import asyncpg
import httpx
import pytest

from tests.cluster.outages import CLUSTER, PrivateRedis, TcpProxy, through
from tests.conftest import ManualClock, needs_cluster
from tests.journey import (
    Person,
    add_clinic_with_slot,
    admitted,
    app_with,
    book,
    join,
    person_number,
    start,
    status,
    verify,
)
from vaxbook.adapters.redis import gate as redis_gate
from vaxbook.adapters.redis.gate import RedisGate
from vaxbook.config import Settings
from vaxbook.domain.throttle import Rate
from vaxbook.services.shared_reads import WAIT_SECONDS, SharedReads


def people(count: int) -> list[Person]:
    """People of group 3 (born on the 3rd, 13th or 23rd), each on a device of their own."""
    return [Person(person_number(date(1975 + i, 1 + i % 12, (3, 13, 23)[i % 3]), i + 1), f"dev-{i}")
            for i in range(count)]


async def ledger_counts(url: str) -> tuple[int, int]:
    """(active bookings, first-dose places taken) straight from the database."""
    connection = await asyncpg.connect(url)
    try:
        bookings = await connection.fetchval("SELECT count(*) FROM bookings WHERE cancelled_at IS NULL")
        taken = await connection.fetchval("SELECT COALESCE(sum(booked), 0) FROM shares")
        return int(bookings), int(taken)
    finally:
        await connection.close()


async def first_slot(client: httpx.AsyncClient, person: Person) -> int:
    answer = await client.get("/api/clinics/C1/slots", headers=person.bearer(person.admission))
    return int(answer.json()["slots"][0]["id"])


@CLUSTER
async def test_postgres_unreachable_gives_503_then_resumes(
    settings: Settings, clock: ManualClock, proxy: TcpProxy
) -> None:
    """With PostgreSQL cut off a booking gets 503 + Retry-After and writes nothing; once back, it books."""
    async with app_with(settings, clock, database_url=through(settings.database_url, proxy.port)) as (
        container, client
    ):
        await add_clinic_with_slot(container.clinics)
        first, second = [await admitted(client, p) for p in people(2)]
        slot = await first_slot(client, first)
        assert (await book(client, first, slot)).status_code == 201

        await proxy.cut()
        refused = await book(client, second, slot, key="second")
        assert refused.status_code == 503, refused.text
        assert refused.json()["code"] == "service_unavailable"
        assert int(refused.headers["Retry-After"]) > 0
        ready = await client.get("/readyz")
        assert ready.status_code == 503 and ready.json()["down"] == ["ledger"]
        assert await ledger_counts(settings.database_url) == (1, 1)

        await proxy.mend()
        assert (await client.get("/readyz")).status_code == 200
        assert (await book(client, second, slot, key="second")).status_code == 201
    assert await ledger_counts(settings.database_url) == (2, 2)


@CLUSTER
async def test_right_codes_retried_through_a_ledger_outage_use_up_no_wrong_codes(
    settings: Settings, clock: ManualClock, proxy: TcpProxy
) -> None:
    """With one wrong code an hour allowed, two tries of the right code while PostgreSQL is cut off
    each get 503 and give their count back: once it is back the person verifies."""
    async with app_with(settings, clock, database_url=through(settings.database_url, proxy.port),
                        limit_wrong_codes_per_person=Rate(1, 3600)) as (_, client):
        (person,) = people(1)
        started = (await start(client, person)).json()
        right = {"request_token": started["request_token"], "code": started["dev_code"]}
        await proxy.cut()
        for _ in range(2):
            answer = await client.post("/api/auth/verify", headers=person.headers, json=right)
            assert answer.status_code == 503, answer.text
        await proxy.mend()
        answer = await client.post("/api/auth/verify", headers=person.headers, json=right)
        assert answer.status_code == 200, answer.text


@CLUSTER
async def test_terminated_connections_are_replaced(settings: Settings, clock: ManualClock) -> None:
    """After PostgreSQL terminates every connection of the pool, the next booking is served."""
    async with app_with(settings, clock) as (container, client):
        await add_clinic_with_slot(container.clinics)
        (person,) = [await admitted(client, p) for p in people(1)]
        slot = await first_slot(client, person)
        connection = await asyncpg.connect(settings.database_url)
        try:
            ended = await connection.fetchval(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        finally:
            await connection.close()
        assert ended >= 1
        assert (await book(client, person, slot)).status_code == 201
    assert await ledger_counts(settings.database_url) == (1, 1)


@CLUSTER
async def test_redis_down_is_named_by_readyz_and_gets_503(
    settings: Settings, clock: ManualClock, private_redis: PrivateRedis
) -> None:
    """With Redis stopped, /readyz names the gate and verification answers 503 with Retry-After."""
    async with app_with(settings, clock, redis_url=private_redis.url) as (_, client):
        private_redis.stop()
        ready = await client.get("/readyz")
        assert ready.status_code == 503 and ready.json()["down"] == ["gate"]
        (person,) = people(1)
        started = await client.post(
            "/api/auth/start", headers=person.headers,
            json={"name": "홍길동", "resident_number": person.number, "phone": "010-1234-5678",
                  "method": "kakao"},
        )
        assert started.status_code == 503 and "Retry-After" in started.headers
        private_redis.start()
        assert (await client.get("/readyz")).status_code == 200


async def line_of_five(client: httpx.AsyncClient, clock: ManualClock) -> list[Person]:
    """Five people in line, places 1..5; with one admission a second, the first two admitted."""
    crowd = people(5)
    for person in crowd:
        assert (await verify(client, person)).status_code == 200
        await join(client, person)
    assert [(await status(client, p))["number"] for p in crowd] == [1, 2, 3, 4, 5]
    clock.advance(seconds=1)
    assert (await status(client, crowd[1]))["state"] == "admitted"
    assert (await status(client, crowd[2]))["state"] == "waiting"
    return crowd


@CLUSTER
async def test_redis_restart_keeps_every_place_and_admission(
    settings: Settings, clock: ManualClock, private_redis: PrivateRedis
) -> None:
    """After Redis restarts empty, places, admissions and bookings stand, and newcomers come last."""
    async with app_with(settings, clock, redis_url=private_redis.url, admission_rate=1.0) as (
        container, client
    ):
        await add_clinic_with_slot(container.clinics)
        crowd = await line_of_five(client, clock)
        assert (await book(client, crowd[0], await first_slot(client, crowd[0]))).status_code == 201

        private_redis.restart()
        # The admitted counter resumes at 2; the refilled bucket admits one more at once.
        assert (await status(client, crowd[1]))["state"] == "admitted"
        assert (await status(client, crowd[2]))["state"] == "admitted"
        fourth = await status(client, crowd[3])
        assert (fourth["state"], fourth["number"], fourth["ahead"]) == ("waiting", 4, 0)
        (newcomer,) = people(6)[5:]
        assert (await verify(client, newcomer)).status_code == 200
        assert (await join(client, newcomer))["number"] == 6
        clock.advance(seconds=1)
        assert (await status(client, crowd[3]))["state"] == "admitted"
        mine = await client.get("/api/bookings/me", headers=crowd[0].bearer(crowd[0].identity))
        assert mine.status_code == 200, mine.text


@CLUSTER
async def test_redis_and_workers_restarted_recover_from_the_checkpoint(
    settings: Settings, clock: ManualClock, private_redis: PrivateRedis, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new worker on an emptied Redis takes the counters from PostgreSQL: nobody loses priority."""
    monkeypatch.setattr(redis_gate, "CHECKPOINT_SECONDS", 0.0)  # checkpoint on every read, for the test
    async with app_with(settings, clock, redis_url=private_redis.url, admission_rate=1.0) as (
        container, client
    ):
        await add_clinic_with_slot(container.clinics)
        crowd = await line_of_five(client, clock)
    private_redis.restart()
    async with app_with(settings, clock, redis_url=private_redis.url, admission_rate=1.0) as (_, client):
        (newcomer,) = people(6)[5:]
        assert (await verify(client, newcomer)).status_code == 200
        assert (await join(client, newcomer))["number"] == 6
        assert (await status(client, crowd[1]))["state"] == "admitted"
        fourth = await status(client, crowd[3])
        assert (fourth["state"], fourth["number"]) == ("waiting", 4)


async def test_releasing_an_admission_survives_redis_down(private_redis: PrivateRedis) -> None:
    """Releasing a booked person's admission (after the commit) never raises; it expires anyway."""
    gate = RedisGate(private_redis.url, prefix="vaxbook-test:")
    await gate.open()
    try:
        private_redis.stop()
        await gate.release_admission("line", "person")
    finally:
        await gate.close()


@CLUSTER
async def test_a_page_says_try_again_shortly_when_redis_is_down(
    settings: Settings, clock: ManualClock, private_redis: PrivateRedis
) -> None:
    """The verification page (it shows method congestion from Redis) answers 503 with the retry text."""
    async with app_with(settings, clock, redis_url=private_redis.url) as (_, client):
        assert (await client.get("/verify")).status_code == 200
        private_redis.stop()
        page = await client.get("/verify")
        assert page.status_code == 503
        assert "잠시 후 다시 시도해 주세요" in page.text


@CLUSTER
async def test_after_redis_loses_everything_nobody_holds_two_places_or_is_taken_over(
    settings: Settings, clock: ManualClock, private_redis: PrivateRedis
) -> None:
    """After Redis restarts empty, joining again returns each person's place (never a second one at
    the back), a newcomer comes after all of them, the admitted stay admitted, a second device is
    refused (409) and so is a second verification within 10 minutes (429): the ledger remembers."""
    async with app_with(settings, clock, redis_url=private_redis.url, admission_rate=1.0) as (
        container, client
    ):
        await add_clinic_with_slot(container.clinics)
        crowd = await line_of_five(client, clock)
        private_redis.restart()
        for number, person in enumerate(crowd, 1):
            again = await client.post("/api/line/join", headers=person.bearer(person.identity))
            assert again.status_code == 200 and again.json()["number"] == number
        (newcomer,) = people(6)[5:]
        assert (await verify(client, newcomer)).status_code == 200
        assert (await join(client, newcomer))["number"] == 6
        assert (await status(client, crowd[1]))["state"] == "admitted"
        intruder = Person(crowd[0].number, "another-device")
        taken = await verify(client, intruder)
        assert taken.status_code == 409 and taken.json()["code"] == "device_bound_elsewhere"
        twice = await verify(client, crowd[2])
        assert twice.status_code == 429 and twice.json()["code"] == "verification_too_frequent"


@CLUSTER
async def test_after_redis_loses_everything_nobody_admitted_goes_back_on_any_worker(
    settings: Settings, clock: ManualClock, private_redis: PrivateRedis
) -> None:
    """People admitted through one worker are still admitted when they ask another worker, which
    never saw them admitted, after Redis restarts empty: admissions are saved before they are told."""
    changes = dict(redis_url=private_redis.url, admission_rate=1.0)
    async with (
        app_with(settings, clock, **changes) as (container, one),
        app_with(settings, clock, **changes) as (_, two),
    ):
        await add_clinic_with_slot(container.clinics)
        crowd = await line_of_five(one, clock)
        assert (await status(two, crowd[3]))["state"] == "waiting"  # what worker two last saw
        clock.advance(seconds=2)
        assert (await status(one, crowd[3]))["state"] == "admitted"
        private_redis.restart()
        assert (await status(two, crowd[3]))["state"] == "admitted"
        assert (await status(two, crowd[4]))["number"] == 5


@needs_cluster
async def test_with_redis_down_or_hanging_each_worker_reads_the_free_counts_itself(
    private_redis: PrivateRedis,
) -> None:
    """A gate that refuses connections, or accepts them and never answers, does not stop browsing:
    the shared read waits at most WAIT_SECONDS for it, then reads for itself and leaves the gate
    alone for REST_SECONDS."""
    gate = RedisGate(private_redis.url, prefix="shared-reads:", pool_size=2)
    await gate.open()
    reads: list[str] = []

    async def read() -> str:
        reads.append("ledger")
        return "counts"

    try:
        assert await SharedReads(gate, 1.0).get("free", read) == ("counts", 0.8)
        private_redis.pause()
        hanging = SharedReads(gate, 1.0)
        began = time.monotonic()
        assert await hanging.get("free", read) == ("counts", 0.8)
        assert await hanging.get("free", read) == ("counts", 0.8)  # resting: not asked again
        assert time.monotonic() - began < WAIT_SECONDS + 0.3
        private_redis.resume()
        private_redis.stop()
        assert await SharedReads(gate, 1.0).get("free", read) == ("counts", 0.8)
        assert reads == ["ledger"] * 4
    finally:
        private_redis.resume()
        await gate.close()
