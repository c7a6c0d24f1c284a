"""Forms, cookies and errors of the pages, in process."""

from __future__ import annotations

import re

import pytest

from tests.conftest import Running
from tests.journey import add_clinic_with_slot
from tests.pages.conftest import MakeVisitor
from tests.pages.visitor import born


async def test_a_wrong_code_shows_the_form_again_with_the_reason(
    running: Running, visitor: MakeVisitor
) -> None:
    """A mistyped code keeps the person on the code step with the message beside the field."""
    person = await visitor()
    await person.get("/verify")
    await person.post("/verify", {"name": "홍길동", "resident_number": born(13), "phone": "010-1234-5678",
                                  "method": "naver", "purpose": "book"})
    answer = await person.post("/verify/code", {"code": "000000", "purpose": "book", "method": "naver"})
    assert answer.status_code == 401
    assert "인증번호가 일치하지 않습니다." in answer.text
    assert 'aria-invalid="true"' in answer.text and "네이버 인증서" in answer.text


async def test_a_bad_resident_number_keeps_the_name_but_never_echoes_the_number(
    running: Running, visitor: MakeVisitor
) -> None:
    """The form comes back with the message and the typed name and phone, but an empty number field."""
    person = await visitor()
    await person.get("/lang/en")
    answer = await person.post("/verify", {"name": "Kim", "resident_number": "900101-9999999",
                                           "phone": "010-1234-5678", "method": "kakao"})
    assert answer.status_code == 422
    assert 'value="Kim"' in answer.text and "900101-9999999" not in answer.text
    assert 'role="alert"' in answer.text and "resident registration number" in answer.text


async def test_the_language_switch_only_returns_to_this_site(visitor: MakeVisitor) -> None:
    """The switch goes back to a local page and never to another site named in `next`."""
    person = await visitor()
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        answer = await person.get("/lang/en", next=target)
        assert answer.headers["location"] == "/"
    answer = await person.get("/lang/en", next="/mine?x=1")
    assert answer.headers["location"] == "/mine?x=1"
    assert "vb_lang=en" in answer.headers["set-cookie"]


async def test_cookies_are_secure_over_tls_and_httponly_samesite_always(
    running: Running, visitor: MakeVisitor
) -> None:
    """Served over https, every credential cookie carries Secure; over http it still is HttpOnly and Lax."""
    await add_clinic_with_slot(running.container.clinics)
    person = await visitor("https://vaxbook.test")
    answer = await person.verify(born(13))
    cookies = answer.headers.get_list("set-cookie")
    assert any(c.startswith("vb_identity=") for c in cookies)
    for cookie in cookies:
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" in cookie, cookie
    plain = await visitor()
    for cookie in (await plain.get("/")).headers.get_list("set-cookie"):
        assert "HttpOnly" in cookie and "Secure" not in cookie


async def test_an_unexpected_failure_is_a_friendly_page_without_a_trace(
    running: Running, visitor: MakeVisitor, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bug deep in a service shows the generic apology in the page's language, not the exception."""

    async def broken() -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(running.container.auth, "methods", broken)
    person = await visitor()
    answer = await person.get("/verify")
    assert answer.status_code == 500
    assert "일시적인 오류가 발생했습니다" in answer.text
    assert "secret internals" not in answer.text and "Traceback" not in answer.text


async def test_my_booking_needs_a_fresh_verification_and_offers_change_only_in_a_window(
    running: Running, visitor: MakeVisitor
) -> None:
    """My booking needs a live identity, and once the window has closed it offers cancel but no change."""
    await add_clinic_with_slot(running.container.clinics)
    person = await visitor()
    assert (await person.get("/mine")).headers["location"] == "/verify?next=mine"
    await person.verify(born(13))
    await person.get("/book/review", sido="서울특별시", sigungu="종로구", clinic="C1", slot="1")
    await person.post("/book", {"slot": "1", "key": "k1"})
    assert 'href="/mine/change"' in (await person.get("/mine")).text

    running.clock.advance(days=1)  # group 3's window has closed; the identity has expired too
    assert (await person.get("/mine")).headers["location"] == "/verify?next=mine"
    answer = await person.verify(born(13), purpose="mine")
    assert answer.headers["location"] == "/mine"
    page = await person.get("/mine")
    assert 'href="/mine/change"' not in page.text
    assert "예약 변경은 본인의 예약 기간이나 추가 예약 기간에 할 수 있습니다." in page.text
    assert 'href="/mine/cancel"' in page.text


async def test_pages_carry_a_strict_content_security_policy(visitor: MakeVisitor) -> None:
    """Every page answer forbids inline script and style, framing, and foreign form targets."""
    person = await visitor()
    for path in ("/", "/verify", "/book", "/lang/en"):
        policy = (await person.get(path)).headers["content-security-policy"]
        assert "default-src 'none'" in policy and "script-src 'self'" in policy
        assert "frame-ancestors 'none'" in policy and "form-action 'self'" in policy
        assert "unsafe-inline" not in policy


async def test_an_expired_pass_sends_the_person_back_to_the_line(
    running: Running, visitor: MakeVisitor
) -> None:
    """Eleven minutes after admission (passes last ten) the booking page refuses the pass and forgets it."""
    await add_clinic_with_slot(running.container.clinics)
    person = await visitor()
    await person.verify(born(13))
    assert (await person.get("/line")).headers["location"] == "/book"
    running.clock.advance(minutes=11)
    answer = await person.get("/book")
    assert answer.status_code == 401 and 'data-code="admission_invalid"' in answer.text
    assert any(c.startswith('vb_pass=""') for c in answer.headers.get_list("set-cookie"))


async def test_the_verification_form_shows_every_method_with_its_congestion(visitor: MakeVisitor) -> None:
    """Each method appears with a traffic light and a wait, and the script's refresh is worded in English."""
    person = await visitor()
    page = await person.get("/verify")
    for method in ("mobile", "kakao", "naver", "pass"):
        assert f'id="method-{method}"' in page.text
    assert page.text.count('class="light smooth"') == 4 and "예상 대기 1분 미만" in page.text
    await person.get("/lang/en")
    methods = (await person.get("/verify/methods.json")).json()["methods"]
    assert [m["method"] for m in methods] == ["mobile", "kakao", "naver", "pass"]
    assert methods[0]["level_text"] == "Smooth" and methods[0]["wait_text"] == "Estimated wait under a minute"


async def test_demo_mode_suggests_a_resident_number_that_may_book_now(
    running: Running, visitor: MakeVisitor
) -> None:
    """A first-time demo user can copy the suggested number from the form and reach the line with it."""
    await add_clinic_with_slot(running.container.clinics)
    person = await visitor()
    page = await person.get("/verify")
    found = re.search(r'id="demo-number">[^<]*?(\d{6}-\d{7})<', page.text)
    assert found, page.text
    answer = await person.verify(found.group(1))
    assert answer.headers["location"] == "/line"
