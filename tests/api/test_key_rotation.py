"""Secrets rotate without changing who anyone is; a ledger refuses a pepper it was not made with."""

from __future__ import annotations

import stat
from datetime import date
from pathlib import Path

import pytest

from tests.conftest import ManualClock, Running
from tests.journey import Person, add_clinic_with_slot, admitted, app_with, book, person_number, verify
from vaxbook.config import Settings
from vaxbook.ports import WrongPepper


async def _booked(running: Running) -> Person:
    await add_clinic_with_slot(running.container.clinics)
    person = await admitted(running.client, Person(person_number(date(1990, 5, 13)), "phone-1"))
    slots = await running.client.get("/api/clinics/C1/slots", headers=person.bearer(person.admission))
    assert (await book(running.client, person, slots.json()["slots"][0]["id"])).status_code == 201
    return person


async def test_a_new_signing_key_keeps_every_person_key(
    running: Running, settings: Settings, clock: ManualClock
) -> None:
    """Restarted with a new signing secret, a booked person is still `booked` and cannot book again."""
    person = await _booked(running)
    clock.advance(minutes=11)  # past the one-verification-per-10-minutes hold
    async with app_with(settings, clock, signing_keys="s2:a-brand-new-signing-key") as (_, client):
        old_token = await client.get("/api/eligibility", headers=person.bearer(person.identity))
        assert old_token.status_code == 401  # the retired key's tokens are no longer accepted
        assert (await verify(client, person)).status_code == 200
        found = await client.get("/api/eligibility", headers=person.bearer(person.identity))
        assert found.json()["status"] == "booked"
        mine = await client.get("/api/bookings/me", headers=person.bearer(person.identity))
        assert mine.status_code == 200 and mine.json()["status"] == "active"


async def test_tokens_of_the_previous_key_stay_valid_while_it_is_listed(
    running: Running, settings: Settings, clock: ManualClock
) -> None:
    """A rotation that lists the old key after the new one logs nobody out."""
    await add_clinic_with_slot(running.container.clinics)
    person = await admitted(running.client, Person(person_number(date(1990, 5, 13)), "phone-1"))
    rotated = f"s2:a-brand-new-signing-key,{settings.signing_keys}"
    async with app_with(settings, clock, signing_keys=rotated) as (_, client):
        answer = await client.get("/api/eligibility", headers=person.bearer(person.identity))
        assert answer.status_code == 200, answer.text


async def test_another_pepper_is_refused_at_start(
    running: Running, settings: Settings, clock: ManualClock
) -> None:
    """A server given another pepper than the ledger was made with refuses to start."""
    await _booked(running)
    with pytest.raises(WrongPepper):
        async with app_with(settings, clock, pepper="p2:some-other-pepper-value"):
            pass


async def test_the_embedded_ledger_is_readable_by_its_owner_only(
    running: Running, settings: Settings, backend: str
) -> None:
    """The SQLite file and its WAL are mode 0600 (embedded only: PostgreSQL's files are its own)."""
    if backend != "sqlite":
        pytest.skip("PostgreSQL's files belong to its server, not to vaxbook")
    await _booked(running)
    path = Path(settings.database_url.removeprefix("sqlite:///"))
    for made in (path, path.with_name(path.name + "-wal")):
        assert stat.S_IMODE(made.stat().st_mode) == 0o600, made
