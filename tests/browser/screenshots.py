"""`make screenshots`: a phone-sized (360 px) and a desktop-sized PNG of every citizen page
(and of the clinic staff pages, tests/browser/clinic_screenshots.py).

Usage: python -m tests.browser.screenshots [OUT_DIR]   (default docs/screenshots)
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import httpx
from playwright.sync_api import Page

from tests.browser import flow
from tests.browser.browser import DESKTOP, PHONE, chromium
from tests.browser.server import Server, running_server


def shoot(page: Page, out: Path, name: str) -> None:
    """Both sizes of the page as it is now."""
    for size, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        page.set_viewport_size(viewport)
        page.screenshot(path=out / f"{name}-{size}.png", full_page=True)
    page.set_viewport_size(PHONE)


def tour(server: Server, out: Path) -> list[str]:
    """Walk every page with two people (one waits behind the other) and save each one."""
    shots: list[str] = []
    with chromium() as browser:
        first = browser.new_context(viewport=PHONE).new_page()
        waiting = browser.new_context(viewport=PHONE).new_page()

        def save(page: Page, name: str) -> None:
            shoot(page, out, name)
            shots.append(name)

        first.goto(f"{server.url}/?birth=1990-01-{server.group or 10:02d}")
        save(first, "01-landing")
        first.goto(f"{server.url}/verify?next=book")
        save(first, "02-verify")
        number = server.person()
        flow.fill_verification(first, server.url, number)
        save(first, "03-verify-code")
        flow.enter_code(first)
        save(first, "05-book-province")

        crowd(server, 40)
        flow.verify(waiting, server.url, server.person())
        save(waiting, "04-waiting-room")

        first.locator("ul.choices a").first.click()
        save(first, "06-book-district")
        first.locator("ul.choices a").first.click()
        save(first, "07-book-clinic")
        first.locator("ul.choices a").first.click()
        save(first, "08-book-slot")
        first.locator("ul.slots a").first.click()
        save(first, "09-book-review")
        first.click("form[action='/book'] button[type=submit]")
        save(first, "10-booked")
        first.goto(f"{server.url}/mine")
        save(first, "11-my-booking")
        first.goto(f"{server.url}/mine/change")
        save(first, "12-change-confirm")
        first.goto(f"{server.url}/mine/cancel")
        save(first, "13-cancel-confirm")
        first.get_by_role("button", name="예, 취소합니다").click()
        save(first, "14-cancelled")

        other_device = browser.new_context(viewport=PHONE).new_page()
        flow.verify(other_device, server.url, number)
        save(other_device, "15-error-other-device")
        other_device.goto(f"{server.url}/book")
        save(other_device, "16-error-no-pass")
        other_device.goto(f"{server.url}/lang/en?next=/%3Fbirth%3D1990-01-0{server.group}")
        save(other_device, "17-landing-english")
        from tests.browser.clinic_screenshots import clinic_tour  # noqa: PLC0415  # it imports shoot from here

        shots += clinic_tour(browser, server, out)
    return shots


def crowd(server: Server, count: int) -> None:
    """People who join the line through the JSON API, so the waiting room has a queue to show."""
    with httpx.Client(base_url=server.url) as client:
        for n in range(count):
            device = {"X-Device-Id": f"crowd-device-{n:04d}"}
            started = client.post("/api/auth/start", headers=device, json={
                "name": "김민수", "resident_number": server.person(), "phone": "010-2222-3333",
                "method": "naver"}).json()
            token = client.post("/api/auth/verify", headers=device, json={
                "request_token": started["request_token"], "code": started["dev_code"]}).json()
            client.post("/api/line/join", headers={**device,
                        "Authorization": f"Bearer {token['identity_token']}"}).raise_for_status()


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots")
    out.mkdir(parents=True, exist_ok=True)
    # One person books at a time and admission is slow, so the waiting room has a queue.
    with (tempfile.TemporaryDirectory() as work,
          running_server(Path(work), admission_cap=1, admission_rate=0.2,
                         # the crowd shares one phone and one address
                         limit_starts_per_phone=None, limit_starts_per_client=None) as server):
        shots = tour(server, out)
    print(f"{len(shots) * 2} screenshots in {out}/: " + ", ".join(shots))


if __name__ == "__main__":
    main()
