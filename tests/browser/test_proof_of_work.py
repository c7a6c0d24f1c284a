"""Bot friction in a real browser: the verification form solves its challenge in a Web Worker."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from tests.browser.browser import PHONE
from tests.browser.flow import fill_verification
from tests.browser.server import Server, running_server

DIFFICULTY = 16  # the documented setting: 65,536 hashes on average
MID_TIER_PHONE_SLOWDOWN = 4  # Chrome DevTools' (and Lighthouse's) CPU throttling for a mid-tier phone


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server of its own with proof of work switched on."""
    with running_server(tmp_path_factory.mktemp("pow-server"), clinics=1,
                        proof_of_work_difficulty=DIFFICULTY) as started:
        yield started


def _slowed_phone(browser: Browser) -> Page:
    page = browser.new_context(viewport=PHONE, locale="ko-KR").new_page()
    page.set_default_timeout(60_000)
    page.context.new_cdp_session(page).send("Emulation.setCPUThrottlingRate",
                                            {"rate": MID_TIER_PHONE_SLOWDOWN})
    return page


def test_the_form_solves_the_challenge_and_reaches_the_code_step(browser: Browser, guarded: Server) -> None:
    """With the CPU slowed as on a mid-tier phone, the form still reaches the code step; prints the time."""
    page = _slowed_phone(browser)
    began = time.monotonic()
    fill_verification(page, guarded.url, guarded.person())
    page.wait_for_selector("#code")
    took = time.monotonic() - began
    print(f"\nproof of work, difficulty {DIFFICULTY}, CPU slowed {MID_TIER_PHONE_SLOWDOWN}x: {took:.2f} s "
          "(form sent to code page; pytest tests/browser/test_proof_of_work.py -s)")
    assert page.locator("#dev-code").count() == 1
    page.context.close()


def test_without_the_worker_the_start_is_refused(browser: Browser, guarded: Server, tmp_path: Path) -> None:
    """A client that skips the puzzle (script off) stays on the form with the reason, and no code is sent."""
    context = browser.new_context(viewport=PHONE, locale="en-US", java_script_enabled=False)
    page = context.new_page()
    fill_verification(page, guarded.url, guarded.person())
    assert page.locator("#code").count() == 0
    assert "브라우저 확인에 실패했습니다" in page.inner_text("#form-error")
    context.close()
