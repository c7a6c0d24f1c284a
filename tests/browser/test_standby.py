"""The standby offer path in a real browser: a cancelled place goes to the person waiting, who accepts."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import time, timedelta

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser import flow
from tests.browser.browser import PHONE
from tests.browser.server import Server, running_server
from vaxbook.demo import DemoCampaign
from vaxbook.domain.booking import Clinic
from vaxbook.services.clinics import ClinicService, SlotPlan

CLINIC = Clinic("S0001", "종로 대기의원", "서울특별시", "종로구", "서울특별시 종로구 대기로 1")
CTA = "원하는 지역에 빈자리가 없나요? 예비 명단에 등록하기"


async def one_place_each(clinics: ClinicService, campaign: DemoCampaign) -> None:
    """One clinic whose only first-dose slot has one place per group, and room for second doses."""
    await clinics.add_clinic(CLINIC, "key-S0001")
    day = max(campaign.first_dose_days)
    await clinics.add_slots([
        SlotPlan(CLINIC.id, day, time(14), time(15), "pfizer", 10, 0),
        SlotPlan(CLINIC.id, day + timedelta(days=42), time(14), time(15), "pfizer", 0, 10),
    ])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server of its own: one district whose open group has a single place."""
    with running_server(tmp_path_factory.mktemp("standby-server"), clinics=0,
                        inventory=one_place_each) as started:
        yield started


def _phone(browser: Browser, problems: list[str]) -> Page:
    """A new device; console errors (a CSP violation among them) are collected in `problems`."""
    page = browser.new_context(viewport=PHONE, locale="ko-KR").new_page()
    page.set_default_timeout(10_000)
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    return page


def test_a_cancelled_place_is_offered_to_standby_and_accepted(browser: Browser, server: Server) -> None:
    """A books the district's last place, B finds none and joins standby, A cancels, B sees the
    held offer on the standby page and accepts it, and sees both doses booked."""
    problems: list[str] = []
    a, b = _phone(browser, problems), _phone(browser, problems)
    try:
        flow.verify(a, server.url, server.person())
        flow.book_first_free(a)
        expect(a.locator("h1")).to_have_text("예약이 완료되었습니다")

        flow.verify(b, server.url, server.person())
        b.get_by_role("link", name=CTA).click()
        expect(b).to_have_url(re.compile(r"/standby/join$"))
        b.locator("ul.choices a", has_text="서울특별시").click()
        b.get_by_label("종로구").check()
        b.get_by_role("button", name="예비 명단에 등록하기").click()
        expect(b).to_have_url(re.compile(r"/standby$"))
        expect(b.locator("#standby-position")).to_have_text("1")

        a.goto(server.url + "/mine")
        a.get_by_role("link", name="예약 취소").click()
        a.get_by_role("button", name="예, 취소합니다").click()
        expect(a.locator("h1")).to_have_text("예약이 취소되었습니다.")

        b.reload()
        expect(b.locator("h1")).to_have_text("자리가 났습니다")
        expect(b.locator("#offer")).to_contain_text(CLINIC.name)
        expect(b.locator("#offer-expiry")).to_contain_text("까지")
        b.get_by_role("button", name="수락하고 예약하기").click()
        expect(b.locator("h1")).to_have_text("예약이 완료되었습니다")
        booking = b.locator("dl.booking")
        expect(booking).to_contain_text(CLINIC.name)
        expect(booking).to_contain_text("1차 접종")
        expect(booking).to_contain_text("2차 접종")
        # No CSP violation or script error on any page of the path; the sold-out refusal page
        # itself is answered with 410, which Chromium logs as a failed load.
        assert [m for m in problems if "status of 410" not in m] == []
    finally:
        a.context.close()
        b.context.close()
