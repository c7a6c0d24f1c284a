"""`vaxbook clinics import|export` and `vaxbook slots import|export`: a campaign's inventory as CSV."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Awaitable, Callable
from contextlib import nullcontext
from pathlib import Path
from typing import Annotated, TextIO, TypeVar

import typer
from rich.console import Console

from vaxbook.config import Settings
from vaxbook.services.inventory_files import ImportReport, InventoryFiles

T = TypeVar("T")
clinics_app = typer.Typer(help="Clinics: import and export (CSV).", no_args_is_help=True)
slots_app = typer.Typer(help="Slots: import and export (CSV).", no_args_is_help=True)
err = Console(stderr=True, soft_wrap=True)

DatabaseUrl = Annotated[str | None, typer.Option("--database-url", help="sqlite:///path or postgresql://...")]
DryRun = Annotated[bool, typer.Option("--dry-run", help="check everything, write nothing")]
Out = Annotated[Path | None, typer.Option("--out", "-o", help="file to write (default: standard output)")]
Bom = Annotated[bool, typer.Option("--bom", help="start with a UTF-8 byte-order mark (for Excel)")]
CampaignFile = Annotated[Path | None, typer.Option("--campaign-file", help="campaign TOML (its vaccines)")]


def _settings(database_url: str | None, campaign_file: Path | None) -> Settings:
    if database_url is not None:
        os.environ["VAXBOOK_DATABASE_URL"] = database_url
    if campaign_file is not None:
        os.environ["VAXBOOK_CAMPAIGN_FILE"] = str(campaign_file)
    return Settings()


def _run(settings: Settings, work: Callable[[InventoryFiles], Awaitable[T]]) -> T:
    from vaxbook.bootstrap import build_ledger  # noqa: PLC0415  # keeps other commands' start-up light
    from vaxbook.domain.campaign import load_campaign  # noqa: PLC0415  # as above

    vaccines = {v.id for v in load_campaign(settings.campaign_file).vaccines}

    async def run() -> T:
        ledger = build_ledger(settings)
        await ledger.open()
        try:
            return await work(InventoryFiles(ledger, vaccines))
        finally:
            await ledger.close()

    return asyncio.run(run())


def _import(
    kind: str, file: Path, dry_run: bool, database_url: str | None, campaign_file: Path | None
) -> None:
    settings = _settings(database_url, campaign_file)
    data = file.read_bytes()

    async def load(files: InventoryFiles) -> ImportReport:
        load_file = files.import_clinics if kind == "clinics" else files.import_slots
        return await load_file(data, str(file), dry_run=dry_run)

    report = _run(settings, load)
    if not report.accepted:
        for line in report.lines():
            err.print(line, markup=False, highlight=False)
        err.print(f"[red]{file}: refused, {report.total_errors} errors; nothing was written[/red]")
        raise typer.Exit(1)
    done = report.summary
    verb = "would be" if dry_run else "were"
    err.print(f"{file} ({report.encoding}): {done.created} {kind} {verb} created, {done.changed} changed,"
              f" {done.unchanged} unchanged" + (" (dry run: nothing written)" if dry_run else ""))


def _export(kind: str, out: Path | None, bom: bool, database_url: str | None) -> None:
    settings = _settings(database_url, None)
    with open(out, "w", encoding="utf-8", newline="") if out else nullcontext(sys.stdout) as stream:
        target: TextIO = stream
        if bom:
            target.write("\ufeff")

        async def dump(files: InventoryFiles) -> int:
            return await (files.export_clinics(target) if kind == "clinics" else files.export_slots(target))

        count = _run(settings, dump)
    err.print(f"{count} {kind} written" + (f" to {out}" if out else ""))


@clinics_app.command("import")
def clinics_import(file: Path, dry_run: DryRun = False, database_url: DatabaseUrl = None,
                   campaign_file: CampaignFile = None) -> None:
    """Load clinics (clinic_id,name,sido,sigungu,address,phone): all of them or, on any error, none."""
    _import("clinics", file, dry_run, database_url, campaign_file)


@clinics_app.command("export")
def clinics_export(out: Out = None, bom: Bom = False, database_url: DatabaseUrl = None) -> None:
    """Write every clinic in the import format."""
    _export("clinics", out, bom, database_url)


@slots_app.command("import")
def slots_import(file: Path, dry_run: DryRun = False, database_url: DatabaseUrl = None,
                 campaign_file: CampaignFile = None) -> None:
    """Load slots (clinic_id,date,start,end,vaccine,first_capacity,second_capacity): all or none."""
    _import("slots", file, dry_run, database_url, campaign_file)


@slots_app.command("export")
def slots_export(out: Out = None, bom: Bom = False, database_url: DatabaseUrl = None) -> None:
    """Write every slot in the import format (first-dose capacity whole, as imported)."""
    _export("slots", out, bom, database_url)
