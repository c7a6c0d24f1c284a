"""The clinic staff pages: sign in with the key, mark today's doses, add and change slots."""

from __future__ import annotations

from datetime import UTC, date, datetime

from tests.conftest import Running
from tests.journey import Person, add_clinic_with_slot, admitted, book, person_number
from tests.pages.conftest import MakeVisitor
from tests.pages.visitor import Visitor
from tests.standby.kit import booked, first_slot, join, offer, verified


async def _signed_in(running: Running, visitor: MakeVisitor) -> Visitor:
    staff = await visitor()
    await staff.get("/clinic/login")
    answer = await staff.post("/clinic/login", {"clinic_id": "C1", "key": "key-C1"})
    assert answer.status_code == 303 and answer.headers["location"] == "/clinic"
    return staff


async def test_login_keeps_the_key_in_a_cookie(running: Running, visitor: MakeVisitor) -> None:
    """A right key signs in with an HttpOnly, SameSite cookie; a wrong one is refused in the page."""
    await add_clinic_with_slot(running.container.clinics)
    staff = await visitor()
    assert (await staff.get("/clinic")).headers["location"] == "/clinic/login"
    await staff.get("/clinic/login")
    wrong = await staff.post("/clinic/login", {"clinic_id": "C1", "key": "nope"})
    assert wrong.status_code == 401 and "의료기관 번호 또는 키가 올바르지 않습니다" in wrong.text
    right = await staff.post("/clinic/login", {"clinic_id": "C1", "key": "key-C1"})
    cookie = next(v for k, v in right.headers.multi_items() if k == "set-cookie" and "vb_clinic" in v)
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie
    page = await staff.get("/clinic")
    assert page.status_code == 200 and "C1 의원" in page.text


async def test_forms_need_the_csrf_token(running: Running, visitor: MakeVisitor) -> None:
    """A clinic form without this device's CSRF token is refused and changes nothing."""
    await add_clinic_with_slot(running.container.clinics)
    staff = await _signed_in(running, visitor)
    slot_id = (await running.container.ledger.clinic_inventory("C1", date(2021, 8, 1)))[0].slot.id
    forged = await staff.client.post(f"/clinic/slots/{slot_id}", data={"csrf": "c1.forged",
                                                                        "first_capacity": "0"})
    assert forged.status_code == 403
    loads = await running.container.ledger.clinic_inventory("C1", date(2021, 8, 1))
    assert loads[0].slot.first_capacity == 100


async def test_add_and_change_slots_in_english(running: Running, visitor: MakeVisitor) -> None:
    """The staff add a slot and change a capacity; a change under booked is refused in English."""
    await add_clinic_with_slot(running.container.clinics, first_capacity=10)
    person = await admitted(running.client, Person(person_number(date(1990, 5, 13)), "device-page-1"))
    slots = await running.client.get("/api/clinics/C1/slots", headers=person.bearer(person.admission))
    await book(running.client, person, slots.json()["slots"][0]["id"])
    staff = await _signed_in(running, visitor)
    await staff.get("/lang/en", next="/clinic")
    added = await staff.post("/clinic/slots", {"date": "2021-08-28", "start": "10:00", "end": "11:00",
                                               "vaccine": "moderna", "first_capacity": "15",
                                               "second_capacity": "0"})
    assert added.headers["location"] == "/clinic?done=added"
    page = await staff.get("/clinic", done="added")
    assert "The slot is added." in page.text and "Sat 28 Aug 2021 10:00-11:00" in page.text
    slot_id = (await running.container.ledger.clinic_inventory("C1", date(2021, 8, 1)))[0].slot.id
    under = await staff.post(f"/clinic/slots/{slot_id}", {"first_capacity": "0", "second_capacity": "10"})
    assert under.status_code == 409 and "cannot be lowered below the places already booked" in under.text
    raised = await staff.post(f"/clinic/slots/{slot_id}", {"first_capacity": "30", "second_capacity": "10"})
    assert raised.headers["location"] == "/clinic?done=changed"
    loads = await running.container.ledger.clinic_inventory("C1", date(2021, 8, 1))
    assert (loads[0].slot.first_capacity, loads[0].first_booked) == (30, 1)


async def test_marks_todays_doses(running: Running, visitor: MakeVisitor) -> None:
    """On the day of the first dose the list shows the person, and each mark is kept."""
    await add_clinic_with_slot(running.container.clinics)
    person = await admitted(running.client, Person(person_number(date(1990, 5, 13)), "device-page-2"))
    slots = await running.client.get("/api/clinics/C1/slots", headers=person.bearer(person.admission))
    booking = (await book(running.client, person, slots.json()["slots"][0]["id"])).json()
    running.clock.set(datetime(2021, 8, 20, 0, 30, tzinfo=UTC))
    staff = await _signed_in(running, visitor)
    page = await staff.get("/clinic")
    assert "홍*동" in page.text and "기록 없음" in page.text
    marked = await staff.post("/clinic/doses", {"booking": booking["id"], "dose": "1",
                                                "outcome": "vaccinated"})
    assert marked.headers["location"] == "/clinic?done=marked"
    page = await staff.get("/clinic", done="marked")
    assert "접종 결과를 기록했습니다." in page.text and 'aria-pressed="true">접종 완료' in page.text
    rows = await running.container.ledger.clinic_bookings("C1", date(2021, 8, 20))
    assert [r.outcome for r in rows] == ["vaccinated"]
    logged_out = await staff.post("/clinic/logout")
    assert logged_out.headers["location"] == "/clinic/login"
    assert (await staff.get("/clinic")).headers["location"] == "/clinic/login"


async def test_leftover_form_offers_doses_to_standby(running: Running, visitor: MakeVisitor) -> None:
    """The clinic page's leftover form holds today's dose for the first on the district's standby."""
    await add_clinic_with_slot(running.container.clinics, first_capacity=10)
    await booked(running, 800, await first_slot(running))
    waiting = await verified(running, 13)
    await join(running.client, waiting)
    staff = await _signed_in(running, visitor)
    page = await staff.get("/clinic")
    assert 'data-testid="leftovers"' in page.text
    bad = await staff.post("/clinic/leftovers", {"vaccine": "pfizer", "doses": "１", "until": "21:30"})
    assert bad.status_code == 422
    answer = await staff.post("/clinic/leftovers", {"vaccine": "pfizer", "doses": "1", "until": "21:30"})
    assert answer.status_code == 303 and answer.headers["location"] == "/clinic?done=leftovers"
    held = await offer(running.client, waiting)
    assert held.status_code == 200 and held.json()["leftover"] is True
