"""The clinic staff pages in a real browser: sign in with the key, add a slot, change capacities."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser import clinic_flow
from tests.browser.server import Server


def test_wrong_key_then_sign_in_and_out(phone: Page, server: Server) -> None:
    """A wrong key stays on the sign-in form with an alert; the right key opens the clinic page."""
    clinic_flow.sign_in(phone, server.url, key="wrong-key")
    expect(phone.get_by_role("alert")).to_have_text("의료기관 번호 또는 키가 올바르지 않습니다.")
    clinic_flow.sign_in(phone, server.url)
    expect(phone).to_have_url(re.compile(r"/clinic$"))
    expect(phone.locator("h2").first).to_contain_text("오늘의 예약 명단")
    cookie = next(c for c in phone.context.cookies() if c["name"] == "vb_clinic")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    assert phone.evaluate("document.cookie").find("vb_clinic") == -1  # out of scripts' reach
    phone.get_by_role("button", name="로그아웃").click()
    expect(phone).to_have_url(re.compile(r"/clinic/login$"))


def test_add_a_slot_and_change_its_capacity(phone: Page, server: Server) -> None:
    """The staff add a slot through the form, raise it, and are refused a capacity below booked."""
    clinic_flow.sign_in(phone, server.url)
    clinic_flow.add_slot(phone, days_ahead=20, start="13:00", first=23)
    expect(phone.get_by_role("status")).to_have_text("접종 시간을 추가했습니다.")
    row = phone.locator("[data-testid=slots] li", has_text="13:00-14:00")
    expect(row.locator("input[name=first_capacity]")).to_have_value("23")
    row.locator("input[name=first_capacity]").fill("40")
    row.get_by_role("button", name="저장").click()
    expect(phone.get_by_role("status")).to_have_text("인원을 바꿨습니다.")
    expect(row.locator("input[name=first_capacity]")).to_have_value("40")


def test_clinic_pages_in_english(phone: Page, server: Server) -> None:
    """The same pages in English, and a slot added twice is refused with a way back."""
    phone.goto(f"{server.url}/lang/en?next=/clinic/login")
    clinic_flow.sign_in(phone, server.url)
    expect(phone.locator("h2").first).to_contain_text("Today's list")
    clinic_flow.add_slot(phone, days_ahead=21, start="15:00")
    clinic_flow.add_slot(phone, days_ahead=21, start="15:00")
    expect(phone.locator("main")).to_contain_text("already exists")
    phone.get_by_role("link", name="Back to the clinic page").click()
    expect(phone).to_have_url(re.compile(r"/clinic$"))
