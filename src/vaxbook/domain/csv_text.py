"""Reading an operator's CSV file: its encoding, its header and its rows, each error placed.

Korean spreadsheets save CSV as CP949; newer ones as UTF-8, often with a byte-order mark.
A file is read as UTF-8 if it strictly is (any BOM dropped), else as CP949: a UTF-8 file
of Korean text is practically never also valid CP949, so the order decides nothing wrongly.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

MAX_ERRORS = 100  # errors listed in full; the rest are counted


@dataclass(frozen=True)
class RowError:
    """One thing wrong with a file: where (row 1 is the header, column by name) and why."""

    row: int
    column: str
    code: str
    reason: str

    def describe(self, file: str) -> str:
        column = f" column {self.column}" if self.column else ""
        return f"{file}: row {self.row}{column}: {self.reason} [{self.code}]"


class FileErrors:
    """The errors found so far; past MAX_ERRORS they are counted but not kept."""

    def __init__(self) -> None:
        self.listed: list[RowError] = []
        self.total = 0

    def add(self, row: int, column: str, code: str, reason: str) -> None:
        self.total += 1
        if len(self.listed) < MAX_ERRORS:
            self.listed.append(RowError(row, column, code, reason))

    def extend(self, errors: Sequence[RowError]) -> None:
        for error in errors:
            self.add(error.row, error.column, error.code, error.reason)

    def __bool__(self) -> bool:
        return self.total > 0


def decode(data: bytes) -> tuple[str, str]:
    """The file's text and the encoding it was read as: "utf-8" (BOM or not) or "cp949"."""
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp949"), "cp949"  # may raise UnicodeDecodeError: neither encoding


def read_rows(
    text: str, columns: Sequence[str], errors: FileErrors
) -> Iterator[tuple[int, dict[str, str]]]:
    """(row number, {column: value}) for every data row, after checking the header.

    A wrong header is one error on row 1 and no rows; a row with too few or too many
    fields is an error on its row. Blank lines are skipped (spreadsheets add them).
    """
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        errors.add(1, "", "unreadable_csv", f"not a CSV header: {exc}")
        return
    if header is None:
        errors.add(1, "", "empty_file", "the file is empty")
        return
    found = [name.strip() for name in header]
    if found != list(columns):
        errors.add(1, "", "wrong_header",
                   f"the header must be {','.join(columns)} (found {','.join(found)})")
        return
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            errors.add(reader.line_num, "", "unreadable_csv", f"not valid CSV: {exc}")
            return
        if not any(field.strip() for field in fields):
            continue
        if len(fields) != len(columns):
            errors.add(reader.line_num, "", "wrong_field_count",
                       f"{len(fields)} fields where the header has {len(columns)}")
            continue
        yield reader.line_num, dict(zip(columns, (field.strip() for field in fields), strict=True))

