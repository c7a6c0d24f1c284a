"""The server, not the script, guards the booking pages and every form."""

from __future__ import annotations

import re

from playwright.sync_api import BrowserContext, Page, expect

from tests.browser import flow
from tests.browser.server import Server

BOOKING_PAGES = [
    "/book",
    "/book/districts?sido=서울특별시",
    "/book/clinics?sido=서울특별시&sigungu=종로구",
    "/book/slots?sido=서울특별시&sigungu=종로구&clinic=C00001",
    "/book/review?sido=서울특별시&sigungu=종로구&clinic=C00001&slot=1",
]


def test_typing_a_booking_address_without_a_pass_is_refused(phone: Page, server: Server) -> None:
    """Every booking page answers 'pass the waiting room first' to a browser that has no admission pass."""
    for path in BOOKING_PAGES:
        answer = phone.goto(server.url + path)
        assert answer is not None and answer.status == 401, path
        expect(phone.locator("#problem")).to_have_attribute("data-code", "admission_required")
        expect(phone.locator("#problem")).to_contain_text("대기열을 거쳐야 예약할 수 있습니다")
        expect(phone.locator("ul.choices, ul.slots, form[action='/book']")).to_have_count(0)


def test_a_verified_person_without_a_pass_or_with_a_forged_one_is_refused(
    phone: Page, context: BrowserContext, server: Server
) -> None:
    """Verification alone does not open booking, and a made-up pass cookie is rejected on the server."""
    flow.fill_verification(phone, server.url, server.person())
    flow.enter_code(phone)
    expect(phone).to_have_url(re.compile(r"/book$"))
    context.clear_cookies(name="vb_pass")
    phone.goto(server.url + "/book")
    expect(phone.locator("#problem")).to_have_attribute("data-code", "admission_required")

    context.add_cookies([{"name": "vb_pass", "value": "forged.pass.token", "url": server.url}])
    phone.goto(server.url + "/book")
    expect(phone.locator("#problem")).to_have_attribute("data-code", "admission_invalid")
    phone.get_by_role("link", name="대기열에 다시 들어가기").click()
    expect(phone).to_have_url(re.compile(r"/verify\?next=book$"))


def test_a_form_without_its_csrf_token_is_refused(
    phone: Page, context: BrowserContext, server: Server
) -> None:
    """A POST that lacks the page's CSRF token is refused with a friendly page, whatever its other fields."""
    phone.goto(server.url + "/")
    answer = context.request.post(server.url + "/verify", form={"name": "홍길동", "method": "kakao"})
    assert answer.status == 403
    assert "화면이 오래되어" in answer.text()
    forged = context.request.post(server.url + "/mine/cancel", form={"csrf": "0" * 64})
    assert forged.status == 403
