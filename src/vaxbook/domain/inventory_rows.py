"""Clinic and slot rows of an operator's file: checked one by one, each error named.

Pure: the known provinces, districts and vaccines are handed in, the file's text too.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Set
from dataclasses import dataclass
from datetime import date, time
from typing import Generic, TypeVar

from vaxbook.domain.canonical import CLINIC_ID_PATTERN
from vaxbook.domain.csv_text import FileErrors, RowError, read_rows

CLINIC_COLUMNS = ("clinic_id", "name", "sido", "sigungu", "address", "phone")
SLOT_COLUMNS = ("clinic_id", "date", "start", "end", "vaccine", "first_capacity", "second_capacity")
MAX_CAPACITY = 100_000  # places in one slot; far above any clinic's day
NAME_MAX_LENGTH, ADDRESS_MAX_LENGTH = 100, 200

T = TypeVar("T")
_CLINIC_ID = re.compile(CLINIC_ID_PATTERN, re.ASCII)
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
_TIME = re.compile(r"([0-9]{1,2}):([0-9]{2})", re.ASCII)
_COUNT = re.compile(r"-?[0-9]{1,9}", re.ASCII)
_PHONE = re.compile(r"0[0-9]{1,3}-?[0-9]{3,4}-?[0-9]{4}", re.ASCII)


@dataclass(frozen=True)
class ClinicRecord:
    """A clinic as files carry it (the key is issued separately, never imported)."""

    clinic_id: str
    name: str
    sido: str
    sigungu: str
    address: str
    phone: str


@dataclass(frozen=True)
class SlotRecord:
    """A slot as files carry it; (clinic_id, day, start, vaccine_id) names it across imports."""

    clinic_id: str
    day: date
    start: time
    end: time
    vaccine_id: str
    first_capacity: int
    second_capacity: int

    @property
    def key(self) -> tuple[str, date, time, str]:
        return self.clinic_id, self.day, self.start, self.vaccine_id


@dataclass(frozen=True)
class Numbered(Generic[T]):
    """A record and the file row it came from, so the ledger's refusals can name the row."""

    row: int
    record: T


def clinic_rows(
    text: str, regions: Mapping[str, Set[str]], errors: FileErrors
) -> list[Numbered[ClinicRecord]]:
    """Every clinic row of a file that passes its checks; the others are errors."""
    found: list[Numbered[ClinicRecord]] = []
    first_row: dict[str, int] = {}
    for row, values in read_rows(text, CLINIC_COLUMNS, errors):
        before = errors.total
        clinic_id = values["clinic_id"]
        if not _CLINIC_ID.fullmatch(clinic_id):
            errors.add(row, "clinic_id", "invalid_clinic_id", "1-32 ASCII letters, digits, '-' or '_'")
        elif clinic_id in first_row:
            errors.add(row, "clinic_id", "duplicate_clinic_id",
                       f"{clinic_id} is already on row {first_row[clinic_id]}")
        else:
            first_row[clinic_id] = row
        name = _text(values["name"], NAME_MAX_LENGTH, row, "name", errors)
        address = _text(values["address"], ADDRESS_MAX_LENGTH, row, "address", errors)
        sido, sigungu = values["sido"], values["sigungu"]
        if sido not in regions:
            errors.add(row, "sido", "unknown_province", f"{sido!r} is not one of the 17 provinces")
        elif sigungu not in regions[sido]:
            errors.add(row, "sigungu", "unknown_district", f"{sigungu!r} is not a district of {sido}")
        phone = values["phone"]
        if phone and not _PHONE.fullmatch(phone):
            errors.add(row, "phone", "invalid_phone", "a Korean phone number such as 02-123-4567")
        if errors.total == before:
            found.append(Numbered(row, ClinicRecord(clinic_id, name, sido, sigungu, address, phone)))
    return found


def slot_rows(text: str, vaccines: Set[str], errors: FileErrors) -> list[Numbered[SlotRecord]]:
    """Every slot row of a file that passes its checks; the others are errors."""
    found: list[Numbered[SlotRecord]] = []
    first_row: dict[tuple[str, date, time, str], int] = {}
    for row, values in read_rows(text, SLOT_COLUMNS, errors):
        before = errors.total
        clinic_id = values["clinic_id"]
        if not _CLINIC_ID.fullmatch(clinic_id):
            errors.add(row, "clinic_id", "invalid_clinic_id", "1-32 ASCII letters, digits, '-' or '_'")
        day = _date(values["date"], row, errors)
        start = _time(values["start"], row, "start", errors)
        end = _time(values["end"], row, "end", errors)
        if start is not None and end is not None and end <= start:
            errors.add(row, "end", "end_not_after_start", "the slot must end after it starts")
        vaccine = values["vaccine"]
        if vaccine not in vaccines:
            errors.add(row, "vaccine", "unknown_vaccine",
                       f"{vaccine!r} is not a vaccine of the campaign ({', '.join(sorted(vaccines))})")
        first = _capacity(values["first_capacity"], row, "first_capacity", errors)
        second = _capacity(values["second_capacity"], row, "second_capacity", errors)
        if errors.total != before or day is None or start is None or end is None:
            continue
        record = SlotRecord(clinic_id, day, start, end, vaccine, first or 0, second or 0)
        if record.key in first_row:
            errors.add(row, "start", "duplicate_slot",
                       f"the same clinic, date, start and vaccine are on row {first_row[record.key]}")
            continue
        first_row[record.key] = row
        found.append(Numbered(row, record))
    return found


def _text(value: str, limit: int, row: int, column: str, errors: FileErrors) -> str:
    if not value:
        errors.add(row, column, "missing_value", "must not be empty")
    elif len(value) > limit:
        errors.add(row, column, "too_long", f"at most {limit} characters")
    elif any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn") for ch in value):
        errors.add(row, column, "invalid_text", "holds control or unassigned characters")
    return unicodedata.normalize("NFC", value)


def _date(value: str, row: int, errors: FileErrors) -> date | None:
    if _DATE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    errors.add(row, "date", "invalid_date", f"{value!r} is not a date written YYYY-MM-DD")
    return None


def _time(value: str, row: int, column: str, errors: FileErrors) -> time | None:
    match = _TIME.fullmatch(value)
    if match and int(match[1]) < 24 and int(match[2]) < 60:
        return time(int(match[1]), int(match[2]))
    errors.add(row, column, "invalid_time", f"{value!r} is not a time written HH:MM")
    return None


def _capacity(value: str, row: int, column: str, errors: FileErrors) -> int | None:
    if not _COUNT.fullmatch(value):
        errors.add(row, column, "invalid_number", f"{value!r} is not a whole number")
        return None
    number = int(value)
    if number < 0:
        errors.add(row, column, "negative_capacity", "a capacity cannot be negative")
        return None
    if number > MAX_CAPACITY:
        errors.add(row, column, "capacity_too_large", f"at most {MAX_CAPACITY:,} places")
        return None
    return number


@dataclass(frozen=True)
class ImportSummary:
    """What an import did (or, in a dry run or when refused, would have done)."""

    created: int
    changed: int
    unchanged: int
    refused: tuple[RowError, ...] = ()
