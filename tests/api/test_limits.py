"""Throttles over HTTP, on both backends: each limit bites with 429, problem+json and Retry-After,
and the honest user behind it (another person, phone, device or address) still gets through."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import date
from ipaddress import ip_network
from typing import Any

import httpx
import pytest
import redis

from tests import backends
from tests.conftest import ManualClock, Running
from tests.journey import Person, add_clinic_with_slot, from_address, person_number, start
from vaxbook.adapters.identity_sim import SimulatedProvider
from vaxbook.config import Settings
from vaxbook.domain.throttle import Rate
from vaxbook.web.app import create_app

BORN = date(1990, 5, 13)
LIST = "/api/clinics/{}/bookings?day=2021-08-20"


@asynccontextmanager
async def clients(
    settings: Settings, clock: ManualClock, *addresses: str, **changes: Any
) -> AsyncIterator[list[httpx.AsyncClient]]:
    """The app with some settings changed, started, and a client from each address."""
    app = create_app(settings.model_copy(update=changes), clock)
    async with app.router.lifespan_context(app), AsyncExitStack() as stack:
        yield [await stack.enter_async_context(from_address(app, address)) for address in addresses]


def someone(
    i: int, *, device: str | None = None, phone: str | None = None, serial: int | None = None
) -> Person:
    """Person i with their own number, device and phone unless told to share one."""
    person = Person(person_number(BORN, i if serial is None else serial), device or f"device-{i}")
    if phone:
        person.phone = phone
    return person


def assert_too_many(answer: httpx.Response) -> int:
    assert answer.status_code == 429, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    problem = answer.json()
    assert problem["code"] == "too_many_requests" and problem["message_ko"] and problem["message_en"]
    retry_after = int(answer.headers["Retry-After"])
    assert retry_after >= 1 and problem["retry_after"] == retry_after
    return retry_after


async def wrong_code(
    client: httpx.AsyncClient, person: Person, request_token: str, right: str
) -> httpx.Response:
    wrong = "000000" if right != "000000" else "111111"
    return await client.post("/api/auth/verify", headers=person.headers,
                             json={"request_token": request_token, "code": wrong})


@pytest.fixture
def sends(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every phone the simulated provider was asked to send a code to."""
    asked: list[str] = []
    original = SimulatedProvider.send_code

    async def counting(self: SimulatedProvider, phone: str, name: str) -> Any:
        asked.append(phone)
        return await original(self, phone, name)

    monkeypatch.setattr(SimulatedProvider, "send_code", counting)
    return asked


async def test_starts_per_client_address(settings: Settings, clock: ManualClock, sends: list[str]) -> None:
    """One address gets its burst of starts, then 429 before any code is sent; another address goes on."""
    addresses = ("198.51.100.1", "198.51.100.2")
    async with clients(settings, clock, *addresses, limit_starts_per_client=Rate(3, 60)) as (flood, honest):
        for i in range(3):
            assert (await start(flood, someone(i))).status_code == 200
        assert assert_too_many(await start(flood, someone(3))) == 20
        assert len(sends) == 3  # the refused start never reached the provider
        assert (await start(honest, someone(4))).status_code == 200


async def test_starts_per_phone(running: Running, sends: list[str]) -> None:
    """Five starts to one phone (from five people and devices), then 429; another phone goes on."""
    for i in range(5):
        assert (await start(running.client, someone(i, phone="010-2000-0001"))).status_code == 200
    assert_too_many(await start(running.client, someone(5, phone="010-2000-0001")))
    assert sends.count("01020000001") == 5
    assert (await start(running.client, someone(6, phone="010-2000-0002"))).status_code == 200


async def test_starts_per_device(running: Running) -> None:
    """Ten starts from one device (ten people), then 429; another device goes on."""
    for i in range(10):
        assert (await start(running.client, someone(i, device="shared"))).status_code == 200
    assert_too_many(await start(running.client, someone(10, device="shared")))
    assert (await start(running.client, someone(11))).status_code == 200


async def test_starts_per_person(running: Running) -> None:
    """Five starts for one person (five devices and phones), then 429; another person goes on."""
    for i in range(5):
        answer = await start(running.client, someone(i, serial=1, phone=f"010-3000-000{i}"))
        assert answer.status_code == 200
    assert_too_many(await start(running.client, someone(5, serial=1, phone="010-3000-0009")))
    assert (await start(running.client, someone(6, serial=2))).status_code == 200


async def test_the_phone_is_never_a_redis_key_in_plain_text(running: Running) -> None:
    """Cluster mode only (the in-process gate has no keys to read): limits count phones by a keyed hash."""
    if not running.container.settings.redis_url:
        pytest.skip("the in-process gate keeps no keys another process could read")
    assert (await start(running.client, someone(1, phone="010-4321-8765"))).status_code == 200
    client = redis.Redis.from_url(backends.REDIS_URL, decode_responses=True)
    try:
        keys = list(client.scan_iter(match=running.container.settings.redis_prefix + "*"))
    finally:
        client.close()
    assert any(":limit:{start-phone:" in key for key in keys)
    assert not any("4321" in key or "8765" in key for key in keys), keys


async def test_forwarded_for_counts_only_behind_a_trusted_proxy(
    settings: Settings, clock: ManualClock
) -> None:
    """Behind a trusted proxy each forwarded client has its own limit; elsewhere X-Forwarded-For
    is ignored."""
    changes: dict[str, Any] = dict(
        limit_starts_per_client=Rate(2, 60), trusted_proxies=(ip_network("10.0.0.0/8"),)
    )
    async with clients(settings, clock, "10.0.0.7", "198.51.100.9", **changes) as (proxy, direct):

        async def via(client: httpx.AsyncClient, i: int, forwarded: str) -> httpx.Response:
            person = someone(i)
            return await client.post("/api/auth/start", json=start_body(person),
                                     headers={**person.headers, "X-Forwarded-For": forwarded})

        assert (await via(proxy, 0, "6.6.6.6, 203.0.113.5")).status_code == 200
        assert (await via(proxy, 1, "7.7.7.7, 203.0.113.5")).status_code == 200
        assert_too_many(await via(proxy, 2, "8.8.8.8, 203.0.113.5"))
        assert (await via(proxy, 3, "6.6.6.6, 203.0.113.6")).status_code == 200
        # A client talking directly cannot pick a fresh address for each request.
        answers = [await via(direct, i, f"203.0.113.{i}") for i in range(4, 7)]
        assert [a.status_code for a in answers] == [200, 200, 429]


def start_body(person: Person) -> dict[str, str]:
    return {"name": "홍길동", "resident_number": person.number, "phone": person.phone, "method": "kakao"}


async def test_wrong_codes_per_person_across_requests(running: Running) -> None:
    """Ten wrong codes over two requests lock the person, even for the right code, until a try is
    earned back (6 minutes); another person verifies meanwhile."""
    person = someone(1)
    for _ in range(2):
        body = (await start(running.client, person)).json()
        for _ in range(5):
            wrong = await wrong_code(running.client, person, body["request_token"], body["dev_code"])
            assert wrong.json()["code"] == "verification_code_wrong"
    body = (await start(running.client, person)).json()
    right = {"request_token": body["request_token"], "code": body["dev_code"]}
    locked = await running.client.post("/api/auth/verify", headers=person.headers, json=right)
    assert assert_too_many(locked) == 360
    other = someone(2)
    body = (await start(running.client, other)).json()
    assert (await running.client.post("/api/auth/verify", headers=other.headers, json={
        "request_token": body["request_token"], "code": body["dev_code"]})).status_code == 200
    running.clock.advance(minutes=6)
    body = (await start(running.client, person)).json()
    assert (await running.client.post("/api/auth/verify", headers=person.headers, json={
        "request_token": body["request_token"], "code": body["dev_code"]})).status_code == 200


async def test_locked_tries_and_right_codes_use_up_none_of_the_persons_wrong_codes(running: Running) -> None:
    """Tries on a locked request, and right codes (verified, or refused for the hold), are given back:
    nine wrong codes leave the person room for every one of them."""
    person = someone(1)
    first = (await start(running.client, person)).json()
    token, right = first["request_token"], first["dev_code"]
    tried = [await wrong_code(running.client, person, token, right) for _ in range(8)]
    assert [answer.status_code for answer in tried[:5]] == [401] * 5
    assert {answer.json()["code"] for answer in tried[5:]} == {"verification_locked"}
    second = (await start(running.client, person)).json()
    for _ in range(4):
        wrong = await wrong_code(running.client, person, second["request_token"], second["dev_code"])
        assert wrong.status_code == 401

    async def right_code() -> httpx.Response:
        body = (await start(running.client, person)).json()
        return await running.client.post("/api/auth/verify", headers=person.headers, json={
            "request_token": body["request_token"], "code": body["dev_code"]})

    assert (await right_code()).status_code == 200
    for _ in range(2):  # the person verified: refused for the hold, and each try given back
        assert (await right_code()).json()["code"] == "verification_too_frequent"


async def test_concurrent_guesses_cannot_slip_past_the_person_limit(running: Running) -> None:
    """25 wrong codes at once over five requests: exactly ten are checked, the rest are 429."""
    person = someone(1)
    bodies = [(await start(running.client, person)).json() for _ in range(5)]
    answers = await asyncio.gather(*(
        wrong_code(running.client, person, body["request_token"], body["dev_code"])
        for body in bodies for _ in range(5)
    ))
    assert Counter(a.status_code for a in answers) == {401: 10, 429: 15}


async def test_wrong_clinic_keys_per_client_address(running: Running) -> None:
    """Ten wrong keys from one address, then 429 even with the right key; the clinic from
    another address, and right keys however many, go on (one address cannot lock the clinic)."""
    await add_clinic_with_slot(running.container.clinics)
    url = "/api/clinics/C1/bookings?day=2021-08-20"
    for _ in range(20):  # a right key is never counted
        assert (await running.client.get(url, headers={"X-Clinic-Key": "key-C1"})).status_code == 200
    async with from_address(running.app, "198.51.100.20") as guesser:
        for i in range(10):
            wrong = await guesser.get(url, headers={"X-Clinic-Key": f"guess-{i}"})
            assert wrong.status_code == 401 and wrong.json()["code"] == "clinic_key_invalid"
        assert_too_many(await guesser.get(url, headers={"X-Clinic-Key": "guess-10"}))
        assert_too_many(await guesser.get(url, headers={"X-Clinic-Key": "key-C1"}))
    assert (await running.client.get(url, headers={"X-Clinic-Key": "key-C1"})).status_code == 200


async def test_wrong_clinic_keys_per_clinic(running: Running) -> None:
    """Guesses from thirty addresses lock one clinic's list; another clinic is not affected."""
    await add_clinic_with_slot(running.container.clinics)
    await add_clinic_with_slot(running.container.clinics, clinic_id="C2")
    for i in range(30):
        async with from_address(running.app, f"198.51.100.{30 + i}") as guesser:
            wrong = await guesser.get(LIST.format("C1"), headers={"X-Clinic-Key": "x"})
            assert wrong.status_code == 401
    async with from_address(running.app, "198.51.100.99") as fresh:
        assert_too_many(await fresh.get(LIST.format("C1"), headers={"X-Clinic-Key": "x"}))
        assert (await fresh.get(LIST.format("C2"), headers={"X-Clinic-Key": "key-C2"})).status_code == 200


async def _kakao_when(client: httpx.AsyncClient, ready: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    """Kakao's figures once `ready` holds (or after 2 s, for the assertion to show)."""
    deadline = time.monotonic() + 2.0
    while True:
        methods = (await client.get("/api/auth/methods")).json()["methods"]
        kakao: dict[str, Any] = next(m for m in methods if m["method"] == "kakao")
        if ready(kakao) or time.monotonic() > deadline:
            return kakao
        await asyncio.sleep(0.02)


async def test_one_client_cannot_congest_a_method(settings: Settings, clock: ManualClock) -> None:
    """A client flooding kakao holds its share (2 of 8) in flight, the rest is 429; another client
    still starts, and the method never reports congested."""
    slow: dict[str, Any] = dict(
        sim_latency_ms={"kakao": 2500.0}, sim_capacity={"kakao": 8}, method_share_per_client=0.25
    )
    async with clients(settings, clock, "198.51.100.50", "198.51.100.51", **slow) as (flood, honest):
        floods = [asyncio.create_task(start(flood, someone(i))) for i in range(6)]
        # The sends take 2.5 s: long enough to see the flood in flight however busy the machine.
        during = await _kakao_when(honest, lambda kakao: kakao["in_flight"] >= 2)
        assert during["in_flight"] == 2 and during["level"] == "smooth"
        assert (await start(honest, someone(10))).status_code == 200
        answers = await asyncio.gather(*floods)
        assert Counter(a.status_code for a in answers) == {200: 2, 429: 4}
        assert all(assert_too_many(a) == 1 for a in answers if a.status_code == 429)
