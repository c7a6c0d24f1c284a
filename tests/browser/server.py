"""A real vaxbook server on a free local port, with a demo campaign open at the real now."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import uvicorn

from tests.conftest import FAST, TEST_KEYS
from vaxbook.bootstrap import build_ledger
from vaxbook.config import Settings
from vaxbook.demo import DemoCampaign, demo_campaign, load_demo_inventory, write_demo_campaign
from vaxbook.domain.identity import make_resident_number
from vaxbook.services.clinics import ClinicService
from vaxbook.web.app import create_app


@dataclass
class Server:
    url: str
    group: int  # the group whose window is open now
    settings: Settings
    _next_person: int = 0

    def person(self) -> str:
        """A new resident number in the open group (each person verifies once per 10 minutes)."""
        self._next_person += 1
        day = self.group or 10
        birth = date(1975 + self._next_person % 25, 1 + self._next_person % 12, day)
        return make_resident_number(birth, male=self._next_person % 2 == 0, serial=20000 + self._next_person)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def running_server(
    workdir: Path, clinics: int = 12,
    inventory: Callable[[ClinicService, DemoCampaign], Awaitable[None]] | None = None, **changes: Any,
) -> Iterator[Server]:
    """Start uvicorn in a thread; stop it on exit. `inventory` loads clinics of its own first."""
    workdir.mkdir(parents=True, exist_ok=True)
    campaign = demo_campaign(datetime.now(UTC))
    write_demo_campaign(workdir / "campaign.toml", campaign)
    settings = Settings(
        database_url=f"sqlite:///{workdir / 'ledger.db'}",
        campaign_file=workdir / "campaign.toml",
        **TEST_KEYS,
        **FAST,
    ).model_copy(update=changes)

    async def load() -> None:
        ledger = build_ledger(settings)
        await ledger.open()
        try:
            if clinics:
                await load_demo_inventory(ClinicService(ledger), campaign.first_dose_days, clinics)
            if inventory is not None:
                await inventory(ClinicService(ledger), campaign)
        finally:
            await ledger.close()

    # In a thread of its own: Playwright's sync API may already run an event loop in this one.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(lambda: asyncio.run(load())).result()
    port = free_port()
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning",
                            ws="none", lifespan="on", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield Server(f"http://127.0.0.1:{port}", campaign.open_group, settings)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
