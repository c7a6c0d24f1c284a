"""A clinic's day list, as JSON and CSV, behind the clinic's own key."""

from __future__ import annotations

import csv
import io
from datetime import date

from tests.conftest import Running
from tests.journey import Person, add_clinic_with_slot, admitted, book, person_number


async def test_day_list_json_and_csv(running: Running) -> None:
    """The clinic sees the first dose on its day and the second dose 42 days later, masked."""
    await add_clinic_with_slot(running.container.clinics)
    person = await admitted(running.client, Person(person_number(date(1990, 5, 13)), "d"))
    slots = await running.client.get("/api/clinics/C1/slots", headers=person.bearer(person.admission))
    booking = (await book(running.client, person, slots.json()["slots"][0]["id"])).json()
    key = {"X-Clinic-Key": "key-C1"}
    first = await running.client.get("/api/clinics/C1/bookings", params={"day": "2021-08-20"}, headers=key)
    assert first.status_code == 200
    assert first.json()["bookings"] == [
        {
            "booking_id": booking["id"],
            "dose": 1,
            "start": "09:00",
            "end": "10:00",
            "vaccine_id": "pfizer",
            "masked_name": "홍*동",
            "birth_date": "1990-05-13",
            "outcome": None,
        }
    ]
    second = await running.client.get(
        "/api/clinics/C1/bookings", params={"day": "2021-10-01", "format": "csv"}, headers=key
    )
    assert second.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(second.text)))
    assert [(r["booking_id"], r["dose"]) for r in rows] == [(booking["id"], "2")]


async def test_day_list_needs_the_clinics_key(running: Running) -> None:
    """Another clinic's key, no key, or an unknown clinic are refused."""
    await add_clinic_with_slot(running.container.clinics, clinic_id="C1")
    await add_clinic_with_slot(running.container.clinics, clinic_id="C2")
    params = {"day": "2021-08-20"}
    wrong = await running.client.get(
        "/api/clinics/C1/bookings", params=params, headers={"X-Clinic-Key": "key-C2"}
    )
    assert wrong.status_code == 401 and wrong.json()["code"] == "clinic_key_invalid"
    assert (await running.client.get("/api/clinics/C1/bookings", params=params)).status_code == 401
    unknown = await running.client.get(
        "/api/clinics/C9/bookings", params=params, headers={"X-Clinic-Key": "k"}
    )
    assert unknown.status_code == 404
    bad_day = await running.client.get(
        "/api/clinics/C1/bookings", params={"day": "August"}, headers={"X-Clinic-Key": "key-C1"}
    )
    assert bad_day.status_code == 422 and bad_day.json()["field"] == "day"
