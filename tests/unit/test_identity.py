"""Resident registration numbers: parsing, check digits, groups, and keeping them private."""

from __future__ import annotations

import sys
import unicodedata
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vaxbook.domain.errors import VaxbookError
from vaxbook.domain.identity import (
    canonical_name,
    canonical_phone,
    check_digit,
    group_for_birth_date,
    make_resident_number,
    mask_name,
    parse_resident_number,
    person_key,
)


def test_parses_with_and_without_dash() -> None:
    """The same number parses with or without the dash, to the same birth date and group."""
    number = make_resident_number(date(1985, 3, 27), male=False, serial=4242)
    dashed = number[:6] + "-" + number[6:]
    assert parse_resident_number(number) == parse_resident_number(dashed)
    parsed = parse_resident_number(dashed)
    assert parsed.birth_date == date(1985, 3, 27)
    assert parsed.group == 7
    assert not parsed.male and not parsed.foreign


@pytest.mark.parametrize(
    ("seventh", "year", "male", "foreign"),
    [
        ("1", 1990, True, False),
        ("2", 1990, False, False),
        ("3", 2002, True, False),
        ("4", 2002, False, False),
        ("5", 1990, True, True),
        ("6", 1990, False, True),
        ("7", 2002, True, True),
        ("8", 2002, False, True),
        ("9", 1890, True, False),
        ("0", 1890, False, False),
    ],
)
def test_seventh_digit_gives_century_sex_and_citizenship(
    seventh: str, year: int, male: bool, foreign: bool
) -> None:
    """Digits 1-4 are citizens, 5-8 foreign residents, 9/0 the 1800s; odd is male."""
    body = f"{year % 100:02d}0315{seventh}12345"
    parsed = parse_resident_number(body + str(check_digit(body, foreign=foreign)))
    assert parsed.birth_date == date(year, 3, 15)
    assert (parsed.male, parsed.foreign) == (male, foreign)


def test_wrong_check_digit_is_refused() -> None:
    """A pre-2020 number with a wrong check digit is refused, naming the field."""
    number = make_resident_number(date(1990, 1, 1), male=True)
    wrong = number[:12] + str((int(number[12]) + 1) % 10)
    with pytest.raises(VaxbookError) as caught:
        parse_resident_number(wrong)
    assert caught.value.code == "invalid_resident_number"
    assert caught.value.field == "resident_number"


def test_numbers_issued_after_october_2020_need_no_check_digit() -> None:
    """Someone born after the 2020 reform has a random last digit, which is accepted."""
    body = "2011054123456"
    for last in "0123456789":
        assert parse_resident_number(body[:12] + last).birth_date == date(2020, 11, 5)


@pytest.mark.parametrize(
    "text",
    ["", "12345", "900101-123456", "9001011234567x", "901301-1234567", "900230-1234567", "abcdef-ghijklm"],
)
def test_malformed_numbers_are_refused(text: str) -> None:
    """Wrong length, letters and impossible dates are refused."""
    with pytest.raises(VaxbookError):
        parse_resident_number(text)


@given(
    st.dates(min_value=date(1900, 1, 1), max_value=date(2020, 9, 30)), st.booleans(), st.integers(0, 99999)
)
def test_every_made_number_parses_back(birth: date, male: bool, serial: int) -> None:
    """Any number we make for a birth date parses back to that date and its group."""
    parsed = parse_resident_number(make_resident_number(birth, male=male, serial=serial))
    assert parsed.birth_date == birth
    assert parsed.group == birth.day % 10


def test_group_is_last_digit_of_day_of_birth() -> None:
    """Born on the 1st, 10th, 21st and 30th: groups 1, 0, 1, 0."""
    assert [group_for_birth_date(date(1990, 1, d)) for d in (1, 10, 21, 30)] == [1, 0, 1, 0]


def test_person_key_is_keyed_and_hides_the_number() -> None:
    """The person key depends on the secret and does not contain the number."""
    number = parse_resident_number(make_resident_number(date(1990, 1, 1), male=True))
    key = person_key(number, b"secret-a")
    assert key != person_key(number, b"secret-b")
    assert number.digits not in key
    assert number.digits not in repr(number) and number.digits not in str(number)


def test_names_are_masked_for_clinic_lists() -> None:
    """Only the first and last characters of a name are kept."""
    assert mask_name("홍길동") == "홍*동"
    assert mask_name("남궁민수") == "남**수"
    assert mask_name("이솔") == "이*"


def _unicode_zeros() -> list[str]:
    """The zero of every Unicode run of decimal digits other than ASCII (from unicodedata)."""
    return [chr(c) for c in range(sys.maxunicode + 1)
            if unicodedata.decimal(chr(c), None) == 0 and chr(c) != "0"]


def test_no_unicode_decimal_digit_reaches_a_person_key() -> None:
    """A number spelled with any non-ASCII decimal digit, wholly or in one place, is refused."""
    number = make_resident_number(date(1995, 12, 19), male=False, serial=7623)
    zeros = _unicode_zeros()
    assert len(zeros) > 60  # full-width, Arabic-Indic, Devanagari, mathematical, ...
    for zero in zeros:
        spelled = "".join(chr(ord(zero) + int(d)) for d in number)
        one_digit = number[:8] + chr(ord(zero) + int(number[8])) + number[9:]
        for text in (spelled, spelled[:6] + "-" + spelled[6:], one_digit):
            with pytest.raises(VaxbookError) as refused:
                parse_resident_number(text)
            assert refused.value.code == "invalid_resident_number"
            assert refused.value.field == "resident_number"


@pytest.mark.parametrize(
    "shape",
    ["{a} {b}", "{a}\u2013{b}", "{a}\u2212{b}", "{a}\uff0d{b}", "{a}\u2010{b}", "{a}--{b}",
     "{a}-{b}\n9", "{a}\x00{b}", "{a}-{b}\u200b", "{a}{b}x"],
)
def test_only_an_ascii_hyphen_may_separate_the_halves(shape: str) -> None:
    """Inner spaces, other dashes, NUL, zero-width and trailing junk are refused."""
    number = make_resident_number(date(1995, 12, 19), male=False, serial=7623)
    with pytest.raises(VaxbookError) as refused:
        parse_resident_number(shape.format(a=number[:6], b=number[6:]))
    assert refused.value.code == "invalid_resident_number"


def test_outer_ascii_blanks_are_trimmed() -> None:
    """Blanks around the number (a copy-paste) do not make it another person."""
    number = make_resident_number(date(1995, 12, 19), male=False, serial=7623)
    assert parse_resident_number(f"  {number}\n") == parse_resident_number(number)


def test_names_are_nfc_trimmed_and_single_spaced() -> None:
    """A decomposed name, extra spaces and a middle dot give one canonical form."""
    assert canonical_name(unicodedata.normalize("NFD", "  홍길동 ")) == "홍길동"
    assert canonical_name("John   Smith") == "John Smith"
    assert canonical_name("응우옌·반·안") == "응우옌·반·안"
    assert canonical_name("José Müller") == "José Müller"


@pytest.mark.parametrize(
    "name",
    ["홍\x00길동", "홍길동\u202e", "홍\u200b길동", "\u200f홍길동", "\x1b[31m홍길동", "홍\t길동",
     "Ｈong", "Иван", "홍길동1", "홍길동😀", "", "   ", "가" * 41, "e\u0301\u0301"],
)
def test_names_with_control_format_or_foreign_script_characters_are_refused(name: str) -> None:
    """NUL, bidi marks, zero-width, escapes, full-width or other scripts, digits and bad lengths."""
    with pytest.raises(VaxbookError) as refused:
        canonical_name(name)
    assert refused.value.code == "invalid_input" and refused.value.field == "name"


def test_phones_are_korean_mobiles_in_ascii_digits() -> None:
    """Hyphens and spaces are dropped; full-width and other digits are refused."""
    assert canonical_phone("010-1234-5678") == canonical_phone("010 1234 5678") == "01012345678"
    for bad in ("０１０-１２３４-５６７８", "٠١٠١٢٣٤٥٦٧٨", "02-123-4567", "010–1234–5678", "010123456789"):
        with pytest.raises(VaxbookError) as refused:
            canonical_phone(bad)
        assert refused.value.field == "phone"
