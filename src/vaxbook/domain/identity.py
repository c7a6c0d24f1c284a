"""Korean resident registration numbers (주민등록번호): parse, validate, derive.

Layout: YYMMDD-SBBBBBC. S gives century, sex and citizenship; C is a check digit on
numbers issued before October 2020 (after that the last six digits are random).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from vaxbook.domain.errors import Problem, VaxbookError

# Numbers issued from this date on carry no check digit. We cannot see the issue date,
# so a number is held to the check digit when its holder was born before the reform
# (the number is issued at birth); later-born holders are not.
CHECK_DIGIT_ABOLISHED = date(2020, 10, 1)

_CENTURY = {9: 1800, 0: 1800, 1: 1900, 2: 1900, 5: 1900, 6: 1900, 3: 2000, 4: 2000, 7: 2000, 8: 2000}
_WEIGHTS = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)
# ASCII only: `\d` and `int()` accept every Unicode digit (full-width, Arabic-Indic, ...), and
# each spelling of one number would otherwise hash to a different person key.
_SHAPE = re.compile(r"([0-9]{6})-?([0-9]{7})", re.ASCII)
_PHONE = re.compile(r"01[016789][0-9]{7,8}", re.ASCII)
_ASCII_BLANKS = " \t\r\n"
NAME_MAX_LENGTH = 40
MIDDLE_DOT = "\u00b7"  # 가운뎃점, in some foreign residents' registered names
_NAME_SCRIPTS = ("HANGUL", "LATIN")


@dataclass(frozen=True)
class ResidentNumber:
    digits: str  # the 13 digits, never logged or stored; only `person_key` leaves this object
    birth_date: date
    male: bool
    foreign: bool

    def __repr__(self) -> str:  # keep the number out of tracebacks and logs
        return f"ResidentNumber(birth_date={self.birth_date}, foreign={self.foreign})"

    __str__ = __repr__

    @property
    def group(self) -> int:
        return group_for_birth_date(self.birth_date)


def group_for_birth_date(birth_date: date) -> int:
    """The rotation group: the last digit of the day of the month of birth."""
    return birth_date.day % 10


def check_digit(first_twelve: str, *, foreign: bool) -> int:
    total = sum(int(d) * w for d, w in zip(first_twelve, _WEIGHTS, strict=True))
    # Foreign registration numbers use the same weights with a different offset.
    return ((13 if foreign else 11) - total % 11) % 10


def parse_resident_number(text: str) -> ResidentNumber:
    """Parse 13 ASCII digits with an optional ASCII hyphen after the sixth, or raise
    invalid_resident_number. Nothing else is accepted: one human, one spelling, one key."""
    match = _SHAPE.fullmatch(text.strip(_ASCII_BLANKS))
    if not match:
        raise _invalid("13 digits (0-9) are expected, as YYMMDD-NNNNNNN.",
                       "숫자(0-9) 13자리를 YYMMDD-NNNNNNN 형식으로 입력해 주세요.")
    digits = match.group(1) + match.group(2)
    code = int(digits[6])
    try:
        birth_date = date(_CENTURY[code] + int(digits[0:2]), int(digits[2:4]), int(digits[4:6]))
    except ValueError:
        raise _invalid("The first six digits are not a date.", "앞 6자리가 날짜가 아닙니다.") from None
    foreign = code in (5, 6, 7, 8)
    if birth_date < CHECK_DIGIT_ABOLISHED and check_digit(digits[:12], foreign=foreign) != int(
        digits[12]
    ):
        raise _invalid("The check digit does not match.", "검증 숫자가 맞지 않습니다.")
    male = code % 2 == 1
    return ResidentNumber(digits=digits, birth_date=birth_date, male=male, foreign=foreign)


def person_key(number: ResidentNumber, secret: bytes) -> str:
    """The only form in which a person is stored: a keyed hash of the number."""
    return hmac.new(secret, number.digits.encode(), hashlib.sha256).hexdigest()


def canonical_name(text: str) -> str:
    """NFC, trimmed, single spaces; only Hangul or Latin letters, spaces and the middle dot.

    Control and format characters (NUL, bidi overrides, zero-width, escapes) are refused,
    not stripped: a name is shown to clinic staff and written to their CSV lists.
    """
    name = " ".join(part for part in unicodedata.normalize("NFC", text).split(" ") if part)
    if not 1 <= len(name) <= NAME_MAX_LENGTH:
        raise VaxbookError(Problem.INVALID_INPUT, field="name",
                           detail_en=f"A name of 1 to {NAME_MAX_LENGTH} characters is required.",
                           detail_ko=f"이름은 1~{NAME_MAX_LENGTH}자로 입력해 주세요.")
    if not all(ch in (" ", MIDDLE_DOT) or _is_name_letter(ch) for ch in name):
        raise VaxbookError(Problem.INVALID_INPUT, field="name",
                           detail_en="A name may hold only Hangul or Latin letters, spaces and '·'.",
                           detail_ko="이름에는 한글·영문 글자, 공백, 가운뎃점(·)만 쓸 수 있습니다.")
    return name


def _is_name_letter(ch: str) -> bool:
    return unicodedata.category(ch).startswith("L") and unicodedata.name(ch, "").startswith(_NAME_SCRIPTS)


def canonical_phone(text: str) -> str:
    """A Korean mobile number as its ASCII digits (010-1234-5678 -> 01012345678), or refuse."""
    digits = text.strip(_ASCII_BLANKS).replace("-", "").replace(" ", "")
    if not _PHONE.fullmatch(digits):
        raise VaxbookError(Problem.INVALID_INPUT, field="phone",
                           detail_en="A Korean mobile number such as 010-1234-5678 is required.",
                           detail_ko="010-1234-5678 형식의 휴대전화 번호를 입력해 주세요.")
    return digits


def mask_name(name: str) -> str:
    """홍길동 -> 홍*동: what a clinic list shows, enough to match an ID card."""
    name = name.strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def make_resident_number(birth_date: date, *, male: bool, foreign: bool = False, serial: int = 0) -> str:
    """Build a valid number for a birth date (demo people, tests, the rush benchmark)."""
    century = birth_date.year // 100 * 100
    codes = {
        (1800, False): (9, 0), (1900, False): (1, 2), (2000, False): (3, 4),
        (1900, True): (5, 6), (2000, True): (7, 8),
    }
    male_code, female_code = codes[(century, foreign)]
    body = f"{birth_date:%y%m%d}{male_code if male else female_code}{serial % 100000:05d}"
    return body + str(check_digit(body, foreign=foreign))


def _invalid(en: str, ko: str) -> VaxbookError:
    return VaxbookError(Problem.INVALID_RESIDENT_NUMBER, field="resident_number", detail_en=en, detail_ko=ko)
