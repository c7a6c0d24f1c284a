"""The waiting room over HTTP: one place per person, windows, the pre-queue, sold out."""

from __future__ import annotations

from datetime import date, timedelta

import httpx

from tests.conftest import GROUP_3_OPENS, ManualClock, Running
from tests.journey import (
    Person,
    add_clinic_with_slot,
    app_with,
    book,
    from_address,
    join,
    person_number,
    status,
    verify,
)
from vaxbook.config import Settings

BORN_GROUP_3 = date(1990, 5, 13)


async def verified(running: Running | httpx.AsyncClient, day: int = 13, serial: int = 1) -> Person:
    client = running.client if isinstance(running, Running) else running
    person = Person(person_number(date(1990, 5, day), serial), f"dev-{day}-{serial}")
    answer = await verify(client, person)
    assert answer.status_code == 200, answer.text
    return person


async def test_joining_again_returns_the_same_place(running: Running) -> None:
    """One place per person: a second join from the bound device gives the same number."""
    await add_clinic_with_slot(running.container.clinics)
    others = [await verified(running, serial=i) for i in range(1, 4)]
    for other in others:
        await join(running.client, other)
    person = await verified(running, serial=9)
    first = await join(running.client, person)
    again = await join(running.client, person)
    assert first["number"] == again["number"] == 4


async def test_people_outside_their_window_cannot_join(running: Running) -> None:
    """Group 4 on group 3's day is told when its window opens; nobody outside the cohort joins."""
    await add_clinic_with_slot(running.container.clinics)
    group_4 = await verified(running, day=14)
    refused = await running.client.post("/api/line/join", headers=group_4.bearer(group_4.identity))
    assert refused.status_code == 403
    assert refused.json()["code"] == "window_not_open"
    assert refused.json()["opens_at"] == "2021-08-14T20:00:00+09:00"
    eligibility = (
        await running.client.get("/api/eligibility", headers=group_4.bearer(group_4.identity))
    ).json()
    assert eligibility["status"] == "not_yet" and not eligibility["may_join_line"]

    too_old = Person(person_number(date(1971, 3, 13)), "old")
    assert (await verify(running.client, too_old)).status_code == 200
    outside = await running.client.post("/api/line/join", headers=too_old.bearer(too_old.identity))
    assert outside.status_code == 403 and outside.json()["code"] == "outside_cohort"


async def test_waiting_shows_position_wait_and_poll_hint(settings: Settings, clock: ManualClock) -> None:
    """Admitting 1 person/s, the 31st in line sees 29 ahead (one went in at once), 29 s, poll in 5.8 s."""
    async with app_with(settings, clock, admission_rate=1.0) as (container, client):
        await add_clinic_with_slot(container.clinics, first_capacity=1000)
        people = [await verified(client, serial=i) for i in range(1, 32)]
        for person in people:
            await join(client, person)
        view = await status(client, people[30])
        assert view["state"] == "waiting"
        assert view["ahead"] == 29  # the full bucket admitted the first one at once
        assert view["estimated_wait_seconds"] == 29.0 and view["poll_after_seconds"] == 5.8
        answer = await client.get("/api/line/status", headers=people[30].bearer(people[30].ticket))
        assert answer.headers["Cache-Control"] == "private, max-age=5"
        clock.advance(seconds=30)
        assert (await status(client, people[30]))["state"] == "admitted"


async def test_pre_queue_is_shuffled_at_opening(running: Running) -> None:
    """People joining in the 10 minutes before opening get no number until 20:00, then 1..n."""
    await add_clinic_with_slot(running.container.clinics)
    running.clock.set(GROUP_3_OPENS - timedelta(minutes=5))
    early = [await verified(running, serial=i) for i in range(1, 9)]
    for person in early:
        view = await join(running.client, person)
        assert view["state"] == "pre_queue" and view["number"] is None
        assert view["opens_at"] == "2021-08-13T20:00:00+09:00"
    running.clock.set(GROUP_3_OPENS - timedelta(minutes=11))
    # Another address: the clock went back 6 minutes, and limits count time forwards only.
    async with from_address(running.app, "192.0.2.11") as elsewhere:
        too_early = await verified(elsewhere, serial=20)
    refused = await running.client.post("/api/line/join", headers=too_early.bearer(too_early.identity))
    assert refused.json()["code"] == "window_not_open"

    running.clock.set(GROUP_3_OPENS + timedelta(seconds=1))
    late = await verified(running, serial=30)
    assert (await join(running.client, late))["number"] == 9  # after every early arrival
    numbers = [(await status(running.client, p))["number"] for p in early]
    assert sorted(numbers) == list(range(1, 9))


async def test_people_in_line_are_told_when_stock_runs_out(running: Running) -> None:
    """When group 3's share is gone, waiting people see sold_out and new arrivals are refused."""
    await add_clinic_with_slot(running.container.clinics, first_capacity=10)  # group 3 share: 1
    buyer = await verified(running, serial=1)
    waiting = await verified(running, serial=2)
    await join(running.client, buyer)
    await join(running.client, waiting)
    await status(running.client, buyer)
    slots = (await running.client.get("/api/clinics/C1/slots", headers=buyer.bearer(buyer.admission))).json()
    assert (await book(running.client, buyer, slots["slots"][0]["id"])).status_code == 201
    assert (await status(running.client, waiting))["state"] == "sold_out"
    latecomer = await verified(running, serial=3)
    refused = await running.client.post("/api/line/join", headers=latecomer.bearer(latecomer.identity))
    assert refused.status_code == 410 and refused.json()["code"] == "sold_out"


async def test_cap_holds_the_line_until_someone_finishes(settings: Settings, clock: ManualClock) -> None:
    """With a cap of 1 person booking at once, the second waits until the first has booked."""
    async with app_with(settings, clock, admission_cap=1) as (container, client):
        await add_clinic_with_slot(container.clinics)
        first, second = await verified(client, serial=1), await verified(client, serial=2)
        await join(client, first)
        await join(client, second)
        assert (await status(client, first))["state"] == "admitted"
        clock.advance(seconds=5)
        assert (await status(client, second))["state"] == "waiting"
        slots = (await client.get("/api/clinics/C1/slots", headers=first.bearer(first.admission))).json()
        assert (await book(client, first, slots["slots"][0]["id"])).status_code == 201
        clock.advance(seconds=1)
        assert (await status(client, second))["state"] == "admitted"


async def test_ticket_is_read_from_the_header_only(running: Running) -> None:
    """A ticket in the URL is not accepted: URLs land in access logs, and it holds a birth date."""
    await add_clinic_with_slot(running.container.clinics)
    person = await verified(running)
    await join(running.client, person)
    in_url = await running.client.get(
        "/api/line/status", params={"ticket": person.ticket}, headers=person.headers
    )
    assert in_url.status_code == 401 and in_url.json()["code"] == "ticket_invalid"
    in_header = await running.client.get("/api/line/status", headers=person.bearer(person.ticket))
    assert in_header.status_code == 200
    assert in_header.headers["Vary"] == "Authorization, X-Device-Id"


async def test_the_public_counters_tell_each_waiting_person_their_place(
    settings: Settings, clock: ManualClock,
) -> None:
    """The line's counters document is public and cacheable, gives the ticket's place, and answers 304."""
    async with app_with(settings, clock, admission_rate=1.0) as (container, client):
        await add_clinic_with_slot(container.clinics, first_capacity=1000)
        people = [await verified(client, serial=i) for i in range(1, 12)]
        views = [await join(client, person) for person in people]
        answer = await client.get(f"/api/lines/{views[10]['line']}/counters")
        assert answer.status_code == 200
        assert answer.headers["Cache-Control"] == "public, max-age=1" and answer.headers["ETag"]
        counters = answer.json()
        assert counters == {"line": views[10]["line"], "issued": 11, "admitted": 1,
                            "admission_rate": 1.0, "sold_out": False}
        # The same place and wait the status answer gives, worked out by the client.
        ahead = views[10]["number"] - counters["admitted"] - 1
        assert ahead == (await status(client, people[10]))["ahead"] == 9
        again = await client.get(f"/api/lines/{views[10]['line']}/counters",
                                 headers={"If-None-Match": answer.headers["ETag"]})
        assert again.status_code == 304 and again.headers["ETag"] == answer.headers["ETag"]
        assert (await client.get("/api/lines/no-such-line/counters")).status_code == 404
