"""`vaxbook digest make` and `verify` on the embedded ledger, including a tampered digest."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import CAMPAIGN_2021, TEST_KEYS
from tests.journey import add_clinic_with_slot
from vaxbook.adapters.sqlite.ledger import SqliteLedger
from vaxbook.cli import app
from vaxbook.services.clinics import ClinicService

runner = CliRunner()


@pytest.fixture
def ledger_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """An embedded ledger with one clinic and its slots."""
    path = tmp_path / "ledger.db"

    async def load() -> None:
        ledger = SqliteLedger(path)
        await ledger.open()
        try:
            await add_clinic_with_slot(ClinicService(ledger))
        finally:
            await ledger.close()

    asyncio.run(load())
    monkeypatch.setenv("VAXBOOK_CAMPAIGN_FILE", str(CAMPAIGN_2021))
    monkeypatch.setenv("VAXBOOK_PEPPER", TEST_KEYS["pepper"])
    return f"sqlite:///{path}"


def digest(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["digest", *args], env={"COLUMNS": "200"})
    return result.exit_code, result.output


def test_make_appends_and_verify_checks_the_chain(ledger_url: str) -> None:
    """Three days appended in order verify; the same day again is refused."""
    for day in ("2021-08-13", "2021-08-14", "2021-08-15"):
        code, output = digest("make", "--day", day, "--database-url", ledger_url)
        assert code == 0 and f"digest of {day} appended" in output, output
    code, output = digest("make", "--day", "2021-08-14", "--database-url", ledger_url)
    assert code == 1 and "later day" in output
    code, output = digest("verify", "--database-url", ledger_url)
    assert code == 0 and "chain holds" in output and "3 digest(s)" in output


def test_verify_fails_naming_the_tampered_day(ledger_url: str) -> None:
    """A stored digest edited behind the ledger's back makes verify exit 1 naming its day."""
    for day in ("2021-08-13", "2021-08-14", "2021-08-15"):
        assert digest("make", "--day", day, "--database-url", ledger_url)[0] == 0
    db = sqlite3.connect(ledger_url.removeprefix("sqlite:///"), isolation_level=None)
    db.executescript("DROP TRIGGER allocation_digests_no_update;"
                     " UPDATE allocation_digests SET body = replace(body, ',10,0]', ',11,0]')"
                     " WHERE day = '2021-08-13';")
    db.close()
    code, output = digest("verify", "--database-url", ledger_url)
    assert code == 1 and "chain broken at 2021-08-13" in output, output
