"""The waiting room in a real browser: it keeps the place, updates itself and moves on by itself."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser import flow
from tests.browser.browser import PHONE
from tests.browser.server import Server, running_server


@pytest.fixture(scope="module")
def one_at_a_time(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server that lets only one person book at a time, so the next one really waits."""
    with running_server(tmp_path_factory.mktemp("line-server"), admission_cap=1) as started:
        yield started


def _device(browser: Browser) -> Page:
    page = browser.new_context(viewport=PHONE).new_page()
    page.set_default_timeout(10_000)
    return page


def test_refresh_and_reopen_keep_the_place_and_admission_moves_on(
    browser: Browser, one_at_a_time: Server
) -> None:
    """A waiting person keeps their number across refresh and reopening, and the page moves on by itself."""
    first, second = _device(browser), _device(browser)
    flow.verify(first, one_at_a_time.url, one_at_a_time.person())
    expect(first).to_have_url(re.compile(r"/book$"))

    flow.verify(second, one_at_a_time.url, one_at_a_time.person())
    expect(second).to_have_url(re.compile(r"/line$"))
    expect(second.locator("h1")).to_have_text("대기실")
    status = second.locator("#line-status")
    expect(status).to_have_attribute("aria-live", "polite")
    expect(status).to_contain_text("앞에")
    number = second.inner_text("#line-number")
    expect(second.locator("#line-progress")).to_be_visible()

    second.reload()
    expect(second.locator("#line-number")).to_have_text(number)
    context = second.context
    second.close()
    reopened = context.new_page()
    reopened.goto(one_at_a_time.url + "/line")
    expect(reopened.locator("#line-number")).to_have_text(number)

    flow.book_first_free(first)
    expect(first.locator("h1")).to_have_text("예약이 완료되었습니다")
    # No click: the page polls as the server's poll_after says, and moves on when admitted.
    expect(reopened).to_have_url(re.compile(r"/book$"), timeout=15_000)
    expect(reopened.locator("h1")).to_have_text("시·도를 고르세요")
    first.context.close()
    context.close()
