"""The pages' words in Korean and English, and how dates, times and waits are written.

A simple catalog rather than gettext: two languages, no plural forms to handle (Korean
has none and the English strings avoid them), no compile step, and a test checks that
every key used by a template or page exists here in both languages. The problem texts
come from the domain's error catalogue, which already carries both languages.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

from vaxbook.domain.errors import CATALOGUE, ProblemKind
from vaxbook.web.pages_words import WORDS

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


@dataclass
class ProblemView:
    code: str
    title: str
    message: str
    extra: list[str] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)
    forget_identity: bool = False
    forget_line: bool = False


_NEXT_STEP = {
    "identity_required": ("/verify", "link.verify"),
    "identity_invalid": ("/verify", "link.verify"),
    "verification_not_found": ("/verify", "link.verify"),
    "verification_code_wrong": ("/verify", "link.verify"),
    "admission_required": ("/verify?next=book", "link.line"),
    "admission_invalid": ("/verify?next=book", "link.line"),
    "ticket_invalid": ("/verify?next=book", "link.line"),
    "already_booked": ("/mine", "link.mine"),
    "sold_out": ("/mine", "link.mine"),
    "slot_full": ("/book", "link.book"),
    "second_dose_unavailable": ("/book", "link.book"),
    "slot_not_bookable": ("/book", "link.book"),
    "slot_not_found": ("/book", "link.book"),
    "clinic_not_found": ("/book", "link.book"),
    "no_booking": ("/verify?next=book", "link.start"),
}


def problem_view(
    text: Text,
    code: str,
    kind: ProblemKind | None,
    retry_after: int | None,
    details: dict[str, Any],
    detail_ko: str | None,
    detail_en: str | None,
) -> ProblemView:
    """A refusal, explained in the page's language, with the way forward."""
    kind = kind or CATALOGUE.get(code)
    if kind is not None:
        message = (detail_en or kind.en) if text.lang == "en" else (detail_ko or kind.ko)
    else:
        message = text.t(f"error.{code}")
    view = ProblemView(code, text.t("error.title"), message)
    if code == "device_bound_elsewhere":
        if details.get("available_at"):
            view.message = text.t("error.device_until", until=text.clock(str(details["available_at"])))
        view.forget_identity = True
    elif code == "verification_too_frequent" and retry_after is not None:
        at = text.now.timestamp() + retry_after
        view.message = text.t("error.too_frequent", at=text.clock(datetime.fromtimestamp(at, text.tz)))
    elif code == "window_not_open" and details.get("opens_at"):
        view.extra.append(text.t("error.window", opens=text.moment(str(details["opens_at"])),
                                 closes=text.moment(str(details["closes_at"]))))
    if code in ("identity_invalid", "device_mismatch"):
        view.forget_identity = True
    if code in ("admission_invalid", "ticket_invalid"):
        view.forget_line = True
    if code in _NEXT_STEP:
        url, label = _NEXT_STEP[code]
        view.links.append((url, text.t(label)))
    view.links.append(("/", text.t("link.home")))
    return view
