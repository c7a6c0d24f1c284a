"""GET /metrics in one process on every backend: who may read it, and values that move with a journey."""

from __future__ import annotations

from datetime import date

from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import Running
from tests.journey import Person, add_clinic_with_slot, admitted, app_with, book, from_address, person_number

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def samples(text: str) -> Samples:
    """Every sample of an exposition, keyed by name and sorted labels."""
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def requests_of(found: Samples, route: str, status: str) -> float:
    return sum(v for (name, labels), v in found.items() if name == "vaxbook_http_requests_total"
               and dict(labels)["route"] == route and dict(labels)["status"] == status)


async def test_metrics_are_read_from_loopback_only_by_default(running: Running) -> None:
    """Loopback reads /metrics; any other address gets 403 metrics_forbidden."""
    allowed = await running.client.get("/metrics")
    assert allowed.status_code == 200 and allowed.headers["content-type"].startswith("text/plain")
    async with from_address(running.app, "203.0.113.9") as stranger:
        refused = await stranger.get("/metrics")
    assert refused.status_code == 403 and refused.json()["code"] == "metrics_forbidden"


async def test_a_metrics_token_is_required_when_set(running: Running) -> None:
    """With VAXBOOK_METRICS_TOKEN set, even loopback must send it as a bearer token."""
    async with app_with(running.container.settings, running.clock, metrics_token="scrape-secret") as (_, c):
        assert (await c.get("/metrics")).status_code == 403
        assert (await c.get("/metrics", headers={"Authorization": "Bearer wrong"})).status_code == 403
        assert (await c.get("/metrics", headers={"Authorization": "Bearer scrape-secret"})).status_code == 200


async def test_metrics_move_with_a_journey(running: Running) -> None:
    """After one booking: requests counted by route template and status, places and line figures moved."""
    await add_clinic_with_slot(running.container.clinics)
    before = samples((await running.client.get("/metrics")).text)
    person = await admitted(running.client, Person(person_number(date(1990, 5, 13)), "phone-1"))
    slots = await running.client.get("/api/clinics/C1/slots", headers=person.bearer(person.admission))
    assert (await book(running.client, person, slots.json()["slots"][0]["id"])).status_code == 201
    await running.client.get("/no/such/page/010-1234-5678")
    running.clock.advance(seconds=10)  # past the live figures' 5 s period
    after = samples((await running.client.get("/metrics")).text)

    def moved(route: str, status: str) -> float:
        return requests_of(after, route, status) - requests_of(before, route, status)

    assert moved("/api/bookings", "201") == 1
    assert moved("/api/clinics/{clinic_id}/slots", "200") == 1
    assert moved("/api/auth/start", "200") == 1 and moved("/api/line/status", "200") == 1
    assert moved("<unmatched>", "404") == 1
    assert not any("010-1234-5678" in str(labels) for _, labels in after)
    assert after[("vaxbook_places_booked", (("group", "3"),))] == 1
    assert after[("vaxbook_places_left", (("group", "3"),))] == 9
    assert after[("vaxbook_places_left_by_province", (("sido", "서울특별시"),))] == 99
    assert after[("vaxbook_bookings", ())] == 1
    line = [labels for name, labels in after if name == "vaxbook_line_issued_total"]
    assert line and after[("vaxbook_line_issued_total", line[0])] >= 1
    assert after[("vaxbook_line_admission_rate", line[0])] == 1000
    assert ("vaxbook_verification_in_flight", (("method", "kakao"),)) in after
    count = [v for (name, labels), v in after.items() if name == "vaxbook_http_request_duration_seconds_count"
             and dict(labels)["route"] == "/api/bookings"]
    assert sum(count) >= 1


async def test_request_ids_are_kept_or_made_and_echoed(running: Running) -> None:
    """A sane X-Request-Id comes back unchanged; a missing or odd one is replaced by a fresh id."""
    kept = await running.client.get("/healthz", headers={"X-Request-Id": "edge-1234abcd"})
    assert kept.headers["x-request-id"] == "edge-1234abcd"
    made = await running.client.get("/healthz")
    odd = await running.client.get("/healthz", headers={"X-Request-Id": "<script>alert(1)</script>"})
    assert len(made.headers["x-request-id"]) == 16
    assert made.headers["x-request-id"] != odd.headers["x-request-id"]
    assert "<" not in odd.headers["x-request-id"]
