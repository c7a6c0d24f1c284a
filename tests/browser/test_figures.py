"""The public figures page in a real browser, phone-sized, in Korean and in English."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.server import Server


def test_figures_page_shows_the_published_numbers_in_both_languages(phone: Page, server: Server) -> None:
    """The page lists the ten groups and the provinces with the JSON's numbers, and switches to English."""
    errors: list[str] = []
    phone.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    answer = phone.goto(server.url + "/figures")
    assert answer is not None and answer.headers["cache-control"] == "public, max-age=60"
    expect(phone.locator("html")).to_have_attribute("lang", "ko")
    expect(phone.locator("h1")).to_have_text("예약 현황 공개")
    expect(phone.locator("#by-group tbody tr")).to_have_count(11)  # ten groups and the total
    figures = phone.request.get(server.url + "/api/figures").json()
    total = figures["totals"]
    expect(phone.locator("#by-group tr.total")).to_contain_text(f"{total['offered']:,}")
    expect(phone.locator("#by-province tbody tr")).to_have_count(len(figures["by_province"]))
    expect(phone.locator("#by-province")).to_contain_text("서울특별시")

    phone.get_by_role("link", name="English").click()
    expect(phone.locator("html")).to_have_attribute("lang", "en")
    expect(phone.locator("h1")).to_have_text("Public figures")
    expect(phone.locator("#by-province")).to_contain_text("Seoul (서울특별시)")
    width = phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    assert width, "the page scrolls sideways on a phone"
    assert errors == []
