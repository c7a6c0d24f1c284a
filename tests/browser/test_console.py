"""The operators' console in a real browser: sign-in, steering, and figures that refresh in place."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect

from tests.browser.browser import DESKTOP, PHONE
from tests.browser.console import add_operator, sign_in
from tests.browser.server import Server
from vaxbook.domain.operators import Role


def _device(browser: Browser, desktop: bool = False) -> Page:
    page = browser.new_context(viewport=DESKTOP if desktop else PHONE, locale="ko-KR").new_page()
    page.set_default_timeout(10_000)
    return page


def test_an_operator_steers_and_a_second_console_follows_without_reloading(
    browser: Browser, server: Server
) -> None:
    """A change made on a phone shows on a desktop console within seconds, with no reload or script error."""
    add_operator(server, "ops-phone", Role.OPERATOR)
    add_operator(server, "ops-desk", Role.VIEWER)
    phone, desk = _device(browser), _device(browser, desktop=True)
    errors: list[str] = []
    desk.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    desk.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(desk, server, "ops-desk")
    expect(desk.get_by_test_id("who")).to_contain_text("ops-desk")
    line = desk.locator("article.line").first
    line_id = line.get_attribute("data-line")
    assert line_id
    expect(desk.locator(f"form[action='/ops/lines/{line_id}/pause']")).to_have_count(0)  # a viewer
    desk.evaluate("window.__notReloaded = true")

    sign_in(phone, server, "ops-phone")
    phone.fill(f"#line-{line_id} input[name=rate]", "4")
    phone.click(f"#line-{line_id} form[action$='/rate'] button")
    expect(phone.locator(f"#line-{line_id}-rate")).to_have_text("4")
    phone.click(f"#line-{line_id} form[action$='/pause'] button")
    expect(phone.locator(f"#line-{line_id}-state")).to_have_text("일시 정지")

    expect(desk.locator(f"#line-{line_id}-rate")).to_have_text("4", timeout=10_000)
    expect(desk.locator(f"#line-{line_id}-state")).to_have_text("일시 정지", timeout=10_000)
    expect(desk.locator("#audit-body tr").first).to_contain_text("line.pause", timeout=10_000)
    assert desk.evaluate("window.__notReloaded") is True
    expect(desk.locator("img.chart")).to_have_count(4)
    assert desk.evaluate("Array.from(document.querySelectorAll('img.chart')).every(i => i.naturalWidth > 0)")

    phone.click(f"#line-{line_id} form[action$='/resume'] button")
    phone.fill(f"#line-{line_id} input[name=rate]", "")
    phone.click(f"#line-{line_id} form[action$='/rate'] button")
    expect(phone.locator(f"#line-{line_id}-state")).to_have_text("진행")
    assert errors == []


def test_a_wrong_password_stays_on_the_sign_in_page_with_the_reason(browser: Browser, server: Server) -> None:
    """A wrong password shows the refusal beside the form, and no console."""
    add_operator(server, "ops-wrong", Role.VIEWER)
    page = _device(browser)
    page.goto(f"{server.url}/ops/login")
    page.fill("#name", "ops-wrong")
    page.fill("#password", "not the password at all")
    page.click("form[action='/ops/login'] button[type=submit]")
    expect(page.locator("#form-error")).to_have_attribute("data-code", "operator_login_failed")
    expect(page).to_have_url(re.compile(r"/ops/login$"))
