"""How to reach a person, given at verification and kept only for notifications."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from vaxbook.domain.errors import Problem, VaxbookError

LANGUAGES = ("ko", "en")
_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]{1,64}@[A-Za-z0-9\-]{1,63}(\.[A-Za-z0-9\-]{1,63}){1,8}")


@dataclass(frozen=True)
class Contact:
    phone: str  # canonical digits
    email: str | None = None
    language: str = "ko"

    def __repr__(self) -> str:  # never print a phone or an address in a log or traceback
        return f"Contact(language={self.language!r})"


def canonical_email(value: str | None) -> str | None:
    """An optional e-mail address: ASCII, one @, a dotted domain; None when empty."""
    if value is None:
        return None
    text = unicodedata.normalize("NFC", value).strip()
    if not text:
        return None
    if len(text) > 254 or not _EMAIL.fullmatch(text):
        raise VaxbookError(Problem.INVALID_INPUT, field="email")
    return text


def canonical_language(value: str | None) -> str:
    if value is None or value == "":
        return "ko"
    if value not in LANGUAGES:
        raise VaxbookError(Problem.INVALID_INPUT, field="language")
    return value
