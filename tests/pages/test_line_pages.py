"""The waiting room and line-related pages, in process with a hand-moved clock."""

from __future__ import annotations

from datetime import timedelta

from tests.conftest import GROUP_3_OPENS, Running
from tests.journey import add_clinic_with_slot
from tests.pages.conftest import MakeVisitor
from tests.pages.visitor import born


async def test_sold_out_while_waiting_shows_a_message_and_a_way_out(
    running: Running, visitor: MakeVisitor
) -> None:
    """When the group's stock runs out, the waiting page says so and offers My booking and Home."""
    await add_clinic_with_slot(running.container.clinics, first_capacity=10)  # group 3's share: 1
    buyer, waiting = await visitor(), await visitor()
    await buyer.verify(born(13, 1))
    await waiting.verify(born(13, 2))
    review = await buyer.get("/book/review", sido="서울특별시", sigungu="종로구", clinic="C1", slot="1")
    assert review.status_code == 200, review.text
    assert (await buyer.post("/book", {"slot": "1", "key": "k1"})).status_code == 200

    page = await waiting.get("/line")
    assert "물량이 모두 소진되었습니다" in page.text
    assert 'href="/mine"' in page.text and 'href="/"' in page.text
    polled = await waiting.get("/line/status.json")
    assert polled.json()["state"] == "sold_out"


async def test_the_pre_queue_page_says_when_the_line_opens(running: Running, visitor: MakeVisitor) -> None:
    """Five minutes before opening, a person is placed in the pre-queue and told the opening time."""
    await add_clinic_with_slot(running.container.clinics)
    running.clock.set(GROUP_3_OPENS - timedelta(minutes=5))
    person = await visitor()
    answer = await person.verify(born(13))
    assert answer.headers["location"] == "/line"
    page = await person.get("/line")
    assert "대기열은 20:00에 열립니다" in page.text
    assert 'aria-live="polite"' in page.text
    assert '<noscript><meta http-equiv="refresh"' in page.text


async def test_a_person_whose_window_is_not_open_is_told_when_it_is(
    running: Running, visitor: MakeVisitor
) -> None:
    """Group 4 on group 3's day verifies, and is told its own window instead of joining the line."""
    await add_clinic_with_slot(running.container.clinics)
    person = await visitor()
    answer = await person.verify(born(14))
    assert answer.status_code == 403
    assert 'data-code="window_not_open"' in answer.text
    assert "나의 예약 기간: 2021년 8월 14일 (토) 20:00 ~ 2021년 8월 15일 (일) 18:00" in answer.text


async def test_the_polled_status_is_worded_in_the_page_language_and_never_cached(
    running: Running, visitor: MakeVisitor
) -> None:
    """The script's status answer carries the words of the page's language and a no-store header."""
    await add_clinic_with_slot(running.container.clinics)
    person = await visitor()
    await person.get("/lang/en")
    await person.verify(born(13))
    polled = await person.get("/line/status.json")
    body = polled.json()
    assert body["state"] == "admitted" and body["next"] == "/book"
    assert body["message"] == "It is your turn. Moving on to booking."
    assert polled.headers["cache-control"] == "no-store"
    assert "vb_pass=" in polled.headers["set-cookie"]


async def test_the_line_page_without_a_ticket_sends_the_unverified_to_verification(
    running: Running, visitor: MakeVisitor
) -> None:
    """Opening the waiting room with no ticket and no verification leads to the verification form."""
    person = await visitor()
    answer = await person.get("/line")
    assert answer.status_code == 303 and answer.headers["location"] == "/verify?next=book"
