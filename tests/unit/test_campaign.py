"""Campaign files are validated on load, with the file, the key and the reason."""

from __future__ import annotations

from datetime import date, time
from pathlib import Path

import pytest

from tests.conftest import CAMPAIGN_2021
from vaxbook.domain.campaign import CampaignError, load_campaign


def test_2021_campaign_loads_as_briefed() -> None:
    """The shipped file is the August 2021 campaign: cohort, vaccines, rotation, additional period."""
    campaign = load_campaign(CAMPAIGN_2021)
    assert str(campaign.timezone) == "Asia/Seoul"
    assert (campaign.cohorts[0].born_from, campaign.cohorts[0].born_to) == (
        date(1972, 1, 1),
        date(2003, 12, 31),
    )
    assert {(v.id, v.doses, v.interval_days) for v in campaign.vaccines} == {
        ("pfizer", 2, 42),
        ("moderna", 2, 42),
    }
    assert campaign.rotation.first_day == date(2021, 8, 9)
    assert (campaign.rotation.opens, campaign.rotation.closes) == (time(20), time(18))
    assert campaign.additional_starts.isoformat() == "2021-08-19T20:00:00+09:00"
    assert campaign.additional_ends.isoformat() == "2021-09-18T18:00:00+09:00"


def broken(tmp_path: Path, old: str, new: str) -> Path:
    path = tmp_path / "campaign.toml"
    text = CAMPAIGN_2021.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ('timezone = "Asia/Seoul"', 'timezone = "Mars/Olympus"', "campaign.timezone"),
        ("born_to = 2003-12-31", "born_to = 1960-01-01", "cohorts[0].born_to"),
        ("doses = 2", "doses = 3", "vaccines[0].doses"),
        ("interval_days = 42", 'interval_days = "six weeks"', "vaccines[0].interval_days"),
        ("groups = 10", "groups = 7", "rotation.groups"),
        ('opens = "20:00"', 'opens = "8 pm"', "rotation.opens"),
        ("first_day = 2021-08-09", "", "rotation.first_day"),
        ("starts = 2021-08-19T20:00:00", "starts = 2021-08-15T20:00:00", "additional.starts"),
        ("ends = 2021-09-18T18:00:00", "ends = 2021-08-01T18:00:00", "additional.ends"),
        ('id = "moderna"', 'id = "pfizer"', "vaccines"),
    ],
)
def test_bad_values_name_the_key(tmp_path: Path, old: str, new: str, key: str) -> None:
    """Each kind of mistake is refused, naming the file and the key at fault."""
    path = broken(tmp_path, old, new)
    with pytest.raises(CampaignError) as caught:
        load_campaign(path)
    assert caught.value.key == key
    assert caught.value.file == str(path)
    assert caught.value.reason


def test_missing_file_and_bad_toml(tmp_path: Path) -> None:
    """A missing file and a file that is not TOML are both clear errors."""
    with pytest.raises(CampaignError, match="file not found"):
        load_campaign(tmp_path / "nope.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[campaign\n", encoding="utf-8")
    with pytest.raises(CampaignError, match="not valid TOML"):
        load_campaign(bad)
