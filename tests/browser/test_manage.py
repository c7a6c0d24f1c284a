"""My booking in a real browser: view, cancel and book again, and change, each confirmed first."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser import flow
from tests.browser.server import Server


def _booked(phone: Page, server: Server) -> str:
    flow.verify(phone, server.url, server.person())
    flow.book_first_free(phone)
    expect(phone.locator("h1")).to_have_text("예약이 완료되었습니다")
    return phone.inner_text("dl.booking dd.mono")


def test_cancel_with_confirmation_then_book_again(phone: Page, server: Server) -> None:
    """Cancelling asks first, then frees the booking, and the same person can book again from there."""
    first_id = _booked(phone, server)
    phone.goto(server.url + "/mine")
    expect(phone.locator("dl.booking")).to_contain_text(first_id)

    phone.get_by_role("link", name="예약 취소").click()
    expect(phone.locator("h1")).to_have_text("예약을 취소할까요?")
    phone.get_by_role("link", name="돌아가기").click()
    expect(phone.locator("dl.booking")).to_contain_text(first_id)

    phone.get_by_role("link", name="예약 취소").click()
    phone.get_by_role("button", name="예, 취소합니다").click()
    expect(phone.locator("h1")).to_have_text("예약이 취소되었습니다.")
    phone.get_by_role("button", name="다시 예약하기").click()
    expect(phone).to_have_url(re.compile(r"/book$"))
    flow.book_first_free(phone)
    expect(phone.locator("h1")).to_have_text("예약이 완료되었습니다")
    assert phone.inner_text("dl.booking dd.mono") != first_id


def test_change_goes_through_the_line_and_replaces_the_booking(phone: Page, server: Server) -> None:
    """Changing asks first, passes the waiting room, warns on review, and leaves exactly the new booking."""
    _booked(phone, server)
    phone.goto(server.url + "/mine")
    old_first = phone.locator("dl.booking dd").nth(4).inner_text()

    phone.get_by_role("link", name="예약 변경").click()
    expect(phone.locator("h1")).to_have_text("예약을 변경할까요?")
    phone.get_by_role("button", name="대기실로 가서 변경하기").click()
    expect(phone).to_have_url(re.compile(r"/book$"))
    for _ in range(3):
        phone.locator("ul.choices a").last.click()
    phone.locator("ul.slots a").last.click()
    expect(phone.locator(".card.warn")).to_contain_text("지금 예약이 이 예약으로 바뀝니다")
    phone.get_by_role("button", name="이 시간으로 변경하기").click()
    expect(phone.locator("h1")).to_have_text("예약이 변경되었습니다")

    phone.goto(server.url + "/mine")
    assert phone.locator("dl.booking dd").nth(4).inner_text() != old_first
