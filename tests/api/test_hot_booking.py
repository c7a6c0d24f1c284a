"""POST /api/bookings: the plain ASGI route (web/api/hot_booking.py) answers as its FastAPI twin.

Every request is sent twice through the whole app: once as it is served (the hot route), once
with the hot route taken out of the dict, so FastAPI's route answers; status, headers and body
bytes must be the same.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import httpx

from tests.conftest import Running
from tests.journey import Person, add_clinic_with_slot, admitted, person_number
from vaxbook.web.api.hot import HotRoutes

ROUTE = ("POST", "/api/bookings")


def hot_routes(running: Running) -> HotRoutes:
    layer: Any = running.app.middleware_stack
    while not isinstance(layer, HotRoutes):
        layer = layer.app
    return layer


@contextmanager
def through_fastapi(running: Running) -> Iterator[None]:
    routes = hot_routes(running).routes
    handler = routes.pop(ROUTE)
    try:
        yield
    finally:
        routes[ROUTE] = handler


async def both(running: Running, content: bytes | None, headers: dict[str, str]) -> httpx.Response:
    """The hot route's answer, after checking FastAPI's twin gives the same bytes."""
    await running.client.get("/healthz")  # builds the middleware stack
    hot = await running.client.post("/api/bookings", content=content, headers=headers)
    with through_fastapi(running):
        twin = await running.client.post("/api/bookings", content=content, headers=headers)
    assert (hot.status_code, hot.content) == (twin.status_code, twin.content), (content, headers)
    assert headers_of(hot) == headers_of(twin)
    return hot


def headers_of(answer: httpx.Response) -> list[tuple[str, str]]:
    """Every header but the request id, which is each request's own."""
    return sorted((name, value) for name, value in answer.headers.multi_items() if name != "x-request-id")


def json_headers(person: Person | None, key: str | None = "k-1") -> dict[str, str]:
    headers = {"Content-Type": "application/json"}
    if person is not None:
        headers.update(person.bearer(person.admission))
    if key is not None:
        headers["Idempotency-Key"] = key
    return headers


async def a_person(running: Running) -> tuple[Person, int]:
    await add_clinic_with_slot(running.container.clinics)
    person = await admitted(running.client, Person(person_number(date(1990, 5, 13), 1), "d1"))
    answer = await running.client.get("/api/clinics/C1/slots", headers=person.bearer(person.admission))
    return person, answer.json()["slots"][0]["id"]


BAD_BODIES: list[bytes | None] = [
    None, b"", b"null", b"[]", b"1", b'"x"', b"{}", b'{"slot_id": "1"}', b'{"slot_id": true}',
    b'{"slot_id": 1.0}', b'{"slot_id": 0}', b'{"slot_id": -1}', b'{"slot_id": 9223372036854775808}',
    b'{"slot_id": NaN}', b'{"slot_id": null}', b'{"slot": 1}', b'{"slot_id": [1]}',
    b'{"slot_id": ', b"{'slot_id': 1}", b'{"slot_id": 1}}', b'\xff\xfe{', b'{"slot_id": "\xff"}',
    b"[" * 5000, b"\xef\xbb\xbf{}",
]


async def test_bad_bodies_are_refused_alike(running: Running) -> None:
    """Malformed, mistyped and out-of-range bodies: the same 422 (or 401 first) from both routes."""
    person, _ = await a_person(running)
    for body in BAD_BODIES:
        refused = await both(running, body, json_headers(person))
        assert refused.status_code == 422 and refused.json()["code"] == "invalid_input"
        # FastAPI's order: a body that is not JSON is refused before the credentials are read.
        anonymous = await both(running, body, json_headers(None))
        assert anonymous.status_code in (400, 422)  # no device, or the body first


async def test_credential_and_key_refusals_are_alike(running: Running) -> None:
    """Missing or wrong pass, device and Idempotency-Key: the same problem from both routes."""
    person, slot = await a_person(running)
    body = b'{"slot_id": %d}' % slot
    cases = [
        ({"Content-Type": "application/json"}, "missing_device"),
        ({**json_headers(None), "X-Device-Id": "d1"}, "admission_required"),
        ({**json_headers(person), "Authorization": "Bearer nonsense"}, "admission_invalid"),
        ({**json_headers(person), "X-Device-Id": "another-device"}, "device_mismatch"),
        (json_headers(person, key=None), "missing_idempotency_key"),
        (json_headers(person, key="x" * 300), "invalid_input"),
        (json_headers(person, key="bad key/\\"), "invalid_input"),
    ]
    for headers, code in cases:
        refused = await both(running, body, headers)
        assert refused.json()["code"] == code, (headers, refused.json())


async def test_bookings_and_their_refusals_are_alike(running: Running) -> None:
    """A booking made by the hot route, replayed by its key through both routes: the same bytes;
    an unknown slot and a second booking are refused alike."""
    person, slot = await a_person(running)
    unknown = await both(running, b'{"slot_id": 999999}', json_headers(person))
    assert unknown.status_code == 404 and unknown.json()["code"] == "slot_not_found"
    made = await running.client.post("/api/bookings", content=b'{"slot_id": %d}' % slot,
                                     headers=json_headers(person, key="first"))
    assert made.status_code == 201
    replayed = await both(running, b'{"slot_id": %d, "extra": "ignored"}' % slot,
                          json_headers(person, key="first"))
    assert replayed.status_code == 201 and replayed.content == made.content
    again = await both(running, b'{"slot_id": %d}' % slot, json_headers(person, key="second"))
    assert again.status_code == 409 and again.json()["code"] == "already_booked"
    reused = await both(running, b'{"slot_id": 999999}', json_headers(person, key="first"))
    assert reused.status_code in (404, 422)


async def test_the_route_is_served_hot_and_documented_by_fastapi(running: Running) -> None:
    """The hot dict answers POST /api/bookings; /openapi.json still documents it (the twin)."""
    await running.client.get("/healthz")
    assert ROUTE in hot_routes(running).routes
    spec = (await running.client.get("/openapi.json")).json()
    assert "post" in spec["paths"]["/api/bookings"]
