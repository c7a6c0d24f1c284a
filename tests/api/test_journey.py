"""The whole citizen journey through HTTP: verify, line, browse, book both doses, see it."""

from __future__ import annotations

from datetime import date

from tests.conftest import Running
from tests.journey import Person, add_clinic_with_slot, admitted, book, person_number


async def test_verify_wait_browse_book_and_view(running: Running) -> None:
    """A person of the open group books a first dose and gets the second 42 days later."""
    await add_clinic_with_slot(running.container.clinics)
    client = running.client
    person = await admitted(client, Person(person_number(date(1990, 5, 13)), "phone-1"))
    pass_headers = person.bearer(person.admission)

    provinces = (await client.get("/api/regions", headers=pass_headers)).json()["provinces"]
    assert provinces == [{"name": "서울특별시", "free": 10}]  # group 3's share of 100
    districts = (await client.get("/api/regions/서울특별시/districts", headers=pass_headers)).json()
    assert districts["districts"] == [{"name": "종로구", "free": 10}]
    clinics = (
        await client.get(
            "/api/clinics", params={"sido": "서울특별시", "sigungu": "종로구"}, headers=pass_headers
        )
    ).json()["clinics"]
    assert [c["id"] for c in clinics] == ["C1"]
    slots = (await client.get("/api/clinics/C1/slots", headers=pass_headers)).json()["slots"]
    assert [(s["date"], s["free"]) for s in slots] == [("2021-08-20", 10)]

    answer = await book(client, person, slots[0]["id"])
    assert answer.status_code == 201, answer.text
    booking = answer.json()
    assert booking["first_dose"]["date"] == "2021-08-20"
    assert booking["second_dose"]["date"] == "2021-10-01"
    assert booking["second_dose"]["start"] == booking["first_dose"]["start"]

    mine = await client.get("/api/bookings/me", headers=person.bearer(person.identity))
    assert mine.status_code == 200
    assert mine.json()["id"] == booking["id"]
