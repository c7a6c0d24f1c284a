"""Headers on every answer, allowed hosts, body limits in-process, and a /docs with no third party.

Headers and transport limits do not depend on the backend: these run on the embedded default only.
"""

from __future__ import annotations

import re
from datetime import date

import pytest

from tests.conftest import ManualClock, Running
from tests.journey import Person, add_clinic_with_slot, app_with, join, person_number, start, status, verify
from vaxbook.config import Settings


@pytest.fixture
def backend() -> str:
    """Only the embedded default: nothing here reaches the ledger or the gate in a backend-specific way."""
    return "sqlite"


async def test_every_credential_answer_is_no_store_and_nosniff(running: Running) -> None:
    """Request token, identity token, ticket and admission pass all come with no-store and nosniff."""
    await add_clinic_with_slot(running.container.clinics)
    person = Person(person_number(date(1990, 5, 13)), "device-headers-1")
    started = await start(running.client, person)
    answers = [started]
    verified = await running.client.post("/api/auth/verify", headers=person.headers, json={
        "request_token": started.json()["request_token"], "code": started.json()["dev_code"]})
    person.identity = verified.json()["identity_token"]
    answers.append(verified)
    answers.append(await running.client.post("/api/line/join", headers=person.bearer(person.identity)))
    person.ticket = answers[-1].json()["ticket"]
    admitted = await running.client.get("/api/line/status", headers=person.bearer(person.ticket))
    assert admitted.json()["admission_pass"]
    answers.append(admitted)
    for answer in answers:
        assert answer.status_code == 200, answer.text
        assert answer.headers["cache-control"] == "no-store", answer.request.url
        assert answer.headers["x-content-type-options"] == "nosniff", answer.request.url


async def test_a_waiting_ticket_keeps_its_private_cache_and_carries_no_new_credential(
    settings: Settings, clock: ManualClock
) -> None:
    """The waiting status stays cacheable for its owner (private, max-age): it holds only the ticket sent."""
    async with app_with(settings, clock, admission_rate=0.001) as (container, client):
        await add_clinic_with_slot(container.clinics)
        people = [Person(person_number(date(1990, 5, 13), n), f"device-wait-{n}") for n in (1, 2)]
        for person in people:
            assert (await verify(client, person)).status_code == 200
            await join(client, person)
        sent = people[1].ticket
        answer = await client.get("/api/line/status", headers=people[1].bearer(sent))
        assert answer.json()["state"] == "waiting" and "admission_pass" not in answer.json()
        assert answer.json()["ticket"] == sent
        assert answer.headers["cache-control"].startswith("private, max-age=")
        assert answer.headers["x-content-type-options"] == "nosniff"
        await status(client, people[0])


@pytest.mark.parametrize("path", ["/healthz", "/api/campaign", "/", "/verify", "/static/app.css", "/nowhere",
                                  "/api/nowhere", "/docs"])
async def test_nosniff_is_on_every_answer(running: Running, path: str) -> None:
    """Pages, API answers, static files, problems and /docs all carry X-Content-Type-Options: nosniff."""
    answer = await running.client.get(path)
    assert answer.headers["x-content-type-options"] == "nosniff"
    if path.startswith("/api/"):
        assert answer.headers["cache-control"] == "no-store"


async def test_hsts_only_over_https(settings: Settings, clock: ManualClock) -> None:
    """Strict-Transport-Security is sent over HTTPS and never over plain HTTP, where it means nothing."""
    async with app_with(settings, clock) as (_, client):
        assert "strict-transport-security" not in (await client.get("/healthz")).headers
        secure = await client.get("https://vaxbook.test/healthz")
        assert secure.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"


@pytest.mark.parametrize("host", ["evil.example", "vaxbook.test.evil.example", "", "127.0.0.1.evil.example"])
async def test_a_host_outside_the_allowed_list_is_refused(running: Running, host: str) -> None:
    """Any Host not in allowed_hosts is answered 400 invalid_host, so no redirect can point at it."""
    for path in ("/healthz", "/verify/", "/lang/en?next=/book"):
        answer = await running.client.get(path, headers={"Host": host})
        assert answer.status_code == 400, (host, path)
        assert answer.json()["code"] == "invalid_host"
        assert "location" not in answer.headers


@pytest.mark.parametrize("host", ["localhost:8000", "127.0.0.1", "[::1]:8000", "vaxbook.test",
                                  "VAXBOOK.TEST"])
async def test_allowed_hosts_are_served(running: Running, host: str) -> None:
    """The default list serves localhost, 127.0.0.1, [::1] and the tests' vaxbook.test, with any port."""
    assert (await running.client.get("/healthz", headers={"Host": host})).status_code == 200


async def test_allowed_hosts_accept_subdomain_patterns(settings: Settings, clock: ManualClock) -> None:
    """`*.example.org` serves its subdomains and nothing else."""
    async with app_with(settings, clock, allowed_hosts=["*.example.org"]) as (_, client):
        assert (await client.get("/healthz", headers={"Host": "book.example.org"})).status_code == 200
        assert (await client.get("/healthz", headers={"Host": "example.org.evil"})).status_code == 400


@pytest.mark.parametrize("next_url", ["//evil.example/x", "https://evil.example/", "/\\evil.example",
                                      "/book"])
async def test_page_redirects_are_relative(running: Running, next_url: str) -> None:
    """The language switch redirects only to a path on this site, never to a host from the request."""
    answer = await running.client.get("/lang/en", params={"next": next_url})
    assert answer.status_code == 303
    location = answer.headers["location"]
    assert location.startswith("/") and not location.startswith("//") and "evil" not in location


async def test_docs_load_nothing_from_a_third_party(running: Running) -> None:
    """/docs names no https:// script, style or icon; its assets come from the app; ReDoc is off."""
    page = await running.client.get("/docs")
    assert page.status_code == 200
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert sources and all(source.startswith("/") for source in sources), sources
    assert "https://" not in page.text
    assert "default-src 'none'" in page.headers["content-security-policy"]
    for source in sources:
        asset = await running.client.get(source)
        assert asset.status_code == 200 and asset.content, source
    assert (await running.client.get("/redoc")).status_code == 404
    assert (await running.client.get("/openapi.json")).status_code == 200


async def test_body_limits_hold_in_process_too(running: Running) -> None:
    """The app refuses an over-long JSON body (413) and a wrong media type (415) whatever server runs it."""
    person = Person(person_number(date(1990, 5, 13)), "device-body-1")
    untyped = await running.client.post("/api/auth/start", headers=person.headers, content=b'{"name": "a"}')
    assert untyped.status_code == 415  # httpx sends no Content-Type for raw content
    big = await running.client.post("/api/auth/start", content=b"[" + b"1," * 40_000 + b"1]",
                                     headers={**person.headers, "Content-Type": "application/json"})
    assert big.status_code == 413 and big.json()["code"] == "body_too_large"
    assert big.headers["cache-control"] == "no-store"
    fine = await running.client.post("/api/auth/start", headers=person.headers, json={
        "name": "홍길동", "resident_number": person.number, "phone": "010-1234-5678", "method": "kakao"})
    assert fine.status_code == 200


async def test_a_json_endpoint_without_a_body_needs_no_content_type(running: Running) -> None:
    """POST without a body (joining the line) is not a media-type question: it reaches the route."""
    answer = await running.client.post("/api/line/join")
    assert answer.json()["code"] in {"missing_device", "identity_required"}
