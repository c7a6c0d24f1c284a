"""Loading a campaign's clinics and slots from CSV files, and writing them back out.

A file is checked whole before anything is written: every row's own errors first (all of
them, up to a bound), then what only the ledger knows (unknown clinics, capacities below
what is booked). Any error refuses the whole file; nothing is half-written.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping, Set
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import TextIO

from vaxbook.domain.csv_text import FileErrors, RowError, decode
from vaxbook.domain.inventory_rows import (
    CLINIC_COLUMNS,
    SLOT_COLUMNS,
    ImportSummary,
    clinic_rows,
    slot_rows,
)
from vaxbook.ports import Ledger


@cache
def known_regions() -> dict[str, frozenset[str]]:
    """The 17 provinces (Korean names) and their districts, from data/regions.json."""
    text = resources.files("vaxbook").joinpath("data/regions.json").read_text(encoding="utf-8")
    return {p["ko"]: frozenset(d["ko"] for d in p["districts"]) for p in json.loads(text)["provinces"]}


@dataclass
class ImportReport:
    """What happened to one file: its encoding, what was (or would be) written, or every error."""

    file: str
    encoding: str = ""
    summary: ImportSummary = field(default_factory=lambda: ImportSummary(0, 0, 0))
    errors: list[RowError] = field(default_factory=list)
    total_errors: int = 0
    dry_run: bool = False

    @property
    def accepted(self) -> bool:
        return self.total_errors == 0

    def lines(self) -> list[str]:
        """Each error as `file: row N column C: reason [code]`, and a count of any not listed."""
        found = [error.describe(self.file) for error in self.errors]
        if self.total_errors > len(self.errors):
            found.append(f"{self.file}: ... and {self.total_errors - len(self.errors)} more errors")
        return found


class InventoryFiles:
    def __init__(self, ledger: Ledger, vaccines: Set[str],
                 regions: Mapping[str, Set[str]] | None = None) -> None:
        self._ledger = ledger
        self._vaccines = vaccines
        self._regions = regions if regions is not None else known_regions()

    async def import_clinics(self, data: bytes, file: str, *, dry_run: bool = False) -> ImportReport:
        """Create or update every clinic of a file, or none of them."""
        report, errors = ImportReport(file, dry_run=dry_run), FileErrors()
        text = self._decode(data, report, errors)
        rows = clinic_rows(text, self._regions, errors) if text is not None else []
        if not errors:
            report.summary = await self._ledger.import_clinics(rows, dry_run=dry_run)
            errors.extend(report.summary.refused)
        return _finish(report, errors)

    async def import_slots(self, data: bytes, file: str, *, dry_run: bool = False) -> ImportReport:
        """Create or update every slot of a file, each split among the groups, or none of them."""
        report, errors = ImportReport(file, dry_run=dry_run), FileErrors()
        text = self._decode(data, report, errors)
        rows = slot_rows(text, self._vaccines, errors) if text is not None else []
        if not errors:
            report.summary = await self._ledger.import_slots(rows, dry_run=dry_run)
            errors.extend(report.summary.refused)
        return _finish(report, errors)

    async def export_clinics(self, out: TextIO) -> int:
        """Write every clinic in the import format; the number written."""
        _write(out, [CLINIC_COLUMNS])
        count = 0
        async for batch in self._ledger.export_clinics():
            _write(out, [(c.clinic_id, c.name, c.sido, c.sigungu, c.address, c.phone) for c in batch])
            count += len(batch)
        return count

    async def export_slots(self, out: TextIO) -> int:
        """Write every slot in the import format (first-dose capacity whole, not split); the count."""
        _write(out, [SLOT_COLUMNS])
        count = 0
        async for batch in self._ledger.export_slots():
            _write(out, [(s.clinic_id, s.day.isoformat(), s.start.isoformat("minutes"),
                          s.end.isoformat("minutes"), s.vaccine_id, s.first_capacity,
                          s.second_capacity) for s in batch])
            count += len(batch)
        return count

    @staticmethod
    def _decode(data: bytes, report: ImportReport, errors: FileErrors) -> str | None:
        try:
            text, report.encoding = decode(data)
        except UnicodeDecodeError as exc:
            errors.add(1, "", "unknown_encoding",
                       f"neither UTF-8 nor CP949 (byte {exc.start + 1} of the file)")
            return None
        return text


def _finish(report: ImportReport, errors: FileErrors) -> ImportReport:
    report.errors, report.total_errors = errors.listed, errors.total
    if errors:
        report.summary = ImportSummary(0, 0, 0)
    return report


def _write(out: TextIO, rows: list[tuple[object, ...]]) -> None:
    csv.writer(out).writerows(rows)
