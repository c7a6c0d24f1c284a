"""The whole journey in a real browser on a phone-sized screen, in Korean and in English."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser import flow
from tests.browser.server import Server


def test_korean_journey_books_both_doses(phone: Page, server: Server) -> None:
    """A first visit in Korean goes from landing through verification and the line to both doses booked."""
    phone.goto(server.url + "/")
    expect(phone.locator("html")).to_have_attribute("lang", "ko")
    phone.get_by_label("생년월일").fill(f"1990-01-{server.group or 10:02d}")
    phone.get_by_role("button", name="확인").click()
    expect(phone.locator("#myday-result")).to_contain_text(f"{server.group}번 그룹")
    expect(phone.locator("#myday-result")).to_contain_text("지금 예약할 수 있습니다")

    phone.get_by_role("link", name="본인인증하고 예약하기").click()
    expect(phone.locator(".light")).to_have_count(4)
    flow.verify(phone, server.url, server.person())
    expect(phone).to_have_url(re.compile(r"/book$"))
    expect(phone.locator("h1")).to_have_text("시·도를 고르세요")

    flow.book_first_free(phone)
    expect(phone.locator("h1")).to_have_text("예약이 완료되었습니다")
    booking = phone.locator("dl.booking")
    expect(booking).to_contain_text("1차 접종")
    expect(booking).to_contain_text("2차 접종")
    expect(booking).to_contain_text("주소")
    expect(phone.locator("#bring-title")).to_have_text("접종 당일 준비물")


def test_english_journey_and_the_switch_persists(phone: Page, server: Server) -> None:
    """The English switch sticks across pages, and the whole journey reads in English."""
    phone.goto(server.url + "/")
    phone.get_by_role("link", name="English").click()
    expect(phone.locator("html")).to_have_attribute("lang", "en")
    expect(phone.get_by_role("link", name="Verify and book")).to_be_visible()

    flow.verify(phone, server.url, server.person())
    expect(phone.locator("html")).to_have_attribute("lang", "en")
    expect(phone.locator("h1")).to_have_text("Choose a province")
    expect(phone.locator("ul.choices")).to_contain_text("free")

    flow.book_first_free(phone)
    expect(phone.locator("h1")).to_have_text("You are booked")
    expect(phone.locator("dl.booking")).to_contain_text("Second dose")
    expect(phone.locator("#bring-title")).to_have_text("What to bring")

    phone.get_by_role("link", name="My booking").first.click()
    expect(phone.locator("h1")).to_have_text("My booking")
    phone.get_by_role("link", name="한국어").click()
    expect(phone.locator("h1")).to_have_text("내 예약")
