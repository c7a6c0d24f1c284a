"""`vaxbook operator` and `vaxbook clinic-key`: accounts and keys from the command line, audited."""

from __future__ import annotations

import asyncio
from pathlib import Path

from typer.testing import CliRunner

from tests.conftest import TEST_KEYS
from vaxbook.adapters.sqlite.ledger import SqliteLedger
from vaxbook.cli import app
from vaxbook.domain.booking import Clinic
from vaxbook.services.clinics import hash_clinic_key

runner = CliRunner()


def _env(tmp_path: Path) -> dict[str, str]:
    return {"VAXBOOK_DATABASE_URL": f"sqlite:///{tmp_path / 'ledger.db'}", "COLUMNS": "200",
            **{f"VAXBOOK_{k.upper()}": v for k, v in TEST_KEYS.items()}}


def _ledger(tmp_path: Path) -> SqliteLedger:
    return SqliteLedger(tmp_path / "ledger.db")


async def _read(tmp_path: Path, clinic: str | None = None) -> tuple[list[str], str | None, bool]:
    ledger = _ledger(tmp_path)
    await ledger.open()
    try:
        actions = [f"{e.operator}|{e.action}|{e.target}" for e in await ledger.audit_log(10)]
        key_hash = await ledger.clinic_key_hash(clinic) if clinic else None
        return actions, key_hash, await ledger.operator("alice") is not None
    finally:
        await ledger.close()


def test_operator_add_reads_the_password_from_stdin_and_stores_only_a_hash(tmp_path: Path) -> None:
    """A script adds an operator with the password on stdin; the ledger holds an argon2id hash, audited."""
    result = runner.invoke(app, ["operator", "add", "alice", "--role", "operator"],
                           input="a long enough password\n", env=_env(tmp_path))
    assert result.exit_code == 0, result.output
    assert "a long enough password" not in result.output
    actions, _, exists = asyncio.run(_read(tmp_path))
    assert exists and actions[0].endswith("|operator.add|operator:alice") and actions[0].startswith("cli")
    db = (tmp_path / "ledger.db").read_bytes()
    assert b"a long enough password" not in db and b"$argon2id$" in db


def test_operator_add_refuses_a_taken_name_a_bad_name_a_short_password_and_a_bad_role(tmp_path: Path) -> None:
    """Each refusal exits 1 (2 for a role typer rejects) with its stable code."""
    env = _env(tmp_path)
    assert runner.invoke(app, ["operator", "add", "alice", "--role", "viewer"],
                         input="a long enough password\n", env=env).exit_code == 0
    taken = runner.invoke(app, ["operator", "add", "alice", "--role", "viewer"],
                          input="a long enough password\n", env=env)
    assert taken.exit_code == 1 and "operator_exists" in taken.output
    bad_name = runner.invoke(app, ["operator", "add", "Al ice", "--role", "viewer"],
                             input="a long enough password\n", env=env)
    assert bad_name.exit_code == 1 and "invalid_input" in bad_name.output
    short = runner.invoke(app, ["operator", "add", "bob", "--role", "viewer"], input="short\n", env=env)
    assert short.exit_code == 1 and "password" in short.output
    role = runner.invoke(app, ["operator", "add", "bob", "--role", "admin"], input="x\n", env=env)
    assert role.exit_code == 2


def test_operator_remove_removes_and_a_second_remove_is_refused(tmp_path: Path) -> None:
    """Removing twice: the first succeeds and is audited, the second exits 1 with operator_not_found."""
    env = _env(tmp_path)
    runner.invoke(app, ["operator", "add", "alice", "--role", "viewer"],
                  input="a long enough password\n", env=env)
    assert runner.invoke(app, ["operator", "remove", "alice"], env=env).exit_code == 0
    again = runner.invoke(app, ["operator", "remove", "alice"], env=env)
    assert again.exit_code == 1 and "operator_not_found" in again.output
    actions, _, exists = asyncio.run(_read(tmp_path))
    assert not exists and actions[0].endswith("|operator.remove|operator:alice")


def test_clinic_key_issue_prints_the_key_once_and_revoke_stops_it(tmp_path: Path) -> None:
    """The printed key is the one whose hash is stored; after revoke no key's hash matches."""
    async def add_clinic() -> None:
        ledger = _ledger(tmp_path)
        await ledger.open()
        await ledger.add_clinic(Clinic("C1", "의원", "서울특별시", "종로구", "주소"), hash_clinic_key("old"))
        await ledger.close()

    asyncio.run(add_clinic())
    env = _env(tmp_path)
    issued = runner.invoke(app, ["clinic-key", "issue", "C1"], env=env)
    assert issued.exit_code == 0, issued.output
    key = issued.stdout.strip().splitlines()[-1]
    actions, stored, _ = asyncio.run(_read(tmp_path, "C1"))
    assert stored == hash_clinic_key(key) != hash_clinic_key("old")
    assert key not in (tmp_path / "ledger.db").read_bytes().decode("utf-8", "replace")
    assert runner.invoke(app, ["clinic-key", "revoke", "C1"], env=env).exit_code == 0
    actions, stored, _ = asyncio.run(_read(tmp_path, "C1"))
    assert stored is not None and stored != hash_clinic_key(key) and len(stored) != 64
    assert [a.split("|")[1] for a in actions[:2]] == ["clinic_key.revoke", "clinic_key.issue"]
    unknown = runner.invoke(app, ["clinic-key", "issue", "NOPE"], env=env)
    assert unknown.exit_code == 1 and "clinic_not_found" in unknown.output
