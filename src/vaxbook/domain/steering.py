"""How operators steer a line live: its admission rate and cap, a pause, and a notice to everyone waiting.

A line's steering overrides the configured rate and cap while it is set; unset fields
fall back to the settings. The values are checked here, so every entry point refuses the
same things the same way.
"""

from __future__ import annotations

import unicodedata
from dataclasses import asdict, dataclass, replace
from typing import Any

from vaxbook.domain.errors import Problem, VaxbookError

MAX_RATE = 100_000.0  # admissions per second: far above what one booking database takes
MAX_CAP = 10_000_000
NOTICE_MAX_LENGTH = 500


@dataclass(frozen=True)
class LineSteering:
    """What operators set for one line; None means "as configured"."""

    rate: float | None = None
    cap: int | None = None
    paused: bool = False
    notice_ko: str = ""
    notice_en: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LineSteering:
        rate, cap = data.get("rate"), data.get("cap")
        return cls(
            rate=None if rate is None else float(rate), cap=None if cap is None else int(cap),
            paused=bool(data.get("paused", False)),
            notice_ko=str(data.get("notice_ko", "")), notice_en=str(data.get("notice_en", "")),
        )

    def with_rate(self, rate: float | None, cap: int | None) -> LineSteering:
        return replace(self, rate=check_rate(rate), cap=check_cap(cap))

    def with_pause(self, paused: bool) -> LineSteering:
        return replace(self, paused=paused)

    def with_notice(self, ko: str, en: str) -> LineSteering:
        return replace(self, notice_ko=check_notice(ko, "notice_ko"), notice_en=check_notice(en, "notice_en"))

    @property
    def has_notice(self) -> bool:
        return bool(self.notice_ko or self.notice_en)


@dataclass(frozen=True)
class Admission:
    """The rate and cap a line runs at now: the steering's, else the configured ones."""

    rate: float
    cap: int | None
    paused: bool


def effective_admission(steering: LineSteering, rate: float, cap: int | None) -> Admission:
    """A paused line keeps its rate but admits no one: a cap of 0 (the bucket banks at most
    one second, so resuming lets no crowd in at once)."""
    chosen_rate = steering.rate if steering.rate is not None else rate
    chosen_cap = steering.cap if steering.cap is not None else cap
    return Admission(chosen_rate, 0 if steering.paused else chosen_cap, steering.paused)


def check_rate(rate: float | None) -> float | None:
    if rate is not None and not (0 < rate <= MAX_RATE):
        raise _invalid("rate", f"A rate above 0 and at most {MAX_RATE:g} per second.",
                       f"초당 0 초과 {MAX_RATE:g} 이하로 입력해 주세요.")
    return rate


def check_cap(cap: int | None) -> int | None:
    if cap is not None and not (1 <= cap <= MAX_CAP):
        raise _invalid("cap", f"A cap from 1 to {MAX_CAP}, or none.", f"1~{MAX_CAP} 또는 비워 두세요.")
    return cap


def check_notice(text: str, field: str) -> str:
    """NFC text of at most 500 characters, without control or format characters (new lines allowed)."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").strip())
    if len(text) > NOTICE_MAX_LENGTH or any(
        unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn") and ch not in "\n" for ch in text
    ):
        raise _invalid(field, f"At most {NOTICE_MAX_LENGTH} characters of plain text.",
                       f"일반 텍스트 {NOTICE_MAX_LENGTH}자 이하로 입력해 주세요.")
    return text


def _invalid(field: str, en: str, ko: str) -> VaxbookError:
    return VaxbookError(Problem.INVALID_INPUT, field=field,
                        detail_en=f"{field}: {en}", detail_ko=f"{field}: {ko}")
