"""Identity first: two-step verification, one per 10 minutes, one device, congestion per method."""

from __future__ import annotations

import asyncio
from datetime import date

from tests.conftest import ManualClock, Running
from tests.journey import Person, app_with, person_number, start, verify
from vaxbook.config import Settings

BORN_GROUP_3 = date(1990, 5, 13)


async def test_code_gives_an_identity_token_bound_to_the_device(running: Running) -> None:
    """The right code returns a token; it works from the same device and not from another."""
    person = Person(person_number(BORN_GROUP_3), "phone-1")
    answer = await verify(running.client, person)
    assert answer.status_code == 200 and answer.json()["group"] == 3
    assert (
        await running.client.get("/api/eligibility", headers=person.bearer(person.identity))
    ).status_code == 200
    stolen = await running.client.get(
        "/api/eligibility", headers={"Authorization": f"Bearer {person.identity}", "X-Device-Id": "laptop"}
    )
    assert stolen.status_code == 403 and stolen.json()["code"] == "device_mismatch"


async def test_wrong_code_is_refused(running: Running) -> None:
    """A wrong code is a 401 naming the code field, and uses up no verification."""
    person = Person(person_number(BORN_GROUP_3), "phone-1")
    body = (await start(running.client, person)).json()
    wrong = "000000" if body["dev_code"] != "000000" else "111111"
    answer = await running.client.post(
        "/api/auth/verify",
        headers=person.headers,
        json={"request_token": body["request_token"], "code": wrong},
    )
    assert answer.status_code == 401
    assert answer.json()["code"] == "verification_code_wrong" and answer.json()["field"] == "code"
    assert (await verify(running.client, person)).status_code == 200


async def test_second_verification_within_ten_minutes_is_refused(running: Running) -> None:
    """The same person verifying again within 10 minutes gets 429 with Retry-After; later it works."""
    person = Person(person_number(BORN_GROUP_3), "phone-1")
    assert (await verify(running.client, person)).status_code == 200
    running.clock.advance(minutes=9, seconds=59)
    again = await verify(running.client, person)
    assert again.status_code == 429
    assert again.json()["code"] == "verification_too_frequent"
    assert 1 <= int(again.headers["Retry-After"]) <= 2
    running.clock.advance(seconds=2)
    assert (await verify(running.client, person)).status_code == 200


async def test_second_device_refused_until_ten_minutes_pass(running: Running) -> None:
    """Another device gets 409 with the time it may try; after 10 minutes it takes over."""
    first = Person(person_number(BORN_GROUP_3), "phone-1")
    assert (await verify(running.client, first)).status_code == 200
    running.clock.advance(minutes=3)
    second = Person(first.number, "tablet-2")
    refused = await verify(running.client, second)
    assert refused.status_code == 409
    problem = refused.json()
    assert problem["code"] == "device_bound_elsewhere"
    assert problem["available_at"].startswith("2021-08-13T11:15:00")
    assert int(refused.headers["Retry-After"]) == 421
    running.clock.advance(minutes=7, seconds=1)
    assert (await verify(running.client, second)).status_code == 200
    # the first device has lost the right to book: its token is bound to it, not to the person
    assert (await verify(running.client, first)).status_code == 409


async def test_bad_input_names_the_field(running: Running) -> None:
    """Invalid number, phone, method, name or missing device each get a clear problem."""
    client = running.client
    base = {
        "name": "홍길동",
        "resident_number": person_number(BORN_GROUP_3),
        "phone": "010-1234-5678",
        "method": "kakao",
    }
    cases = [
        ({**base, "resident_number": "900513-1000001"}, "invalid_resident_number", "resident_number"),
        ({**base, "phone": "02-123-4567"}, "invalid_input", "phone"),
        ({**base, "method": "fax"}, "unknown_method", "method"),
        ({**base, "name": ""}, "invalid_input", "name"),
    ]
    for body, code, field in cases:
        answer = await client.post("/api/auth/start", json=body, headers={"X-Device-Id": "d"})
        assert answer.headers["content-type"] == "application/problem+json"
        problem = answer.json()
        assert (problem["code"], problem["field"]) == (code, field), problem
        assert problem["message_ko"] and problem["message_en"]
    no_device = await client.post("/api/auth/start", json=base)
    assert no_device.status_code == 400 and no_device.json()["code"] == "missing_device"


async def test_methods_show_congestion(running: Running) -> None:
    """Every method reports in-flight requests, capacity, latency, a level and an estimated wait."""
    methods = (await running.client.get("/api/auth/methods")).json()["methods"]
    assert [m["method"] for m in methods] == ["mobile", "kakao", "naver", "pass"]
    for method in methods:
        assert method["level"] == "smooth" and method["in_flight"] == 0 and method["capacity"] > 0
        assert {"recent_latency_seconds", "estimated_wait_seconds"} <= method.keys()


async def test_busy_method_reports_congestion(settings: Settings, clock: ManualClock) -> None:
    """While more requests are in flight than a method serves at once, it reports congested."""
    # One test client stands for four people here: its share of the method is lifted.
    slow = {"sim_latency_ms": {"kakao": 300.0}, "sim_capacity": {"kakao": 2}, "method_share_per_client": 2.0}
    async with app_with(settings, clock, **slow) as (_, client):
        people = [Person(person_number(date(1990, 5, 13), i), f"d{i}") for i in range(4)]
        pending = [asyncio.create_task(start(client, p)) for p in people]
        await asyncio.sleep(0.1)
        during = {m["method"]: m for m in (await client.get("/api/auth/methods")).json()["methods"]}
        assert during["kakao"]["in_flight"] == 4 and during["kakao"]["level"] == "congested"
        assert during["naver"]["level"] == "smooth"
        assert all(r.status_code == 200 for r in await asyncio.gather(*pending))
        after = {m["method"]: m for m in (await client.get("/api/auth/methods")).json()["methods"]}
        assert after["kakao"]["in_flight"] == 0
        assert after["kakao"]["recent_latency_seconds"] >= 0.3


async def test_code_guessing_is_cut_off(running: Running) -> None:
    """After five tries of one request even the right code is refused: start again."""
    person = Person(person_number(BORN_GROUP_3), "phone-1")
    body = (await start(running.client, person)).json()
    wrong = "000000" if body["dev_code"] != "000000" else "111111"
    for left in (4, 3, 2, 1, 0):
        answer = await running.client.post(
            "/api/auth/verify",
            headers=person.headers,
            json={"request_token": body["request_token"], "code": wrong},
        )
        assert answer.json()["code"] == "verification_code_wrong"
        assert answer.json()["attempts_left"] == left
    locked = await running.client.post(
        "/api/auth/verify",
        headers=person.headers,
        json={"request_token": body["request_token"], "code": body["dev_code"]},
    )
    assert locked.status_code == 429 and locked.json()["code"] == "verification_locked"
    assert (await verify(running.client, person)).status_code == 200  # a new request works
