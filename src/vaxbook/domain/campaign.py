"""The campaign definition: cohorts, vaccines, rotation and additional period, read from TOML."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

T = TypeVar("T")


class CampaignError(ValueError):
    """A campaign file that cannot be used: which file, which key, and why."""

    def __init__(self, file: str, key: str, reason: str) -> None:
        super().__init__(f"{file}: {key}: {reason}")
        self.file, self.key, self.reason = file, key, reason


@dataclass(frozen=True)
class Cohort:
    id: str
    born_from: date
    born_to: date

    def includes(self, birth_date: date) -> bool:
        return self.born_from <= birth_date <= self.born_to


@dataclass(frozen=True)
class Vaccine:
    id: str
    name: str
    doses: int
    interval_days: int


@dataclass(frozen=True)
class Rotation:
    groups: int
    first_day: date
    opens: time  # on the group's day
    closes: time  # on the following day


@dataclass(frozen=True)
class Campaign:
    id: str
    name_ko: str
    name_en: str
    timezone: ZoneInfo
    cohorts: tuple[Cohort, ...]
    vaccines: tuple[Vaccine, ...]
    rotation: Rotation
    additional_starts: datetime
    additional_ends: datetime

    def vaccine(self, vaccine_id: str) -> Vaccine:
        for vaccine in self.vaccines:
            if vaccine.id == vaccine_id:
                return vaccine
        raise KeyError(vaccine_id)

    def in_cohort(self, birth_date: date) -> bool:
        return any(cohort.includes(birth_date) for cohort in self.cohorts)


def load_campaign(path: str | Path) -> Campaign:
    """Read and validate a campaign file; raise CampaignError naming the key at fault."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CampaignError(str(path), "-", "file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise CampaignError(str(path), "-", f"not valid TOML: {exc}") from None
    return parse_campaign(data, str(path))


def parse_campaign(data: dict[str, Any], source: str = "<campaign>") -> Campaign:
    read = _Reader(source)
    meta = read.table(data, "campaign")
    tz_name = read.value(meta, "campaign.timezone", str, default="Asia/Seoul")
    try:
        tz = ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise CampaignError(source, "campaign.timezone", f"unknown time zone {tz_name!r}") from None

    cohorts = tuple(
        _cohort(read, entry, f"cohorts[{i}]") for i, entry in enumerate(read.array(data, "cohorts"))
    )
    vaccines = tuple(
        _vaccine(read, entry, f"vaccines[{i}]") for i, entry in enumerate(read.array(data, "vaccines"))
    )
    if len({v.id for v in vaccines}) != len(vaccines):
        raise CampaignError(source, "vaccines", "vaccine ids must be unique")

    rot = read.table(data, "rotation")
    rotation = Rotation(
        groups=read.value(rot, "rotation.groups", int, default=10),
        first_day=read.value(rot, "rotation.first_day", date),
        opens=read.clock(rot, "rotation.opens", "20:00"),
        closes=read.clock(rot, "rotation.closes", "18:00"),
    )
    if rotation.groups != 10:
        raise CampaignError(source, "rotation.groups", "the rotation by last birth digit has 10 groups")

    extra = read.table(data, "additional")
    starts = read.moment(extra, "additional.starts", tz)
    ends = read.moment(extra, "additional.ends", tz)
    if ends <= starts:
        raise CampaignError(source, "additional.ends", "must be after additional.starts")
    last_main_close = datetime.combine(
        rotation.first_day + timedelta(days=rotation.groups), rotation.closes, tz
    )
    if starts < last_main_close:
        raise CampaignError(source, "additional.starts", "must not begin before the main period ends")

    return Campaign(
        id=read.value(meta, "campaign.id", str),
        name_ko=read.value(meta, "campaign.name_ko", str),
        name_en=read.value(meta, "campaign.name_en", str),
        timezone=tz,
        cohorts=cohorts,
        vaccines=vaccines,
        rotation=rotation,
        additional_starts=starts,
        additional_ends=ends,
    )


def _cohort(read: _Reader, entry: dict[str, Any], key: str) -> Cohort:
    cohort = Cohort(
        id=read.value(entry, f"{key}.id", str),
        born_from=read.value(entry, f"{key}.born_from", date),
        born_to=read.value(entry, f"{key}.born_to", date),
    )
    if cohort.born_to < cohort.born_from:
        raise CampaignError(read.source, f"{key}.born_to", "must not be before born_from")
    return cohort


def _vaccine(read: _Reader, entry: dict[str, Any], key: str) -> Vaccine:
    vaccine = Vaccine(
        id=read.value(entry, f"{key}.id", str),
        name=read.value(entry, f"{key}.name", str),
        doses=read.value(entry, f"{key}.doses", int),
        interval_days=read.value(entry, f"{key}.interval_days", int),
    )
    if vaccine.doses not in (1, 2):
        raise CampaignError(read.source, f"{key}.doses", "must be 1 or 2")
    if vaccine.doses == 2 and vaccine.interval_days < 1:
        raise CampaignError(read.source, f"{key}.interval_days", "must be at least 1 day")
    return vaccine


class _Reader:
    """Typed access to parsed TOML that names the key at fault."""

    def __init__(self, source: str) -> None:
        self.source = source

    def table(self, data: dict[str, Any], key: str) -> dict[str, Any]:
        found = data.get(key)
        if not isinstance(found, dict):
            raise CampaignError(self.source, key, "a table is required")
        return found

    def array(self, data: dict[str, Any], key: str) -> list[dict[str, Any]]:
        found = data.get(key)
        if not isinstance(found, list) or not found or not all(isinstance(e, dict) for e in found):
            raise CampaignError(self.source, key, "at least one entry ([[" + key + "]]) is required")
        return found

    def value(self, data: dict[str, Any], key: str, kind: type[T], default: T | None = None) -> T:
        name = key.rsplit(".", 1)[-1]
        if name not in data:
            if default is None:
                raise CampaignError(self.source, key, "is required")
            return default
        found = data[name]
        wrong_kind = not isinstance(found, kind) or (kind is int and isinstance(found, bool))
        if kind is date and isinstance(found, datetime):
            wrong_kind = True
        if wrong_kind:
            raise CampaignError(self.source, key, f"must be a {kind.__name__}, got {found!r}")
        return found  # type: ignore[no-any-return]  # checked by isinstance above

    def clock(self, data: dict[str, Any], key: str, default: str) -> time:
        return self._convert(key, self.value(data, key, str, default), time.fromisoformat, "HH:MM")

    def moment(self, data: dict[str, Any], key: str, tz: ZoneInfo) -> datetime:
        found = self.value(data, key, datetime)
        return found if found.tzinfo else found.replace(tzinfo=tz)

    def _convert(self, key: str, raw: str, parse: Callable[[str], T], shape: str) -> T:
        try:
            return parse(raw)
        except ValueError:
            raise CampaignError(self.source, key, f"expected {shape}, got {raw!r}") from None
