"""The clinic staff's steps in a real browser, shared by the browser tests and the screenshots."""

from __future__ import annotations

from datetime import date, timedelta

from playwright.sync_api import Page

from vaxbook.demo import demo_clinic_key

CLINIC = "C00001"


def sign_in(page: Page, url: str, key: str | None = None) -> None:
    page.goto(f"{url}/clinic/login")
    page.fill("#clinic_id", CLINIC)
    page.fill("#key", key if key is not None else demo_clinic_key(CLINIC))
    page.click("form[action='/clinic/login'] button[type=submit]")


def add_slot(page: Page, days_ahead: int = 20, start: str = "13:00", first: int = 23) -> str:
    """Fill in and send the add-slot form; the day it was added on."""
    day = (date.today() + timedelta(days=days_ahead)).isoformat()
    form = page.locator("form[data-testid=add-slot]")
    form.locator("#date").fill(day)
    form.locator("#start").fill(start)
    form.locator("#end").fill(f"{int(start[:2]) + 1:02d}:00")
    form.locator("#first_capacity").fill(str(first))
    form.locator("button[type=submit]").click()
    return day
