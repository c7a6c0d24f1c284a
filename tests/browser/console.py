"""Operators for the browser tests and the screenshots: made in the running server's ledger."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from playwright.sync_api import Page

from tests.browser.server import Server
from vaxbook.bootstrap import SystemClock, build_ledger
from vaxbook.domain.operators import Role
from vaxbook.services.operators import OperatorService

PASSWORD = "a long enough password"


def add_operator(server: Server, name: str, role: Role) -> None:
    """An operator in the server's SQLite ledger (a second connection; WAL lets both write)."""

    async def add() -> None:
        ledger = build_ledger(server.settings)
        await ledger.open()
        try:
            await OperatorService(ledger, SystemClock(), None, 3600).add(name, role, PASSWORD, "test")
        finally:
            await ledger.close()

    with ThreadPoolExecutor(1) as pool:  # Playwright's sync API runs a loop in this thread
        pool.submit(lambda: asyncio.run(add())).result()


def sign_in(page: Page, server: Server, name: str) -> None:
    page.goto(f"{server.url}/ops/login")
    page.fill("#name", name)
    page.fill("#password", PASSWORD)
    page.click("form[action='/ops/login'] button[type=submit]")
    page.wait_for_url(f"{server.url}/ops")
