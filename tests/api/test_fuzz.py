"""Schemathesis fuzzes every API route from /openapi.json with real credentials (issue 8 point 11).

The app runs in process (schemathesis's ASGI client, lifespan started once); a demo person is
verified, joins the line and is admitted, so the generated requests carry a live identity token,
queue ticket, admission pass, device id, Idempotency-Key and clinic key, and reach past
authentication. Each operation gets schema-valid and schema-violating cases; every answer must
be no 5xx, an error must be application/problem+json, and every answer must match its documented
status, content type and schema, and an undeclared method must be 405 with Allow. Cases come
from schemathesis's generation (positive and negative, FUZZ_EXAMPLES each) and its coverage
phase (boundary values such as 0, 2**63, false, "AAA", and undeclared methods). Bounded: about
2,000 cases, no shrinking, 15-45 s per backend on a shared 2-core machine.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import Case, CheckContext, GenerationMode, Response
from schemathesis.python import asgi
from schemathesis.specs.openapi import checks as openapi_checks

from tests.conftest import ManualClock
from tests.journey import add_clinic_with_slot, person_number
from vaxbook.bootstrap import build_ledger
from vaxbook.config import Settings
from vaxbook.services.clinics import ClinicService
from vaxbook.web.app import create_app

FUZZ_EXAMPLES = 30  # per operation, variant and generation mode (generation stops early on small spaces)
MIN_CASES = 1_000
DEVICE = "fuzz-device-1"
CLINIC_KEY = "key-C1"


def problem_json(ctx: CheckContext, response: Response, case: Case[Any]) -> bool | None:
    """Every error is application/problem+json with a stable code and both languages."""
    if response.status_code < 400:
        return None
    content_type = response.headers.get("content-type", [""])[0]
    assert content_type == "application/problem+json", f"{response.status_code} answered as {content_type}"
    body = response.json()
    assert isinstance(body, dict), body
    assert body.get("code") and body.get("message_ko") and body.get("message_en"), body
    assert body["status"] == response.status_code, body
    return True


CHECKS = [
    schemathesis.checks.not_a_server_error,
    openapi_checks.status_code_conformance,
    openapi_checks.content_type_conformance,
    openapi_checks.response_schema_conformance,
    openapi_checks.response_headers_conformance,
    openapi_checks.negative_data_rejection,
    openapi_checks.unsupported_method,
    openapi_checks.allow_header_conformance,
    problem_json,
]


@dataclass
class Credentials:
    """The live credentials of one admitted demo person, by what each route asks for."""

    identity: str
    ticket: str
    admission: str

    def headers(self, method: str, path: str) -> dict[str, str]:
        bearer = {"X-Device-Id": DEVICE}
        if path == "/api/line/status":
            return {**bearer, "Authorization": f"Bearer {self.ticket}"}
        if "{clinic_id}" in path and ("/bookings" in path or "/inventory" in path):  # clinic staff
            return {"X-Clinic-Key": CLINIC_KEY}
        needs_pass = path.startswith(("/api/regions", "/api/clinics")) or (
            path.startswith("/api/bookings") and method in ("POST", "PUT")
        )
        if needs_pass:
            extra = {"Idempotency-Key": "fuzz-1"} if method in ("POST", "PUT") else {}
            if method == "PUT":
                extra["X-Identity-Token"] = self.identity
            return {**bearer, "Authorization": f"Bearer {self.admission}", **extra}
        if path.startswith("/api/auth"):
            return bearer
        return {**bearer, "Authorization": f"Bearer {self.identity}"}


def admit(client: asgi.ASGIClient) -> Credentials:
    """Verify a demo person (dev mode shows the code), join the line and poll once for the pass."""
    device = {"X-Device-Id": DEVICE}
    started = client.post("/api/auth/start", headers=device, json={
        "name": "홍길동", "resident_number": person_number(date(1990, 5, 13)), "phone": "010-1234-5678",
        "method": "kakao"})
    assert started.status_code == 200, started.text
    verified = client.post("/api/auth/verify", headers=device, json={
        "request_token": started.json()["request_token"], "code": started.json()["dev_code"]})
    assert verified.status_code == 200, verified.text
    identity = verified.json()["identity_token"]
    joined = client.post("/api/line/join", headers={**device, "Authorization": f"Bearer {identity}"})
    assert joined.status_code == 200, joined.text
    ticket = joined.json()["ticket"]
    status = client.get("/api/line/status", headers={**device, "Authorization": f"Bearer {ticket}"})
    assert status.status_code == 200 and status.json()["state"] == "admitted", status.text
    return Credentials(identity, status.json()["ticket"], status.json()["admission_pass"])


@dataclass
class Fuzzed:
    schema: Any
    client: asgi.ASGIClient
    credentials: Credentials


@pytest.fixture
def fuzzed(settings: Settings, clock: ManualClock) -> Iterator[Fuzzed]:
    """The app started in process with a clinic and its slots, and an admitted person's credentials."""

    async def seed() -> None:
        ledger = build_ledger(settings)
        await ledger.open()
        try:
            await add_clinic_with_slot(ClinicService(ledger), clinic_id="C1")
        finally:
            await ledger.close()

    asyncio.run(seed())
    # Starlette's test client, which schemathesis drives the app through, names the host "testserver".
    app = create_app(settings.model_copy(update={"allowed_hosts": [*settings.allowed_hosts, "testserver"]}),
                     clock)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    try:
        with asgi.ASGIClient(app) as client:  # type: ignore[arg-type]  # MutableMapping vs dict: same ASGI app
            yield Fuzzed(schema, client, admit(client))
    finally:
        asgi.shutdown_lifespans()  # stop the app: close the ledger and the gate


def variants(operation: Any, credentials: Credentials) -> list[dict[str, Any]]:
    """Fixed parts per run: live credentials; none (so the headers are fuzzed too); the real clinic."""
    headers = credentials.headers(operation.method.upper(), operation.path)
    found: list[dict[str, Any]] = [{"headers": headers}, {}]
    if "{clinic_id}" in operation.path:
        found.append({"headers": headers, "path_parameters": {"clinic_id": "C1"}})
    return found


def fuzz_generated(fuzzed: Fuzzed, operation: Any) -> int:
    """Schema-valid and schema-violating cases of one operation, per variant; returns how many ran."""
    ran = 0
    for fixed in variants(operation, fuzzed.credentials):
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode, **fixed))
            @settings(max_examples=FUZZ_EXAMPLES, deadline=None, database=None, derandomize=True,
                      phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
            def run(case: Case[Any]) -> None:
                nonlocal ran
                ran += 1
                case.call_and_validate(session=fuzzed.client, checks=CHECKS)

            try:
                run()
            except Unsatisfiable:
                # Nothing in this operation can break its schema with these parts fixed.
                assert mode is GenerationMode.NEGATIVE, operation.label
    return ran


def fuzz_boundaries(fuzzed: Fuzzed, operation: Any) -> int:
    """Schemathesis's coverage cases (0, 2**63, false, "AAA", undeclared methods ...): each as
    generated, then with live credentials in the headers it left as blank placeholders."""
    ran = 0
    headers = fuzzed.credentials.headers(operation.method.upper(), operation.path)
    covered = fuzzed.schema.iter_coverage_cases(
        operation, generation_modes=list(GenerationMode),
        generation_config=fuzzed.schema.config.generation_for(operation=operation),
    )
    for case in covered:
        for filled in (False, True):
            if filled:
                for name, value in headers.items():
                    sent = next((n for n in case.headers or {} if n.lower() == name.lower()), name)
                    if (case.headers or {}).get(sent) == "":
                        case.headers[sent] = value
            ran += 1
            case.call_and_validate(session=fuzzed.client, checks=CHECKS)
    return ran


def test_fuzz_every_route(fuzzed: Fuzzed) -> None:
    """Over 1,000 requests on every route, most with live credentials: no 5xx, errors as
    problem+json, every answer as documented, undeclared methods 405 with Allow."""
    started = time.monotonic()
    operations = [result.ok() for result in fuzzed.schema.get_all_operations()]
    assert len(operations) >= 18, [op.label for op in operations]
    cases = {op.label: fuzz_generated(fuzzed, op) + fuzz_boundaries(fuzzed, op) for op in operations}
    elapsed = time.monotonic() - started
    print(f"\nfuzzed {sum(cases.values())} cases over {len(cases)} operations in {elapsed:.1f} s: {cases}")
    assert all(cases.values()), cases
    assert sum(cases.values()) >= MIN_CASES
