"""The command line: campaign check and the demo campaign."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import CAMPAIGN_2021
from vaxbook.adapters.sqlite.ledger import SqliteLedger
from vaxbook.cli import app
from vaxbook.demo import demo_people
from vaxbook.domain.campaign import load_campaign
from vaxbook.domain.eligibility import Status, decide_eligibility
from vaxbook.domain.identity import parse_resident_number

runner = CliRunner()


def test_campaign_check_prints_the_schedule() -> None:
    """A valid file prints every group's date and hours, and the additional period."""
    result = runner.invoke(app, ["campaign", "check", str(CAMPAIGN_2021)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "2021-08-13 20:00" in result.output and "2021-08-14 18:00" in result.output
    assert "additional period" in result.output and "2021-09-18 18:00" in result.output


def test_campaign_check_names_the_bad_key(tmp_path: Path) -> None:
    """An invalid file exits 1 and names the key at fault."""
    bad = tmp_path / "bad.toml"
    bad.write_text(
        CAMPAIGN_2021.read_text(encoding="utf-8").replace("doses = 2", "doses = 0", 1), encoding="utf-8"
    )
    result = runner.invoke(app, ["campaign", "check", str(bad)], env={"COLUMNS": "200"})
    assert result.exit_code == 1
    assert "vaccines[0].doses" in result.output


def test_demo_opens_a_window_now_with_clinics_everywhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`vaxbook demo` writes a campaign open now for the printed people, and clinics in all 17 provinces."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("VAXBOOK_DATABASE_URL", raising=False)
    result = runner.invoke(app, ["demo", "--clinics", "200"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    campaign = load_campaign(tmp_path / "var" / "demo-campaign.toml")
    now = datetime.now(UTC)
    group = int(result.output.split("Open now: group ")[1].split()[0])
    for number in demo_people(group):
        assert number in result.output
        birth = parse_resident_number(number).birth_date
        assert decide_eligibility(campaign, birth, now, has_booking=False).status is Status.OPEN

    async def provinces() -> int:
        ledger = SqliteLedger(tmp_path / "var" / "vaxbook.db")
        await ledger.open()
        try:
            found = await ledger.provinces(tuple(range(10)), now.date())
        finally:
            await ledger.close()
        return len(found)

    assert asyncio.run(provinces()) == 17
