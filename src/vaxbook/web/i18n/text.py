"""The one catalogue of words, in Korean and English, and how dates, times and waits are written.

`Text` reaches every word a visitor reads: the pages' words (words.py), the wording of
each refusal (problem_words.py, which the JSON API sends too) and the English names of
the regions (data/regions.json). A simple catalog rather than gettext: two languages, no
plural forms to handle (Korean has none and the English strings avoid them), no compile
step, and a test checks that every key used by a template or page exists in both languages.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

from vaxbook.domain.errors import Problem
from vaxbook.web.i18n.problem_words import PROBLEM_WORDS
from vaxbook.web.i18n.words import WORDS

LANGUAGES = {"ko": "한국어", "en": "English"}
_WEEKDAYS_KO = "월화수목금토일"
_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@cache
def english_region_names() -> dict[str, str]:
    """Korean province and district names -> English (read once, on first use)."""
    text = resources.files("vaxbook").joinpath("data/regions.json").read_text(encoding="utf-8")
    names: dict[str, str] = {}
    for province in json.loads(text)["provinces"]:
        names[province["ko"]] = province["en"]
        for district in province["districts"]:
            names.setdefault(district["ko"], district["en"])
    return names


@dataclass(frozen=True)
class Text:
    """Words and formats for one language, with times shown in the campaign's time zone."""

    lang: str
    tz: ZoneInfo
    now: datetime

    def t(self, key: str, **values: Any) -> str:
        ko, en = WORDS[key]
        template = en if self.lang == "en" else ko
        return template.format(**values) if values else template

    def problem(self, code: Problem) -> str:
        """How a refusal is worded in this language."""
        ko, en = PROBLEM_WORDS[code]
        return en if self.lang == "en" else ko

    def day(self, value: date) -> str:
        if self.lang == "en":
            return f"{value:%a} {value.day} {_MONTHS_EN[value.month - 1]} {value.year}"
        return f"{value.year}년 {value.month}월 {value.day}일 ({_WEEKDAYS_KO[value.weekday()]})"

    def moment(self, value: datetime | str) -> str:
        local = _local(value, self.tz)
        return f"{self.day(local.date())} {local:%H:%M}"

    def short(self, value: datetime | str) -> str:
        """Day and time without the year, for tables on a narrow screen."""
        local = _local(value, self.tz)
        if self.lang == "en":
            return f"{local:%a} {local.day} {_MONTHS_EN[local.month - 1]} {local:%H:%M}"
        return f"{local.month}/{local.day} ({_WEEKDAYS_KO[local.weekday()]}) {local:%H:%M}"

    def clock(self, value: datetime | str) -> str:
        """HH:MM, with the date added when it is not today."""
        local = _local(value, self.tz)
        today = self.now.astimezone(self.tz).date()
        return f"{local:%H:%M}" if local.date() == today else self.moment(local)

    def wait(self, seconds: float | None) -> str:
        if seconds is None:
            return "-"
        minutes = round(seconds / 60)
        if seconds < 60:
            return self.t("wait.under_minute")
        if minutes < 60:
            return self.t("wait.minutes", m=minutes)
        return self.t("wait.hours", h=minutes // 60, m=minutes % 60)

    def region(self, name: str) -> str:
        english = english_region_names().get(name) if self.lang == "en" else None
        return f"{english} ({name})" if english else name

    def count(self, n: int) -> str:
        return f"{n:,}"


def _local(value: datetime | str, tz: ZoneInfo) -> datetime:
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.astimezone(tz)
