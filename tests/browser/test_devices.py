"""One device, one verification per 10 minutes: what the pages say when either rule refuses."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser import flow
from tests.browser.browser import PHONE
from tests.browser.server import Server

HH_MM = re.compile(r"\d{2}:\d{2}")


def test_a_second_device_is_refused_until_the_time_shown(
    phone: Page, browser: Browser, server: Server
) -> None:
    """When another browser (device) verifies the same person, it is told at what time it may take over."""
    number = server.person()
    flow.verify(phone, server.url, number)
    expect(phone).to_have_url(re.compile(r"/book$"))

    other = browser.new_context(viewport=PHONE).new_page()
    flow.verify(other, server.url, number)
    problem = other.locator("#problem")
    expect(problem).to_have_attribute("data-code", "device_bound_elsewhere")
    expect(problem).to_contain_text("다른 기기가")
    expect(problem).to_contain_text("이 예약을 맡고 있습니다")
    assert HH_MM.search(problem.inner_text())
    other.goto(server.url + "/book")
    expect(other.locator("#problem")).to_have_attribute("data-code", "admission_required")
    other.context.close()


def test_verifying_again_within_ten_minutes_is_explained(
    phone: Page, context: BrowserContext, server: Server
) -> None:
    """Someone who verified minutes ago and lost the identity cookie is told when they may verify again."""
    number = server.person()
    flow.verify(phone, server.url, number)
    phone.goto(server.url + "/verify?next=book")
    expect(phone.locator("p.card.ok")).to_contain_text("본인인증이 되어 있습니다")

    context.clear_cookies(name="vb_identity")
    flow.verify(phone, server.url, number)
    problem = phone.locator("#problem")
    expect(problem).to_have_attribute("data-code", "verification_too_frequent")
    expect(problem).to_contain_text("최근 10분 안에 이미 본인인증을 했습니다")
    assert HH_MM.search(problem.inner_text())
