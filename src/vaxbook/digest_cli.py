"""`vaxbook digest make|verify`: the daily allocation digests (docs/operators.md, "Public figures")."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.console import Console

from vaxbook.config import Settings
from vaxbook.domain.figures import DigestConflict, DigestOutOfOrder

T = TypeVar("T")
digest_app = typer.Typer(help="Daily allocation digests, each carrying the hash of the one before.",
                         no_args_is_help=True)
console = Console()
DatabaseUrl = Annotated[str | None, typer.Option("--database-url", help="sqlite:///path or postgresql://...")]
CampaignFile = Annotated[Path | None, typer.Option("--campaign-file", help="campaign TOML (its time zone)")]


def _run(database_url: str | None, campaign_file: Path | None, work: Callable[..., Awaitable[T]]) -> T:
    """Open the ledger the settings name, run `work(figures_service)`, close it."""
    from vaxbook.bootstrap import SystemClock, build_ledger  # noqa: PLC0415  # keeps other commands light
    from vaxbook.domain.campaign import load_campaign  # noqa: PLC0415  # as above
    from vaxbook.services.figures import FiguresService  # noqa: PLC0415  # as above

    changes: dict[str, object] = {}
    if database_url is not None:
        changes["database_url"] = database_url
    if campaign_file is not None:
        changes["campaign_file"] = campaign_file
    settings = Settings().model_copy(update=changes)
    timezone = load_campaign(settings.campaign_file).timezone

    async def run() -> T:
        ledger = build_ledger(settings)
        await ledger.open()
        try:
            return await work(FiguresService(ledger, SystemClock(), timezone))
        finally:
            await ledger.close()

    return asyncio.run(run())


@digest_app.command("make")
def make(
    day: Annotated[str | None, typer.Option("--day", help="YYYY-MM-DD (default: yesterday)")] = None,
    database_url: DatabaseUrl = None,
    campaign_file: CampaignFile = None,
) -> None:
    """Append the day's digest of the allocation as it stands now (run it just after midnight)."""
    try:
        chosen = date.fromisoformat(day) if day else None
    except ValueError:
        console.print(f"[red]--day {day!r} is not a date (YYYY-MM-DD)[/red]")
        raise typer.Exit(2) from None
    try:
        digest = _run(database_url, campaign_file, lambda figures: figures.make_digest(chosen))
    except (DigestOutOfOrder, DigestConflict) as refused:
        console.print(f"[red]digest not made: {refused}[/red]")
        raise typer.Exit(1) from None
    console.print(f"digest of {digest.day} appended: sha256 {digest.sha256}"
                  f" (previous {digest.previous_sha256[:16]}...)")


@digest_app.command("verify")
def verify(database_url: DatabaseUrl = None, campaign_file: CampaignFile = None) -> None:
    """Check the chain of stored digests; exit 1 naming the first day where it breaks."""
    count, broken = _run(database_url, campaign_file, lambda figures: figures.verify_digests())
    if broken is not None:
        console.print(f"[red]chain broken at {broken.day}: {broken.reason}[/red]")
        raise typer.Exit(1)
    console.print(f"[green]chain holds[/green]: {count} digest(s)")
