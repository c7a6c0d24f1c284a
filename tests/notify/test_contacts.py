"""Contact data, minimised: sealed in tokens and at rest, opened only to notify, purged after the campaign."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import TEST_KEYS, ManualClock
from tests.journey import add_clinic_with_slot
from tests.services.conftest import admitted, verified
from vaxbook.adapters.contact_sealer import AesGcmContactSealer
from vaxbook.bootstrap import Container
from vaxbook.cli import app as cli
from vaxbook.domain.contact import Contact
from vaxbook.domain.notices import NoticeState
from vaxbook.keys import parse_ring

PHONE = "01012340001"


def test_a_seal_opens_only_for_its_person_and_survives_rotation() -> None:
    """A seal opens for the person it was made for, not another; a new first key still opens old seals."""
    old = AesGcmContactSealer(parse_ring("k1:contact-secret-000000001", "test"))
    sealed = old.seal("person-a", Contact(PHONE, "a@example.org", "en"))
    assert PHONE not in sealed and "example" not in sealed and sealed.startswith("k1.")
    with pytest.raises(ValueError):
        old.open("person-b", sealed)
    rotated = AesGcmContactSealer(parse_ring("k2:contact-secret-000000002,k1:contact-secret-000000001", "t"))
    assert rotated.open("person-a", sealed) == Contact(PHONE, "a@example.org", "en")
    assert rotated.seal("person-a", Contact(PHONE)).startswith("k2.")
    with pytest.raises(ValueError):
        AesGcmContactSealer(parse_ring("k2:contact-secret-000000002", "t")).open("person-a", sealed)
    assert PHONE not in repr(Contact(PHONE, "a@example.org"))


def _claims(token: str) -> dict[str, object]:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))  # type: ignore[no-any-return]


async def test_the_phone_travels_sealed_and_is_kept_sealed(services: Container) -> None:
    """Identity token, pass and ledger carry the phone only as a seal; the dispatcher can open it."""
    await add_clinic_with_slot(services.clinics)
    who = await verified(services)
    assert who.contact and PHONE not in json.dumps(_claims(services.signer.sign(who)))
    admission = await admitted(services, who)
    assert admission.contact == who.contact
    await services.booking.book(admission, 1, "key-1")
    kept = (await services.outbox.contacts_of([who.person])).get(who.person)
    assert kept is not None and PHONE not in kept
    assert services.sealer is not None and services.sealer.open(who.person, kept).phone == PHONE


async def test_retention_purge_waits_for_the_last_dose_then_deletes(
    services: Container, clock: ManualClock
) -> None:
    """Nothing is purged until the last dose day is over; then every contact goes and nothing is sent."""
    await add_clinic_with_slot(services.clinics)  # doses on 2021-08-20 and 2021-10-01
    who = await verified(services)
    await services.booking.book(await admitted(services, who), 1, "key-1")
    clock.set(datetime(2021, 10, 1, 14, 59, 59, tzinfo=UTC))  # 23:59:59 KST on the last dose day
    early = await services.retention.purge()
    assert not early.purged and who.person in await services.outbox.contacts_of([who.person])
    clock.set(datetime(2021, 10, 1, 15, 0, tzinfo=UTC))
    done = await services.retention.purge()
    assert done.purged and done.deleted == 1
    assert await services.outbox.contacts_of([who.person]) == {}
    assert NoticeState.PENDING not in await services.outbox.counts()


def test_vaxbook_retention_purge_says_what_it_did(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The command purges an empty ledger (no dose to wait for) and reports it."""
    for name, value in TEST_KEYS.items():
        monkeypatch.setenv(f"VAXBOOK_{name.upper()}", value)
    result = CliRunner().invoke(cli, ["retention", "purge", "--database-url", f"sqlite:///{tmp_path}/r.db"])
    assert result.exit_code == 0, result.output
    assert "purged 0 contact(s)" in result.output
