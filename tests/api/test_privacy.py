"""Resident numbers, names and phone numbers stay out of the database and the logs."""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

import pytest

from tests.conftest import Running
from tests.journey import Person, add_clinic_with_slot, admitted, book, person_number
from vaxbook.config import Settings


async def test_no_plain_identity_in_ledger_or_logs(
    running: Running, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    """After a whole journey, neither the ledger nor any log line holds the number, name or phone."""
    if not settings.database_url.startswith("sqlite"):
        pytest.skip("reads the embedded ledger's files; the PostgreSQL contract checks its tables")
    caplog.set_level(logging.DEBUG)
    await add_clinic_with_slot(running.container.clinics)
    number = person_number(date(1990, 5, 13))
    person = await admitted(running.client, Person(number, "d"))
    slots = await running.client.get("/api/clinics/C1/slots", headers=person.bearer(person.admission))
    assert (await book(running.client, person, slots.json()["slots"][0]["id"])).status_code == 201
    db_path = Path(settings.database_url.removeprefix("sqlite:///"))
    stored = b"".join(p.read_bytes() for p in db_path.parent.glob(db_path.name + "*"))
    for secret in (number, number[:6] + "-" + number[6:], "홍길동", "01012345678", "010-1234-5678"):
        assert secret.encode() not in stored, secret
        assert secret not in caplog.text, secret
