"""The citizen's journey as small steps over HTTP, shared by the API and contract tests."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, time, timedelta
from typing import Any

import httpx

from vaxbook.bootstrap import Container
from vaxbook.config import Settings
from vaxbook.domain.booking import Clinic
from vaxbook.domain.identity import make_resident_number
from vaxbook.ports import Clock
from vaxbook.services.clinics import ClinicService, SlotPlan
from vaxbook.web.app import create_app


@asynccontextmanager
async def app_with(
    settings: Settings, clock: Clock, **changes: Any
) -> AsyncIterator[tuple[Container, httpx.AsyncClient]]:
    """A separately started app with some settings changed, and a client talking to it."""
    app = create_app(settings.model_copy(update=changes), clock)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://vaxbook.test") as client:
            yield app.state.container, client


@asynccontextmanager
async def from_address(app: Any, address: str) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the started `app` whose connections come from `address` (the limits count by it)."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False, client=(address, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://vaxbook.test") as client:
        yield client


def person_number(birth: date, serial: int = 1) -> str:
    return make_resident_number(birth, male=True, serial=serial)


@dataclass
class Person:
    number: str
    device: str
    identity: str = ""
    ticket: str = ""
    admission: str = ""
    phone: str = ""  # by default one of their own, derived from the number (phones are limited too)

    def __post_init__(self) -> None:
        if not self.phone:
            digits = int(hashlib.sha256(self.number.encode()).hexdigest(), 16) % 10**8
            self.phone = f"010-{digits // 10**4:04d}-{digits % 10**4:04d}"

    @property
    def headers(self) -> dict[str, str]:
        return {"X-Device-Id": self.device}

    def bearer(self, token: str) -> dict[str, str]:
        return {"X-Device-Id": self.device, "Authorization": f"Bearer {token}"}


async def start(client: httpx.AsyncClient, person: Person, method: str = "kakao") -> httpx.Response:
    return await client.post(
        "/api/auth/start",
        headers=person.headers,
        json={"name": "홍길동", "resident_number": person.number, "phone": person.phone, "method": method},
    )


async def verify(client: httpx.AsyncClient, person: Person) -> httpx.Response:
    """Both verification steps; on success the person carries their identity token."""
    started = await start(client, person)
    assert started.status_code == 200, started.text
    body = started.json()
    answer = await client.post(
        "/api/auth/verify",
        headers=person.headers,
        json={"request_token": body["request_token"], "code": body["dev_code"]},
    )
    if answer.status_code == 200:
        person.identity = answer.json()["identity_token"]
    return answer


async def join(client: httpx.AsyncClient, person: Person) -> dict[str, Any]:
    answer = await client.post("/api/line/join", headers=person.bearer(person.identity))
    assert answer.status_code == 200, answer.text
    person.ticket = answer.json()["ticket"]
    return answer.json()  # type: ignore[no-any-return]


async def status(client: httpx.AsyncClient, person: Person) -> dict[str, Any]:
    answer = await client.get("/api/line/status", headers=person.bearer(person.ticket))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    person.ticket = body["ticket"]
    if body.get("admission_pass"):
        person.admission = body["admission_pass"]
    return body  # type: ignore[no-any-return]


async def admitted(client: httpx.AsyncClient, person: Person) -> Person:
    """Verify, join, and poll once: with the tests' high admission rate that admits."""
    answer = await verify(client, person)
    assert answer.status_code == 200, answer.text
    await join(client, person)
    body = await status(client, person)
    assert body["state"] == "admitted", body
    return person


async def book(client: httpx.AsyncClient, person: Person, slot_id: int, key: str = "k-1") -> httpx.Response:
    return await client.post(
        "/api/bookings",
        json={"slot_id": slot_id},
        headers={**person.bearer(person.admission), "Idempotency-Key": key},
    )


async def change(client: httpx.AsyncClient, person: Person, slot_id: int, key: str = "c-1") -> httpx.Response:
    """Move one's booking: the pass from the line and a fresh identity token of the same person."""
    return await client.put(
        "/api/bookings/me",
        json={"slot_id": slot_id},
        headers={
            **person.bearer(person.admission),
            "Idempotency-Key": key,
            "X-Identity-Token": person.identity,
        },
    )


SECOND_DOSE_GAP = 42


async def add_clinic_with_slot(
    clinics: ClinicService,
    clinic_id: str = "C1",
    day: date = date(2021, 8, 20),
    first_capacity: int = 100,
    second_capacity: int | None = None,
    start: time = time(9),
    sido: str = "서울특별시",
    sigungu: str = "종로구",
    name: str | None = None,
) -> None:
    """A clinic with one first-dose slot and its second-dose slot 42 days later."""
    clinic = Clinic(clinic_id, name or f"{clinic_id} 의원", sido, sigungu, "주소 1")
    await clinics.add_clinic(clinic, f"key-{clinic_id}")
    await clinics.add_slots(
        [
            SlotPlan(clinic_id, day, start, time(start.hour + 1), "pfizer", first_capacity, 0),
            SlotPlan(
                clinic_id,
                day + timedelta(days=SECOND_DOSE_GAP),
                start,
                time(start.hour + 1),
                "pfizer",
                0,
                first_capacity if second_capacity is None else second_capacity,
            ),
        ]
    )
