"""Phone and desktop PNGs of the clinic staff pages (part of `make screenshots`).

Usage: python -m tests.browser.clinic_screenshots [OUT_DIR]   (default docs/screenshots)
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from playwright.sync_api import Browser

from tests.browser import clinic_flow
from tests.browser.browser import PHONE, chromium
from tests.browser.screenshots import shoot
from tests.browser.server import Server, running_server


def clinic_tour(browser: Browser, server: Server, out: Path) -> list[str]:
    """Sign in, add a slot, change it, and meet a refusal; each page saved."""
    page = browser.new_context(viewport=PHONE).new_page()
    shots: list[str] = []

    def save(name: str) -> None:
        shoot(page, out, name)
        shots.append(name)

    page.goto(f"{server.url}/clinic/login")
    save("20-clinic-login")
    clinic_flow.sign_in(page, server.url)
    clinic_flow.add_slot(page, days_ahead=20, start="13:00", first=23)
    save("21-clinic-slot-added")
    clinic_flow.add_slot(page, days_ahead=20, start="13:00", first=23)
    save("22-clinic-slot-exists")
    page.goto(f"{server.url}/lang/en?next=/clinic")
    save("23-clinic-english")
    return shots


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots")
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as work, running_server(Path(work), clinics=3) as server, \
            chromium() as browser:
        shots = clinic_tour(browser, server, out)
    print(f"{len(shots) * 2} screenshots in {out}/: " + ", ".join(shots))


if __name__ == "__main__":
    main()
