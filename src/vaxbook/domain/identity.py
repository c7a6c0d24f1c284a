"""Korean resident registration numbers (주민등록번호): parse, validate, derive.

Layout: YYMMDD-SBBBBBC. S gives century, sex and citizenship; C is a check digit on
numbers issued before October 2020 (after that the last six digits are random).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import date

from vaxbook.domain.errors import VaxbookError

# Numbers issued from this date on carry no check digit. We cannot see the issue date,
# so a number is held to the check digit when its holder was born before the reform
# (the number is issued at birth); later-born holders are not.
CHECK_DIGIT_ABOLISHED = date(2020, 10, 1)

_CENTURY = {9: 1800, 0: 1800, 1: 1900, 2: 1900, 5: 1900, 6: 1900, 3: 2000, 4: 2000, 7: 2000, 8: 2000}
_WEIGHTS = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)
_SHAPE = re.compile(r"^(\d{6})-?(\d{7})$")


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
    """Parse a 13-digit number with or without the dash, or raise invalid_resident_number."""
    match = _SHAPE.match(text.strip())
    if not match:
        raise _invalid("13 digits are expected, as YYMMDD-NNNNNNN.", "13자리 숫자가 필요합니다.")
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
    return VaxbookError("invalid_resident_number", field="resident_number", detail_en=en, detail_ko=ko)
