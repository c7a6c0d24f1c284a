"""`vaxbook operator ...` and `vaxbook clinic-key ...`: accounts and clinic keys from the command line.

Each action is written to the ledger's audit trail as `cli:<login name>`, beside what
operators do on the console.
"""

from __future__ import annotations

import asyncio
import getpass
import sys
from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

import typer
from rich.console import Console

from vaxbook.domain.errors import VaxbookError
from vaxbook.domain.operators import Role
from vaxbook.ports import Ledger

T = TypeVar("T")
operator_app = typer.Typer(help="Operator accounts of the console (/ops).", no_args_is_help=True)
clinic_key_app = typer.Typer(help="Clinic keys: issue (shown once) and revoke.", no_args_is_help=True)
console = Console()
err = Console(stderr=True)
DatabaseUrl = Annotated[str | None, typer.Option("--database-url", help="sqlite:///path or postgresql://...")]


def _who() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no passwd entry (a container) and no LOGNAME
        return "cli"


def _run(database_url: str | None, work: Callable[[Ledger], Awaitable[T]]) -> T:
    """Open the ledger, do the work, close it; a refusal is printed with its code, exit 1."""
    from vaxbook.bootstrap import build_ledger  # noqa: PLC0415  # keeps `vaxbook --help` light
    from vaxbook.cli import _apply  # noqa: PLC0415  # the one place flags become settings

    settings = _apply(database_url, None, None)

    async def run() -> T:
        ledger = build_ledger(settings)
        await ledger.open()
        try:
            return await work(ledger)
        finally:
            await ledger.close()

    try:
        return asyncio.run(run())
    except VaxbookError as refused:
        detail = refused.detail_en or refused.code.value
        err.print(f"[red]{refused.code.value}[/red]: {detail}")
        raise typer.Exit(1) from None


def _read_password() -> str:
    """Asked twice on a terminal; from the first line of standard input otherwise (scripts)."""
    if sys.stdin.isatty():
        return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))
    return sys.stdin.readline().rstrip("\r\n")


@operator_app.command("add")
def operator_add(
    name: str,
    role: Role = typer.Option(..., "--role", help="viewer watches; operator also steers"),
    database_url: DatabaseUrl = None,
) -> None:
    """Add an operator; the password is asked for (or read from standard input)."""
    from vaxbook.bootstrap import SystemClock  # noqa: PLC0415  # as in _run
    from vaxbook.services.operators import OperatorService  # noqa: PLC0415  # as in _run

    password = _read_password()
    _run(database_url, lambda ledger: OperatorService(ledger, SystemClock(), None, 60).add(
        name, role, password, _who()))
    console.print(f"operator [bold]{name}[/bold] added ({role.value})")


@operator_app.command("remove")
def operator_remove(name: str, database_url: DatabaseUrl = None) -> None:
    """Remove an operator; their sessions end at once."""
    from vaxbook.bootstrap import SystemClock  # noqa: PLC0415  # as in _run
    from vaxbook.services.operators import OperatorService  # noqa: PLC0415  # as in _run

    _run(database_url, lambda ledger: OperatorService(ledger, SystemClock(), None, 60).remove(name, _who()))
    console.print(f"operator [bold]{name}[/bold] removed")


@clinic_key_app.command("issue")
def clinic_key_issue(clinic_id: str, database_url: DatabaseUrl = None) -> None:
    """A new key for the clinic, printed once (only its hash is kept); the old key stops working."""
    from vaxbook.bootstrap import SystemClock  # noqa: PLC0415  # as in _run
    from vaxbook.services.clinic_keys import ClinicKeyService  # noqa: PLC0415  # as in _run

    key = _run(database_url, lambda ledger: ClinicKeyService(ledger, SystemClock()).issue(clinic_id, _who()))
    err.print(f"new key of clinic {clinic_id} (shown once; give it to the clinic):")
    print(key)  # alone on standard output, so a script can capture it


@clinic_key_app.command("revoke")
def clinic_key_revoke(clinic_id: str, database_url: DatabaseUrl = None) -> None:
    """No key opens the clinic's list until a new one is issued."""
    from vaxbook.bootstrap import SystemClock  # noqa: PLC0415  # as in _run
    from vaxbook.services.clinic_keys import ClinicKeyService  # noqa: PLC0415  # as in _run

    _run(database_url, lambda ledger: ClinicKeyService(ledger, SystemClock()).revoke(clinic_id, _who()))
    console.print(f"key of clinic [bold]{clinic_id}[/bold] revoked")
