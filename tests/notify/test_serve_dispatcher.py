"""The dispatcher runs inside the app by default, and alone as `vaxbook notify`."""

from __future__ import annotations

import asyncio
import logging

import pytest
from typer.testing import CliRunner

from tests.conftest import ManualClock
from tests.journey import Person, add_clinic_with_slot, admitted, app_with, book, person_number
from tests.services.conftest import GROUP_3_BIRTH
from vaxbook.cli import app as cli
from vaxbook.config import Settings
from vaxbook.domain.notices import NoticeState


async def test_the_app_delivers_a_booking_message_by_itself(
    settings: Settings, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    """With the default setting the app's own dispatcher sends the confirmation, and logs no phone."""
    caplog.set_level(logging.INFO, logger="vaxbook")
    async with app_with(settings, clock, notify_dispatcher=True, notify_poll_seconds=0.05) as (built, client):
        await add_clinic_with_slot(built.clinics)
        who = await admitted(client, Person(person_number(GROUP_3_BIRTH), "device-0001"))
        answer = await book(client, who, 1)
        assert answer.status_code == 201, answer.text
        for _ in range(100):
            if (await built.outbox.counts()).get(NoticeState.SENT):
                break
            await asyncio.sleep(0.05)
        assert (await built.outbox.counts())[NoticeState.SENT] == 1
    assert answer.json()["id"] in caplog.text
    digits = who.phone.replace("-", "")
    assert digits not in caplog.text and who.phone not in caplog.text and "홍길동" not in caplog.text


def test_vaxbook_notify_once_delivers_what_is_due(tmp_path: object, monkeypatch: pytest.MonkeyPatch) -> None:
    """`vaxbook notify --once` starts, finds nothing due in an empty ledger, and exits cleanly."""
    monkeypatch.setenv("VAXBOOK_PEPPER", "p1:test-pepper-0123456789")
    monkeypatch.setenv("VAXBOOK_SIGNING_KEYS", "s1:test-signing-0123456789")
    monkeypatch.setenv("VAXBOOK_CSRF_KEYS", "c1:test-csrf-0123456789")
    monkeypatch.setenv("VAXBOOK_CONTACT_KEYS", "k1:test-contact-0123456789")
    result = CliRunner().invoke(cli, ["notify", "--once", "--database-url", f"sqlite:///{tmp_path}/n.db"])
    assert result.exit_code == 0, result.output
    assert "0 message(s) handled" in result.output
