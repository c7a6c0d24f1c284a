"""The command line: serve, demo, campaign check."""

from __future__ import annotations

import asyncio
import ipaddress
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from vaxbook.config import Settings
from vaxbook.digest_cli import digest_app
from vaxbook.inventory_cli import clinics_app, slots_app
from vaxbook.keys import SecretsError
from vaxbook.ops_cli import clinic_key_app, operator_app

app = typer.Typer(help="vaxbook: vaccination pre-reservation under a national rush.", no_args_is_help=True)
campaign_app = typer.Typer(help="Campaign files.", no_args_is_help=True)
app.add_typer(campaign_app, name="campaign")
db_app = typer.Typer(help="The ledger's database (cluster mode: PostgreSQL).", no_args_is_help=True)
app.add_typer(db_app, name="db")
retention_app = typer.Typer(help="Personal data kept only as long as it is needed.", no_args_is_help=True)
app.add_typer(retention_app, name="retention")
app.add_typer(digest_app, name="digest")
app.add_typer(clinics_app, name="clinics")
app.add_typer(slots_app, name="slots")
app.add_typer(operator_app, name="operator")
app.add_typer(clinic_key_app, name="clinic-key")
console = Console()

DatabaseUrl = Annotated[
    str | None, typer.Option("--database-url", help="sqlite:///path or postgresql://...")
]
RedisUrl = Annotated[
    str | None, typer.Option("--redis-url", help="redis://... or redis+cluster://h:p,... (cluster mode)")
]
CampaignFile = Annotated[Path | None, typer.Option("--campaign-file", help="campaign TOML")]


def _apply(database_url: str | None, redis_url: str | None, campaign_file: Path | None) -> Settings:
    """CLI flags become VAXBOOK_* variables, so worker processes see the same settings."""
    for name, value in (("DATABASE_URL", database_url), ("REDIS_URL", redis_url),
                        ("CAMPAIGN_FILE", campaign_file)):
        if value is not None:
            os.environ[f"VAXBOOK_{name}"] = str(value)
    return Settings()


@app.command()
def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int = typer.Option(1, min=1, help="processes sharing the ledger and the gate"),
    database_url: DatabaseUrl = None,
    redis_url: RedisUrl = None,
    campaign_file: CampaignFile = None,
    migrate: bool = typer.Option(False, "--migrate", help="apply PostgreSQL migrations at start-up"),
    pool_size: int | None = typer.Option(None, min=1, help="PostgreSQL connections per worker"),
    dev_mode: bool | None = typer.Option(
        None, "--dev-mode/--no-dev-mode", help="demo only: show simulated codes (default: off)"
    ),
    allow_public_dev_mode: bool = typer.Option(
        False, "--allow-public-dev-mode", help="dev mode on a non-loopback address (never in production)"
    ),
) -> None:
    """Start the HTTP service (API, OpenAPI at /docs)."""
    import uvicorn  # noqa: PLC0415  # only this command needs the server

    if migrate:
        os.environ["VAXBOOK_MIGRATE_ON_START"] = "true"
    if pool_size is not None:
        os.environ["VAXBOOK_POOL_SIZE"] = str(pool_size)
    if dev_mode is not None:
        os.environ["VAXBOOK_DEV_MODE"] = str(dev_mode).lower()
    settings = _apply(database_url, redis_url, campaign_file)
    if workers > 1 and not settings.redis_url:
        console.print("[red]--workers > 1 needs a shared gate: set --redis-url[/red]")
        raise typer.Exit(2)
    if settings.dev_mode:
        if not is_loopback(host) and not allow_public_dev_mode:
            console.print(f"[red]dev mode shows every verification code: it is not served on {host}"
                          " without --allow-public-dev-mode[/red]")
            raise typer.Exit(2)
        console.print("[bold yellow]WARNING: dev mode is on. Verification codes are shown to whoever asks;"
                      " anyone who knows a resident number can act as that person. Demo only.[/bold yellow]")
    # Made once, before the workers start: each would otherwise create keys of its own, and
    # a ticket signed by one worker would be refused by the next.
    try:
        settings.keys()
    except SecretsError as problem:
        console.print(f"[red]{problem}[/red]")
        raise typer.Exit(2) from None
    console.print(f"vaxbook on [bold]http://{host}:{port}/[/bold]  (API docs: /docs)")
    from vaxbook.observability import logging_config, prepare_metrics_dir, remove_metrics_dir  # noqa: PLC0415
    from vaxbook.web.protocol import GuardedHttpToolsProtocol  # noqa: PLC0415  # as uvicorn above

    # Before any worker starts: each writes its metric files there (docs/operators.md).
    metrics_dir, made = prepare_metrics_dir(settings.metrics_dir)
    # Each worker keeps the garbage collector off what its start-up made (vaxbook/heap.py).
    os.environ.setdefault("VAXBOOK_GC_FREEZE", "true")
    try:
        # Header size, count and timeout and the connection cap are the protocol's; bodies the
        # app's (docs/operations.md, "Transport limits and reverse proxy").
        # No `Server: uvicorn` on the answers: it tells a scanner what to look up (the Date stays).
        uvicorn.run("vaxbook.web.app:create_app", factory=True, host=host, port=port,
                    workers=workers, log_level="warning", access_log=False, http=GuardedHttpToolsProtocol,
                    timeout_keep_alive=settings.keep_alive_seconds, backlog=settings.backlog,
                    server_header=False, log_config=logging_config(settings.log_level))
    finally:
        if made:
            remove_metrics_dir(metrics_dir)


def is_loopback(host: str) -> bool:
    """Whether a listening address is reachable from this machine only."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@app.command()
def demo(
    clinics: int = typer.Option(300, min=1, help="synthetic clinics to create"),
    reset: bool = typer.Option(True, help="start from an empty embedded database"),
    database_url: DatabaseUrl = None,
    campaign_out: Path = typer.Option(Path("var/demo-campaign.toml"), help="where to write the campaign"),
) -> None:
    """Create a demo campaign whose current group window is open now, with clinics and slots."""
    from vaxbook import demo as demo_data  # noqa: PLC0415  # keeps start-up of other commands light
    from vaxbook.bootstrap import build_ledger  # noqa: PLC0415  # as above
    from vaxbook.services.clinics import ClinicService  # noqa: PLC0415  # as above

    settings = _apply(database_url, None, None)
    campaign = demo_data.demo_campaign(datetime.now(UTC))
    demo_data.write_demo_campaign(campaign_out, campaign)
    db_path = settings.database_url.removeprefix("sqlite:///")
    if reset and settings.database_url.startswith("sqlite:///"):
        for suffix in ("", "-wal", "-shm"):
            Path(db_path + suffix).unlink(missing_ok=True)

    async def load() -> list[str]:
        ledger = build_ledger(settings)
        await ledger.open()
        try:
            made = await demo_data.load_demo_inventory(
                ClinicService(ledger), campaign.first_dose_days, clinics
            )
        finally:
            await ledger.close()
        return [c.id for c in made[:3]]

    sample_clinics = asyncio.run(load())
    console.print(f"Demo campaign written to [bold]{campaign_out}[/bold]; {clinics} clinics loaded.")
    console.print(f"Open now: group {campaign.open_group} (born on a day ending in "
                  f"{campaign.open_group}), window of {campaign.open_day}.")
    console.print("Demo people who may book now: " + ", ".join(demo_data.demo_people(campaign.open_group)))
    later = (campaign.open_group + 1) % 10
    console.print(f"Demo people whose turn is tomorrow (group {later}): "
                  + ", ".join(demo_data.demo_people(later, 1)))
    console.print("Clinic list keys: " + ", ".join(
        f"{cid} -> {demo_data.demo_clinic_key(cid)}" for cid in sample_clinics))


@campaign_app.command("check")
def campaign_check(file: Path) -> None:
    """Validate a campaign file and print its schedule."""
    from vaxbook.domain.campaign import CampaignError, load_campaign  # noqa: PLC0415  # as above
    from vaxbook.domain.rotation import all_windows  # noqa: PLC0415  # as above

    try:
        campaign = load_campaign(file)
    except CampaignError as exc:
        console.print(f"[red]invalid campaign[/red] {exc.file}: [bold]{exc.key}[/bold]: {exc.reason}")
        raise typer.Exit(1) from None
    console.print(f"[green]valid[/green] {campaign.id}: {campaign.name_en} ({campaign.timezone})")
    table = Table("group", "date", "opens", "closes")
    for window in all_windows(campaign):
        table.add_row(
            "all" if window.group is None else str(window.group),
            window.opens.date().isoformat() if window.group is not None else "additional period",
            f"{window.opens:%Y-%m-%d %H:%M}", f"{window.closes:%Y-%m-%d %H:%M}",
        )
    console.print(table)


@db_app.command("upgrade")
def db_upgrade(database_url: DatabaseUrl = None) -> None:
    """Apply the migrations the database lacks and record its version; safe to run again."""
    settings = _apply(database_url, None, None)
    if not settings.database_url.startswith(("postgresql://", "postgres://")):
        console.print("The embedded SQLite ledger migrates itself when it opens; nothing to do.")
        return
    import asyncpg  # noqa: PLC0415  # only cluster mode needs the driver

    from vaxbook.adapters.postgres.migrate import current_version, upgrade  # noqa: PLC0415  # as above

    async def run() -> tuple[list[str], int]:
        connection = await asyncpg.connect(settings.database_url)
        try:
            applied = await upgrade(connection)
            return [f"{m.version:04d}_{m.name}" for m in applied], await current_version(connection)
        finally:
            await connection.close()

    applied, version = asyncio.run(run())
    for name in applied:
        console.print(f"applied [bold]{name}[/bold]")
    console.print(f"database schema at version {version}" + ("" if applied else " (already current)"))


@app.command()
def notify(
    database_url: DatabaseUrl = None,
    campaign_file: CampaignFile = None,
    once: bool = typer.Option(False, "--once", help="deliver what is due now, then exit"),
) -> None:
    """Run the outbox dispatcher alone (with VAXBOOK_NOTIFY_DISPATCHER=false on the servers)."""
    from vaxbook.bootstrap import build  # noqa: PLC0415  # keeps start-up of other commands light

    settings = _apply(database_url, None, campaign_file)

    async def run() -> int:
        built = build(settings)
        await built.start()
        try:
            if once:
                total = 0
                while (claimed := await built.dispatcher.run_once()) > 0:
                    total += claimed
                return total
            await built.dispatcher.run(asyncio.Event())  # until interrupted
            return 0
        finally:
            await built.stop()

    try:
        delivered = asyncio.run(run())
    except KeyboardInterrupt:
        return
    console.print(f"{delivered} message(s) handled")


@retention_app.command("purge")
def retention_purge(database_url: DatabaseUrl = None, campaign_file: CampaignFile = None) -> None:
    """Delete every kept contact (phone, e-mail) once the campaign's last dose day is over."""
    from vaxbook.bootstrap import build  # noqa: PLC0415  # as above
    from vaxbook.services.retention import PurgeResult  # noqa: PLC0415  # as above

    settings = _apply(database_url, None, campaign_file)

    async def run() -> PurgeResult:
        built = build(settings)
        await built.start()
        try:
            return await built.retention.purge()
        finally:
            await built.stop()

    result = asyncio.run(run())
    if result.purged:
        console.print(f"purged {result.deleted} contact(s); last dose day {result.last_dose_day}")
    else:
        console.print(f"nothing purged: the last dose is on {result.last_dose_day};"
                      f" contacts are deleted from {result.purge_from:%Y-%m-%d %H:%M %Z}")
