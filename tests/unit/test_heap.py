"""The serving worker's garbage collector settings (vaxbook/heap.py), through the app's start-up."""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from typer.testing import CliRunner

from tests.cli.test_serve_defaults import KEYS_ENV as SERVE_ENV
from tests.conftest import CAMPAIGN_2021, FAST, TEST_KEYS
from vaxbook import cli
from vaxbook.config import Settings
from vaxbook.heap import YOUNG_THRESHOLD
from vaxbook.web.app import create_app


@pytest.fixture
def collector() -> Iterator[None]:
    """Whatever a test does to the collector is undone after it."""
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


@pytest.mark.parametrize("freeze", [True, False])
async def test_start_up_freezes_the_heap_only_when_told(freeze: bool, tmp_path: Path,
                                                        collector: None) -> None:
    """With gc_freeze, what start-up made is out of the collector's scans and young collections come
    less often; without it (the tests' default), the collector is as Python left it."""
    gc.unfreeze()
    before = gc.get_threshold()
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'ledger.db'}", gc_freeze=freeze,
                              campaign_file=CAMPAIGN_2021, **FAST, **TEST_KEYS))
    async with app.router.lifespan_context(app):
        if freeze:
            assert gc.get_freeze_count() > 10_000  # the app, its modules and the ledger's caches
            assert gc.get_threshold()[0] == YOUNG_THRESHOLD
            assert gc.get_threshold()[1:] == before[1:]
        else:
            assert gc.get_freeze_count() == 0
            assert gc.get_threshold() == before


def test_vaxbook_serve_turns_it_on_for_its_workers(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """`vaxbook serve` starts its workers with VAXBOOK_GC_FREEZE on, unless the operator set it."""
    seen: list[str | None] = []
    monkeypatch.setattr(uvicorn, "run", lambda *_, **__: seen.append(os.environ.get("VAXBOOK_GC_FREEZE")))
    for name, value in SERVE_ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("VAXBOOK_DATABASE_URL", f"sqlite:///{tmp_path / 'ledger.db'}")
    # serve sets it in this process: setenv first, so that monkeypatch restores it (to unset) afterwards
    monkeypatch.setenv("VAXBOOK_GC_FREEZE", "")
    monkeypatch.delenv("VAXBOOK_GC_FREEZE")
    assert CliRunner().invoke(cli.app, ["serve"]).exit_code == 0
    monkeypatch.setenv("VAXBOOK_GC_FREEZE", "false")
    assert CliRunner().invoke(cli.app, ["serve"]).exit_code == 0
    assert seen == ["true", "false"]
    assert Settings.model_fields["gc_freeze"].default is False
