"""Safety and accessibility on every page of a journey: CSP, cookies, labels, language, keyboard."""

from __future__ import annotations

import re

from playwright.sync_api import BrowserContext, Page, Response, expect

from tests.browser.server import Server

PAGE_CHECKS = """() => ({
  lang: document.documentElement.lang,
  inlineScripts: [...document.scripts].filter(s => !s.src).length,
  inlineStyles: document.querySelectorAll('style, [style]').length,
  unlabelled: [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
    .filter(el => el.labels.length === 0 && !el.getAttribute('aria-label')).map(el => el.name),
})"""


def _focus(page: Page, selector: str, limit: int = 40) -> None:
    """Press Tab until the element matching `selector` has the focus (keyboard only)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_every_page_is_strict_labelled_and_keyboard_usable(
    phone: Page, context: BrowserContext, server: Server
) -> None:
    """A keyboard-only journey meets strict CSP, labelled inputs and lang on every page, with no errors."""
    documents: list[Response] = []
    problems: list[str] = []
    phone.on("response", lambda r: documents.append(r) if r.request.resource_type == "document" else None)
    phone.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    seen: list[str] = []

    def check() -> None:
        found = phone.evaluate(PAGE_CHECKS)
        assert found == {"lang": "ko", "inlineScripts": 0, "inlineStyles": 0, "unlabelled": []}, phone.url
        seen.append(phone.url)

    phone.goto(server.url + "/")
    check()
    _focus(phone, "a[href='/verify?next=book']")
    with phone.expect_navigation():
        phone.keyboard.press("Enter")
    check()
    _focus(phone, "#name")
    phone.keyboard.type("홍길동")
    phone.keyboard.press("Tab")
    phone.keyboard.type(server.person())
    phone.keyboard.press("Tab")
    phone.keyboard.type("010-1234-5678")
    phone.keyboard.press("Enter")
    expect(phone.locator("#dev-code")).to_be_visible()
    check()
    code = phone.inner_text("#dev-code").rsplit(":", 1)[-1].strip()
    phone.keyboard.type(code)  # the code field has the focus on arrival
    phone.keyboard.press("Enter")
    phone.wait_for_url(re.compile(r"/book$"))
    for selector in ("ul.choices a", "ul.choices a", "ul.choices a", "ul.slots a"):
        check()
        _focus(phone, selector)
        with phone.expect_navigation():
            phone.keyboard.press("Enter")
    check()
    _focus(phone, "form[action='/book'] button")
    phone.keyboard.press("Enter")
    expect(phone.locator("h1")).to_have_text("예약이 완료되었습니다")
    check()

    assert len(seen) == 9
    assert problems == []
    for response in documents:
        assert "script-src 'self'" in response.headers["content-security-policy"], response.url
        assert "default-src 'none'" in response.headers["content-security-policy"], response.url
    cookies = {c["name"]: c for c in context.cookies()}
    assert {"vb_device", "vb_identity", "vb_pass"} <= set(cookies)
    for cookie in cookies.values():
        assert cookie["httpOnly"] and cookie["sameSite"] == "Lax", cookie["name"]


def test_problems_are_friendly_pages_in_the_page_language(phone: Page, server: Server) -> None:
    """An unknown clinic or a broken request shows a message in the chosen language, never a trace or JSON."""
    phone.goto(server.url + "/lang/en?next=/book/slots%3Fsido%3Dx%26sigungu%3Dy%26clinic%3Dnope")
    expect(phone.locator("html")).to_have_attribute("lang", "en")
    expect(phone.locator("#problem")).to_contain_text("You must pass the waiting room to book.")
    body = phone.content()
    assert "Traceback" not in body and '"code"' not in body
    phone.goto(server.url + "/book/review?slot=not-a-number")
    expect(phone.locator("#problem")).to_have_attribute("data-code", "invalid_input")
    expect(phone.locator("h1")).to_have_text("We could not do that")
