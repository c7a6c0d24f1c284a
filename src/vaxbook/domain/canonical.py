"""Ids, keys and place names from the network, checked before anything trusts or stores them.

`int()` and `str.isdigit()` accept every Unicode digit, a ledger id must fit a signed 64-bit
column (SQLite raises OverflowError, PostgreSQL "out of range"), and PostgreSQL refuses text
holding NUL: so ids are ASCII and bounded, and names are short NFC text without control or
format characters, refused here with `422 invalid_input` naming the field.
"""

from __future__ import annotations

import re
import unicodedata

from vaxbook.domain.errors import Input, Problem, VaxbookError

MAX_ID = 2**63 - 1  # the largest PostgreSQL bigint / SQLite INTEGER
CLINIC_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$"
REGION_NAME_MAX_LENGTH = 40
IDEMPOTENCY_KEY_MAX_LENGTH = 200
_DIGITS = re.compile(r"[0-9]{1,19}", re.ASCII)
_CLINIC_ID = re.compile(CLINIC_ID_PATTERN, re.ASCII)
_REGION_EXTRA = frozenset(" 0123456789·-()")
_VISIBLE_ASCII = re.compile(r"[\x21-\x7e]+", re.ASCII)


def check_id(value: int, field: str) -> int:
    """A ledger id: an int (not a bool) from 1 to 2**63-1."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_ID:
        raise _invalid(field, f"An integer from 1 to {MAX_ID} is required.",
                       f"1부터 {MAX_ID} 사이의 정수를 입력해 주세요.")
    return value


def parse_id(text: str, field: str) -> int:
    """A ledger id from form text: ASCII digits only (no full-width or other Unicode digits)."""
    if not _DIGITS.fullmatch(text):
        raise _invalid(field, "An id of ASCII digits (0-9) is required.", "숫자(0-9)로 된 번호가 필요합니다.")
    return check_id(int(text), field)


def check_clinic_id(text: str) -> str:
    """A clinic id: 1-32 ASCII letters, digits, '-' or '_', starting with a letter or digit."""
    if not _CLINIC_ID.fullmatch(text):
        raise _invalid("clinic_id", "A clinic id is 1-32 ASCII letters, digits, '-' or '_'.",
                       "의료기관 번호는 영문·숫자·'-'·'_' 1~32자입니다.")
    return text


def check_region_name(text: str, field: str) -> str:
    """A province or district name: 1-40 NFC letters, with ASCII spaces, digits and "·-()".

    Letters only (no control, format or symbol characters): U+FFFD, what invalid UTF-8
    decodes to, is refused too.
    """
    if (
        not 1 <= len(text) <= REGION_NAME_MAX_LENGTH
        or not text.strip(" ")
        or unicodedata.normalize("NFC", text) != text
        or not all(ch in _REGION_EXTRA or unicodedata.category(ch).startswith("L") for ch in text)
    ):
        raise _invalid(field, f"A region name of 1 to {REGION_NAME_MAX_LENGTH} letters is required.",
                       f"지역 이름은 1~{REGION_NAME_MAX_LENGTH}자의 글자여야 합니다.")
    return text


def check_idempotency_key(text: str) -> str:
    """An Idempotency-Key: 1-200 visible ASCII characters (a UUID fits)."""
    if not text:
        raise VaxbookError(Problem.MISSING_IDEMPOTENCY_KEY, field=Input.IDEMPOTENCY_KEY)
    if len(text) > IDEMPOTENCY_KEY_MAX_LENGTH or not _VISIBLE_ASCII.fullmatch(text):
        raise _invalid(Input.IDEMPOTENCY_KEY,
                       f"An Idempotency-Key is 1-{IDEMPOTENCY_KEY_MAX_LENGTH} visible ASCII characters.",
                       f"Idempotency-Key는 영문·숫자·기호 1~{IDEMPOTENCY_KEY_MAX_LENGTH}자입니다.")
    return text


def _invalid(field: str, en: str, ko: str) -> VaxbookError:
    return VaxbookError(Problem.INVALID_INPUT, field=field,
                        detail_en=f"{field}: {en}", detail_ko=f"{field}: {ko}")
