"""Standby and offer pages, in process: verify first, join, position, leave, decline, and refusals."""

from __future__ import annotations

from tests.conftest import Running
from tests.journey import add_clinic_with_slot
from tests.pages.conftest import MakeVisitor
from tests.pages.visitor import Visitor, born

JOIN = {"sido": "서울특별시", "sigungu": "종로구"}


async def _booked_out(running: Running, visitor: MakeVisitor) -> Visitor:
    """Clinic C1 in 종로구 whose group-3 share (its one place) a buyer has booked; the buyer."""
    await add_clinic_with_slot(running.container.clinics, first_capacity=10)
    buyer = await visitor()
    await buyer.verify(born(13, 1))
    await buyer.get("/book/review", sido="서울특별시", sigungu="종로구", clinic="C1", slot="1")
    assert (await buyer.post("/book", {"slot": "1", "key": "k1"})).status_code == 200
    return buyer


async def test_standby_needs_a_verification_and_comes_back_to_join(
    running: Running, visitor: MakeVisitor
) -> None:
    """Without a fresh verification /standby sends one to verify, which leads back to the join page."""
    await _booked_out(running, visitor)
    person = await visitor()
    first = await person.get("/standby")
    assert first.status_code == 303 and first.headers["location"] == "/verify?next=standby"
    answer = await person.verify(born(13, 2), purpose="standby")
    assert answer.headers["location"] == "/standby"
    assert (await person.get("/standby")).headers["location"] == "/standby/join"
    provinces = await person.get("/standby/join")
    assert 'href="/standby/join?sido=' in provinces.text
    districts = await person.get("/standby/join", sido="서울특별시")
    assert 'type="checkbox" name="sigungu"' in districts.text and 'value="종로구"' in districts.text


async def test_join_shows_the_position_in_english_and_leaving_ends_it(
    running: Running, visitor: MakeVisitor
) -> None:
    """Joining shows the position and districts (English page); leaving says so and ends the standby."""
    await _booked_out(running, visitor)
    person = await visitor()
    await person.get("/lang/en")
    await person.verify(born(13, 3), purpose="standby")
    joined = await person.post("/standby/join", JOIN)
    assert joined.status_code == 303 and joined.headers["location"] == "/standby"
    page = await person.get("/standby")
    assert 'id="standby-position">1<' in page.text and "Jongno-gu" in page.text
    assert "Leave standby" in page.text
    left = await person.post("/standby/leave")
    assert left.status_code == 200 and "You have left standby." in left.text
    assert (await person.get("/standby")).headers["location"] == "/standby/join"


async def test_declining_an_offer_passes_it_to_the_next_person(
    running: Running, visitor: MakeVisitor
) -> None:
    """After a cancel the first person's page shows the offer; declining hands it to the second."""
    buyer = await _booked_out(running, visitor)
    first, second = await visitor(), await visitor()
    await first.verify(born(13, 4), purpose="standby")
    await second.verify(born(13, 5), purpose="standby")
    assert (await first.post("/standby/join", JOIN)).status_code == 303
    assert (await second.post("/standby/join", JOIN)).status_code == 303
    assert (await buyer.post("/mine/cancel")).status_code == 200
    offer = await first.get("/standby")
    assert "자리가 났습니다" in offer.text and "C1 의원" in offer.text
    assert 'action="/standby/offer/accept"' in offer.text
    declined = await first.post("/standby/offer/decline")
    assert declined.status_code == 200 and "자리를 거절했습니다." in declined.text
    assert "자리가 났습니다" in (await second.get("/standby")).text


async def test_standby_forms_refuse_without_csrf_and_explain_bad_choices(
    running: Running, visitor: MakeVisitor
) -> None:
    """A join without the CSRF token is refused; four districts and a free district are explained."""
    await add_clinic_with_slot(running.container.clinics, first_capacity=10)
    person = await visitor()
    await person.verify(born(13, 6), purpose="standby")
    forged = await person.client.post("/standby/join", data=JOIN)
    assert forged.status_code == 403
    many = await person.client.post("/standby/join", data={
        "csrf": person.csrf, "sido": "서울특별시", "sigungu": ["종로구", "중구", "용산구", "성동구"]})
    assert many.status_code == 422 and 'data-code="invalid_input"' in many.text
    free = await person.post("/standby/join", JOIN)
    assert free.status_code == 409 and 'data-code="places_free"' in free.text
    assert 'href="/verify?next=book"' in free.text


async def test_an_offer_outlives_the_identity_and_is_accepted_after_verifying_again(
    running: Running, visitor: MakeVisitor
) -> None:
    """Accepting after the identity ran out leads through verification back to the offer, then books."""
    buyer = await _booked_out(running, visitor)
    person = await visitor()
    await person.verify(born(13, 7), purpose="standby")
    assert (await person.post("/standby/join", JOIN)).status_code == 303
    assert (await buyer.post("/mine/cancel")).status_code == 200
    running.clock.advance(minutes=11)
    stale = await person.post("/standby/offer/accept")
    assert stale.status_code == 303 and stale.headers["location"] == "/verify?next=standby"
    assert (await person.verify(born(13, 7), purpose="standby")).headers["location"] == "/standby"
    assert "자리가 났습니다" in (await person.get("/standby")).text
    booked = await person.post("/standby/offer/accept")
    assert booked.status_code == 200 and "예약이 완료되었습니다" in booked.text
    assert "2차 접종" in booked.text
