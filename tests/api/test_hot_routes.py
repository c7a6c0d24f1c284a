"""The hot routes (web/api/hot.py) and their FastAPI twins answer every request with the same bytes."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx

from tests.conftest import Running
from tests.journey import Person, add_clinic_with_slot, admitted, book, person_number, verify
from vaxbook.web.api.hot import HotRoutes

SEOUL = "/api/regions/%EC%84%9C%EC%9A%B8%ED%8A%B9%EB%B3%84%EC%8B%9C/districts"  # 서울특별시


def hot_routes(running: Running) -> HotRoutes:
    """The app's HotRoutes layer, found by walking its middleware stack (built on first use)."""
    layer: Any = running.app.middleware_stack
    while not isinstance(layer, HotRoutes):
        layer = layer.app
    return layer


async def both(running: Running, method: str, url: str, headers: dict[str, str] | None = None,
               params: httpx.QueryParams | dict[str, str] | None = None, **body: Any) -> httpx.Response:
    """Ask the hot route, then its FastAPI twin (`body`: json= or content=); assert the same status,
    headers (in order) and body."""
    sent = {**(headers or {}), "X-Request-Id": "hot-twin-check"}
    hot = hot_routes(running)
    answers = []
    for enabled in (True, False):
        hot.enabled = enabled
        try:
            answers.append(await running.client.request(method, url, headers=sent, params=params, **body))
        finally:
            hot.enabled = True
    fast, slow = answers
    assert (fast.status_code, fast.content) == (slow.status_code, slow.content), (url, fast.text, slow.text)
    assert fast.headers.raw == slow.headers.raw, url
    return fast


async def test_the_journey_reads_answer_alike(running: Running) -> None:
    """Methods, eligibility, joining, status, every browse list and my booking: the same bytes both ways."""
    await running.client.get("/healthz")  # builds the middleware stack
    await add_clinic_with_slot(running.container.clinics)
    await add_clinic_with_slot(running.container.clinics, clinic_id="C2", sigungu="중구")
    assert (await both(running, "GET", "/api/auth/methods")).json()["methods"]
    person = Person(person_number(date(1990, 5, 13)), "device-1")
    assert (await verify(running.client, person)).status_code == 200
    identity = person.bearer(person.identity)
    assert (await both(running, "GET", "/api/eligibility", identity)).json()["may_join_line"]
    joined = await both(running, "POST", "/api/line/join", identity)
    person.ticket = joined.json()["ticket"]
    status = await both(running, "GET", "/api/line/status", person.bearer(person.ticket))
    person.admission = status.json()["admission_pass"]
    passed = person.bearer(person.admission)
    assert (await both(running, "GET", "/api/regions", passed)).json()["provinces"]
    assert len((await both(running, "GET", SEOUL, passed)).json()["districts"]) == 2
    where = {"sido": "서울특별시", "sigungu": "종로구"}
    clinics = (await both(running, "GET", "/api/clinics", passed, where)).json()["clinics"]
    assert [c["id"] for c in clinics] == ["C1"]
    slots = (await both(running, "GET", "/api/clinics/C1/slots", passed)).json()["slots"]
    assert (await both(running, "GET", "/api/bookings/me", identity)).json()["code"] == "no_booking"
    assert (await book(running.client, person, slots[0]["id"])).status_code == 201
    # Listed again after the booking: the slots from the worker's rows, the free count as it is now.
    after = (await both(running, "GET", "/api/clinics/C1/slots", passed)).json()["slots"]
    assert after == [{**slots[0], "free": slots[0]["free"] - 1}, *slots[1:]]
    mine = (await both(running, "GET", "/api/bookings/me", identity)).json()
    assert mine["first_dose"]["id"] == slots[0]["id"]
    assert (await both(running, "GET", "/api/eligibility", identity)).json()["status"] == "booked"
    assert (await both(running, "POST", "/api/line/join", identity)).status_code == 200


async def test_refusals_answer_alike(running: Running) -> None:
    """Missing and forged credentials, malformed paths and queries, unknown clinics: the same problem."""
    await running.client.get("/healthz")
    await add_clinic_with_slot(running.container.clinics)
    person = await admitted(running.client, Person(person_number(date(1990, 5, 13)), "device-1"))
    passed, identity = person.bearer(person.admission), person.bearer(person.identity)
    for path in ("/api/eligibility", "/api/bookings/me"):
        assert (await both(running, "GET", path)).json()["code"] == "missing_device"
        assert (await both(running, "GET", path, {"X-Device-Id": "d"})).json()["code"] == "identity_required"
        elsewhere = {**identity, "X-Device-Id": "other"}
        assert (await both(running, "GET", path, elsewhere)).status_code in (401, 403)
    assert (await both(running, "POST", "/api/line/join", {"X-Device-Id": "d"})).status_code == 401
    no_ticket = await both(running, "GET", "/api/line/status", {"X-Device-Id": "d"})
    assert no_ticket.json()["code"] == "ticket_invalid"
    assert (await both(running, "GET", "/api/regions", identity)).json()["code"] == "admission_invalid"
    assert (await both(running, "GET", "/api/regions")).json()["code"] == "missing_device"
    refused = [
        ("/api/regions/" + "가" * 41 + "/districts", None),  # too long: the twin's 422
        ("/api/regions/%3Cscript%3E/districts", None),  # not a region name: the service's 422
        ("/api/clinics", {"sido": "서울특별시"}),  # sigungu missing
        ("/api/clinics", {"sido": "", "sigungu": "종로구"}),
        # the last of a repeated parameter counts
        ("/api/clinics", httpx.QueryParams([("sido", "x" * 41), ("sido", "서울특별시"),
                                            ("sigungu", "종로구")])),
        ("/api/clinics/C1%0A/slots", None),  # a newline after an id is no id
        ("/api/clinics/-C1/slots", None),
    ]
    for url, params in refused:
        answer = await both(running, "GET", url, passed, params)
        assert answer.status_code in (200, 422), (url, answer.text)
    assert (await both(running, "GET", "/api/clinics/C9/slots", passed)).json()["code"] == "clinic_not_found"
    assert (await both(running, "GET", "/api/regions//districts", passed)).status_code == 404
    assert (await both(running, "GET", "/api/regions/a/b/districts", passed)).status_code == 404


async def test_hot_routes_carry_their_template_for_the_metrics(running: Running) -> None:
    """A templated hot route is labelled by its template, as the FastAPI route would be."""
    await running.client.get("/healthz")
    hot = hot_routes(running)
    matched = hot._match("GET", "/api/clinics/C1/slots")
    assert matched is not None and matched[1].path_format == "/api/clinics/{clinic_id}/slots"
    assert matched[2] == "C1"
    assert hot._match("GET", "/api/clinics//slots") is None
    assert hot._match("POST", "/api/regions") is None


def person(serial: int) -> Person:
    return Person(person_number(date(1990, 5, 13), serial), f"device-{serial}")


def started(person: Person, **changes: Any) -> dict[str, Any]:
    return {"name": "홍길동", "resident_number": person.number, "phone": person.phone, "method": "kakao",
            **changes}


async def test_verification_answers_alike(running: Running) -> None:
    """Sending a code and confirming it: the same answer both ways, but for the fresh tokens in it."""
    await running.client.get("/healthz")
    hot = hot_routes(running)
    answers = []
    for serial, enabled in ((1, True), (2, False)):
        hot.enabled = enabled
        try:
            someone = person(serial)
            sent = await running.client.post("/api/auth/start", headers=someone.headers,
                                             json=started(someone))
            code = {"request_token": sent.json()["request_token"], "code": sent.json()["dev_code"]}
            done = await running.client.post("/api/auth/verify", headers=someone.headers, json=code)
        finally:
            hot.enabled = True
        answers.append((sent, done))
    for (fast, slow), token in (((answers[0][0], answers[1][0]), "request_token"),
                                ((answers[0][1], answers[1][1]), "identity_token")):
        assert fast.status_code == slow.status_code == 200, (fast.text, slow.text)
        assert [name for name, _ in fast.headers.raw if name != b"x-request-id"] == [
            name for name, _ in slow.headers.raw if name != b"x-request-id"
        ]
        assert fast.content.replace(fast.json()[token].encode(), b"T").replace(
            fast.json().get("dev_code", "").encode(), b"C"
        ) == slow.content.replace(slow.json()[token].encode(), b"T").replace(
            slow.json().get("dev_code", "").encode(), b"C"
        )


async def test_verification_refusals_answer_alike(running: Running) -> None:
    """Malformed, refused and unknown input to both steps: the same problem, byte for byte."""
    await running.client.get("/healthz")
    someone = person(1)
    bodies: list[tuple[str, dict[str, str], Any]] = [
        ("/api/auth/start", someone.headers, started(someone, method="carrier-pigeon")),
        ("/api/auth/start", someone.headers, started(someone, resident_number="900101-1234560")),
        ("/api/auth/start", {}, started(someone)),
        ("/api/auth/start", someone.headers, {"name": "홍길동"}),
        ("/api/auth/start", someone.headers, started(someone, name=["홍길동"])),
        ("/api/auth/start", someone.headers, started(someone, phone="x" * 201)),
        ("/api/auth/start", someone.headers, [1, 2]),
        ("/api/auth/verify", someone.headers, {"request_token": "forged", "code": "123456"}),
        ("/api/auth/verify", someone.headers, {"request_token": "", "code": "123456"}),
        ("/api/auth/verify", someone.headers, {"request_token": "t", "code": "12"}),
        ("/api/auth/verify", {}, {"request_token": "t", "code": "123456"}),
    ]
    for url, headers, body in bodies:
        answer = await both_posted(running, url, headers, json_body=body)
        assert answer.status_code in (400, 401, 404, 422), (url, body, answer.text)
    for raw in (b"{", b"", b"\xff\xfe", b'{"name": NaN}'):
        as_json = {**someone.headers, "Content-Type": "application/json"}
        answer = await both_posted(running, "/api/auth/start", as_json, content=raw)
        assert answer.status_code in (400, 422), (raw, answer.text)


async def both_posted(running: Running, url: str, headers: dict[str, str], *, json_body: Any = None,
                      content: bytes | None = None) -> httpx.Response:
    """A POST asked of the hot route and of its twin: the same status, headers and body."""
    return await both(running, "POST", url, headers, json=json_body, content=content)
