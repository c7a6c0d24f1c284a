"""Public figures over HTTP on every backend: counts, the minute's refresh, caching headers, the page."""

from __future__ import annotations

from datetime import date

from tests.conftest import Running
from tests.journey import Person, add_clinic_with_slot, admitted, book, person_number


async def _book_one(running: Running) -> None:
    person = await admitted(running.client, Person(person_number(date(1990, 5, 13)), "phone-1"))
    slots = (await running.client.get("/api/clinics/C1/slots", headers=person.bearer(person.admission)))
    answer = await book(running.client, person, slots.json()["slots"][0]["id"])
    assert answer.status_code == 201, answer.text


async def test_figures_count_places_per_group_and_province(running: Running) -> None:
    """Offered, booked and free per group and per province come from the ledger, first doses only."""
    await add_clinic_with_slot(running.container.clinics, "C1", first_capacity=100)
    await add_clinic_with_slot(running.container.clinics, "C2", first_capacity=30, sido="부산광역시",
                               sigungu="중구")
    body = (await running.client.get("/api/figures")).json()
    assert body["totals"] == {"offered": 130, "booked": 0, "free": 130}
    assert [g["group"] for g in body["by_group"]] == list(range(10))
    assert body["by_group"][3] == {"group": 3, "offered": 13, "booked": 0, "free": 13}
    assert body["by_province"] == [
        {"sido": "부산광역시", "name_en": "Busan", "offered": 30, "booked": 0, "free": 30},
        {"sido": "서울특별시", "name_en": "Seoul", "offered": 100, "booked": 0, "free": 100},
    ]
    assert body["refresh_seconds"] == 60 and body["digests"] == []


async def test_figures_are_refreshed_once_a_minute(running: Running) -> None:
    """A booking shows in the figures of the next minute, not before: they are computed once a minute."""
    await add_clinic_with_slot(running.container.clinics)
    running.clock.set(running.clock.now().replace(second=0, microsecond=0))
    before = (await running.client.get("/api/figures")).json()
    await _book_one(running)
    same_minute = (await running.client.get("/api/figures")).json()
    assert same_minute == before
    running.clock.advance(seconds=60)
    after = (await running.client.get("/api/figures")).json()
    assert after["totals"] == {"offered": 100, "booked": 1, "free": 99}
    assert after["by_group"][3]["booked"] == 1 and after["by_province"][0]["free"] == 99
    assert after["as_of"] > before["as_of"]


async def test_figures_are_publicly_cacheable_with_an_etag(running: Running) -> None:
    """The JSON is public for 60 s with a strong ETag; the same ETag gets a 304 with no body."""
    await add_clinic_with_slot(running.container.clinics)
    first = await running.client.get("/api/figures")
    assert first.headers["cache-control"] == "public, max-age=60"
    etag = first.headers["etag"]
    assert etag.startswith('"') and len(etag) == 34
    again = await running.client.get("/api/figures", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag
    other = await running.client.get("/api/figures", headers={"If-None-Match": '"stale"'})
    assert other.status_code == 200 and other.json() == first.json()


async def test_figures_page_in_korean_and_english(running: Running) -> None:
    """/figures shows the same numbers in either language, cacheable and without setting a cookie."""
    await add_clinic_with_slot(running.container.clinics)
    korean = await running.client.get("/figures")
    assert korean.status_code == 200
    assert "예약 현황 공개" in korean.text and "서울특별시" in korean.text and "100" in korean.text
    assert korean.headers["cache-control"] == "public, max-age=60"
    assert "set-cookie" not in korean.headers and "etag" in korean.headers
    assert korean.headers["vary"] == "Cookie"
    english = await running.client.get("/figures", params={"lang": "en"})
    assert "Public figures" in english.text and "Seoul (서울특별시)" in english.text
    assert english.headers["etag"] != korean.headers["etag"]
