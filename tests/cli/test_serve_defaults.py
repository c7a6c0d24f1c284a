"""Safe defaults: `vaxbook serve` shows no codes unless asked, and says loudly when it does."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from tests.cluster.outages import free_port
from tests.cluster.served import wait_ready
from tests.journey import person_number
from vaxbook.cli import app, is_loopback
from vaxbook.config import Settings

KEYS_ENV = {"VAXBOOK_PEPPER": "p1:serve-test-pepper-01", "VAXBOOK_SIGNING_KEYS": "s1:serve-test-signing-1",
            "VAXBOOK_CSRF_KEYS": "c1:serve-test-csrf-key-1"}


@contextlib.contextmanager
def served(tmp_path: Path, *flags: str) -> Iterator[tuple[str, Path]]:
    """`vaxbook serve` on the embedded default in `tmp_path`; yields its URL and its output file."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("VAXBOOK_")}
    env.update(KEYS_ENV, VAXBOOK_DATABASE_URL=f"sqlite:///{tmp_path / 'ledger.db'}")
    port, output = free_port(), tmp_path / "serve.out"
    with output.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "vaxbook", "serve", "--port", str(port), *flags],
            env=env, cwd=tmp_path, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
        try:
            wait_ready(f"http://127.0.0.1:{port}", process, 1)
            yield f"http://127.0.0.1:{port}", output
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=15)


def _start_verification(url: str) -> httpx.Response:
    return httpx.post(url + "/api/auth/start", headers={"X-Device-Id": "d1"}, json={
        "name": "홍길동", "resident_number": person_number(date(1990, 5, 13)),
        "phone": "010-1234-5678", "method": "kakao"}, timeout=10)


def test_dev_mode_is_off_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings with nothing configured keep verification codes secret."""
    monkeypatch.delenv("VAXBOOK_DEV_MODE", raising=False)
    assert Settings().dev_mode is False


def test_serve_by_default_reveals_no_code_and_shows_no_ribbon(tmp_path: Path) -> None:
    """A plain `vaxbook serve` answers a verification without the code, and its pages carry no ribbon."""
    with served(tmp_path) as (url, output):
        started = _start_verification(url)
        assert started.status_code == 200 and "dev_code" not in started.json()
        assert 'data-testid="demo-ribbon"' not in httpx.get(url + "/", timeout=10).text
    assert "dev mode is on" not in output.read_text()


def test_serve_in_dev_mode_warns_and_every_page_shows_the_ribbon(tmp_path: Path) -> None:
    """`--dev-mode` prints a warning, reveals codes, and puts the demo ribbon on every page."""
    with served(tmp_path, "--dev-mode") as (url, output):
        assert "dev_code" in _start_verification(url).json()
        for path in ("/", "/verify", "/mine", "/line", "/book"):
            page = httpx.get(url + path, timeout=10, follow_redirects=True)
            assert 'data-testid="demo-ribbon"' in page.text, path
    assert "WARNING: dev mode is on" in output.read_text()


def test_dev_mode_on_a_public_address_needs_an_explicit_flag(monkeypatch: pytest.MonkeyPatch) -> None:
    """Serving dev mode on 0.0.0.0 exits 2 unless --allow-public-dev-mode is given."""
    monkeypatch.setenv("VAXBOOK_DEV_MODE", "false")  # restored afterwards: serve sets it
    result = CliRunner().invoke(app, ["serve", "--dev-mode", "--host", "0.0.0.0"], env={"COLUMNS": "200"})
    assert result.exit_code == 2
    assert "--allow-public-dev-mode" in result.output


@pytest.mark.parametrize(("host", "loopback"), [("127.0.0.1", True), ("::1", True), ("localhost", True),
                                                 ("127.8.0.1", True), ("0.0.0.0", False), ("::", False),
                                                 ("10.0.0.5", False), ("example.org", False)])
def test_loopback_addresses_are_recognised(host: str, loopback: bool) -> None:
    """Only addresses reachable from this machine alone count as loopback."""
    assert is_loopback(host) is loopback
