"""The citizen's steps in a real browser, shared by the browser tests and `make screenshots`."""

from __future__ import annotations

import hashlib

from playwright.sync_api import Page

NAME = "홍길동"


def phone_number(number: str) -> str:
    """A phone of the person's own: starts are limited per phone, and the suite shares one server."""
    digits = int(hashlib.sha256(number.encode()).hexdigest(), 16) % 10**8
    return f"010-{digits // 10**4:04d}-{digits % 10**4:04d}"


def fill_verification(
    page: Page, base: str, number: str, purpose: str = "book", method: str = "kakao"
) -> None:
    """Step 1 of verification: the form, filled and sent (leaves the browser on the code page)."""
    page.goto(f"{base}/verify?next={purpose}")
    page.check(f"#method-{method}")
    page.fill("#name", NAME)
    page.fill("#resident_number", number)
    page.fill("#phone", phone_number(number))
    page.click("form[action='/verify'] button[type=submit]")


def enter_code(page: Page) -> None:
    """Step 2: the demo code shown on the page, typed in and confirmed."""
    code = page.inner_text("#dev-code").rsplit(":", 1)[-1].strip()
    page.fill("#code", code)
    page.click("form[action='/verify/code'] button[type=submit]")


def verify(page: Page, base: str, number: str, purpose: str = "book", method: str = "kakao") -> None:
    fill_verification(page, base, number, purpose, method)
    enter_code(page)


def choose_first_free(page: Page) -> None:
    """Province -> district -> clinic -> date and time, each time the first with free places."""
    for _ in range(3):
        page.locator("ul.choices a").first.click()
    page.locator("ul.slots a").first.click()


def book_first_free(page: Page) -> None:
    """From the first booking page to the confirmation."""
    choose_first_free(page)
    page.click("form[action='/book'] button[type=submit]")
