"""The logs of a whole journey are JSON lines that never hold a number, name, phone or credential."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from datetime import date, time
from typing import Any

import httpx
import pytest

from tests.conftest import Running
from tests.journey import Person, add_clinic_with_slot, admitted, book, change, person_number
from vaxbook.observability import JsonFormatter

CREDENTIALS = {"identity_token", "ticket", "admission_pass", "request_token", "dev_code", "reference", "id"}


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """Every record of every logger, at every level, formatted as `vaxbook serve` formats it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield stream
    root.removeHandler(handler)
    root.setLevel(level)


def _collect(found: set[str], value: Any) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if key in CREDENTIALS and isinstance(item, str) and key != "id":
                found.add(item)
            _collect(found, item)
    elif isinstance(value, list):
        for item in value:
            _collect(found, item)


async def test_a_journey_logs_no_personal_value_or_credential(
    running: Running, captured: io.StringIO
) -> None:
    """Verify, wait, browse, book, change and view: one JSON line per request, none with a secret in it."""
    secrets: set[str] = set()

    async def remember(response: httpx.Response) -> None:
        await response.aread()
        if "json" in response.headers.get("content-type", ""):
            _collect(secrets, response.json())

    running.client.event_hooks["response"].append(remember)
    await add_clinic_with_slot(running.container.clinics)
    await add_clinic_with_slot(running.container.clinics, "C2", start=time(11))
    person = await admitted(running.client, Person(person_number(date(1990, 5, 13)), "phone-1"))
    slots = await running.client.get("/api/clinics/C1/slots", headers=person.bearer(person.admission))
    assert (await book(running.client, person, slots.json()["slots"][0]["id"])).status_code == 201
    other = await running.client.get("/api/clinics/C2/slots", headers=person.bearer(person.admission))
    await change(running.client, person, other.json()["slots"][0]["id"])
    assert (await running.client.get("/api/bookings/me", headers=person.bearer(person.identity))).is_success
    await running.client.get("/figures")

    lines = [json.loads(line) for line in captured.getvalue().splitlines()]
    requests = [line for line in lines if line["logger"] == "vaxbook.access"]
    assert len(requests) >= 8
    for line in requests:
        assert set(line) >= {"time", "level", "request_id", "method", "route", "status", "duration_ms"}
    assert any(r["method"] == "POST" and r["route"] == "/api/bookings" and r["status"] == 201
               for r in requests)
    assert len({r["request_id"] for r in requests}) == len(requests)
    text = captured.getvalue()
    assert secrets and person.identity in secrets and person.admission in secrets
    for secret in (*secrets, person.number, person.number[:6], person.number[7:], "홍길동",
                   person.phone, person.phone.replace("-", "")):
        assert secret not in text, f"{secret[:12]}... is in the log"
