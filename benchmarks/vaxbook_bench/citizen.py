"""One virtual citizen's journey over real HTTP, step by step, as tests/journey.py does it."""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from vaxbook_bench.lean_http import HttpFailure, LeanClient
from vaxbook_bench.tally import Tally

RETRIES = 3  # a timed-out, refused or 503 request is tried again, a booking with the same key
SLOT_TRIES = 4  # a full slot sends the citizen back to the slot list, then the clinic list


class GaveUp(Exception):
    """The citizen stops here (an error answer, sold out, or the deadline)."""

    def __init__(self, step: str) -> None:
        super().__init__(step)
        self.step = step


@dataclass(frozen=True)
class Citizen:
    number: str
    device: str
    phone: str


class Session:
    """A generator process's HTTP client: keep-alive connections, timing every request."""

    def __init__(self, http: LeanClient, tally: Tally, deadline: float) -> None:
        self.http = http
        self.tally = tally
        self.deadline = deadline

    async def call(
        self,
        step: str,
        method: str,
        path: str,
        *,
        expect: int = 200,
        headers: dict[str, str] | None = None,
        json: Any = None,
        params: dict[str, str] | None = None,
    ) -> tuple[int, dict[str, Any], str]:
        """One request: status, JSON body, Cache-Control. Errors are tallied, not raised."""
        for attempt in range(RETRIES):
            if time.monotonic() > self.deadline:
                raise GaveUp("deadline")
            began = time.perf_counter()
            try:
                answer = await self.http.request(method, path, headers=headers, json=json, params=params)
            except (HttpFailure, TimeoutError) as exc:
                self.tally.error(step, 0, type(exc).__name__)
                await asyncio.sleep(0.5 * (attempt + 1))
                continue
            try:
                body = answer.json()
            except ValueError:  # not JSON (a proxy's own error page): judged by its status
                body = {}
            status, cache = answer.status, answer.headers.get("cache-control", "")
            self.tally.record(step, time.perf_counter() - began)
            if status != expect:
                self.tally.error(step, status, str(body.get("code", "")) if isinstance(body, dict) else "")
            if status == 503 and attempt < RETRIES - 1:
                # "try again shortly", as the problem says: the same request, the same key
                pause = body.get("retry_after", 0.5 * (attempt + 1)) if isinstance(body, dict) else 0.5
                await asyncio.sleep(min(float(pause), 5.0))
                continue
            return status, body if isinstance(body, dict) else {}, cache
        raise GaveUp(step)


# What one virtual person does in a run: the whole journey, or one of the focused modes.
Person = Callable[[Session, Citizen, random.Random], Awaitable[None]]


def bearer(device: str, token: str) -> dict[str, str]:
    return {"X-Device-Id": device, "Authorization": f"Bearer {token}"}


def pick_free(rows: list[dict[str, Any]], rng: random.Random) -> dict[str, Any] | None:
    """A row with free places, chosen in proportion to what it has free (people go where stock is)."""
    free = [r for r in rows if int(r.get("free", 0)) > 0]
    if not free:
        return None
    return rng.choices(free, weights=[int(r["free"]) for r in free])[0]


async def verify(s: Session, c: Citizen, rng: random.Random) -> str:
    """Methods -> start -> verify; the identity token."""
    _, body, _ = await s.call("auth_methods", "GET", "/api/auth/methods")
    methods = [m for m in body.get("methods", []) if m["method"] != "mobile"] or [{"method": "kakao"}]
    method = min(methods, key=lambda m: (m.get("estimated_wait_seconds", 0), rng.random()))["method"]
    status, started, _ = await s.call(
        "auth_start",
        "POST",
        "/api/auth/start",
        headers={"X-Device-Id": c.device},
        json={"name": "홍길동", "resident_number": c.number, "phone": c.phone, "method": method},
    )
    if status != 200:
        raise GaveUp("auth_start")
    status, verified, _ = await s.call(
        "auth_verify",
        "POST",
        "/api/auth/verify",
        headers={"X-Device-Id": c.device},
        json={"request_token": started["request_token"], "code": started["dev_code"]},
    )
    if status != 200:
        raise GaveUp("auth_verify")
    return str(verified["identity_token"])


async def wait_in_line(s: Session, c: Citizen, identity: str) -> str:
    """Eligibility -> join -> poll as told; the admission pass."""
    status, eligible, _ = await s.call(
        "eligibility", "GET", "/api/eligibility", headers=bearer(c.device, identity)
    )
    if status != 200 or not eligible.get("may_join_line"):
        raise GaveUp("eligibility")
    status, view, _ = await s.call("line_join", "POST", "/api/line/join", headers=bearer(c.device, identity))
    if status != 200:
        raise GaveUp("line_join")
    joined, estimate = time.monotonic(), float(view.get("estimated_wait_seconds") or 0.0)
    joined_at, first_number = time.time(), view.get("number")
    while view.get("state") in ("waiting", "pre_queue"):
        hint = float(view.get("poll_after_seconds", 1.0))
        s.tally.poll_hints_seconds.append(hint)
        await asyncio.sleep(hint)
        status, view, cache = await s.call(
            "line_status",
            "GET",
            "/api/line/status",
            headers={"X-Device-Id": c.device, "Authorization": f"Bearer {view['ticket']}"},
        )
        s.tally.status_polls += 1
        if status != 200:
            raise GaveUp("line_status")
        if view.get("state") == "waiting":
            cacheable = "max-age=" in cache
            s.tally.cacheable_status += cacheable
            s.tally.uncacheable_status += not cacheable
    if view.get("state") != "admitted":
        raise GaveUp(f"line_{view.get('state')}")
    if first_number is not None and view.get("number") is not None:
        s.tally.places.append((joined_at, int(first_number), int(view["number"])))
    waited = time.monotonic() - joined
    s.tally.waits.append((waited, estimate))
    s.tally.waited_seconds += waited
    return str(view["admission_pass"])


async def browse(
    s: Session, step: str, path: str, auth: dict[str, str], key: str, params: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    """One list of the booking pages; an error answer ends the journey at this step."""
    status, body, _ = await s.call(step, "GET", path, headers=auth, params=params)
    if status != 200:
        raise GaveUp(step)
    return list(body.get(key, []))


async def choose_and_book(s: Session, c: Citizen, admission: str, rng: random.Random) -> str:
    """Provinces -> districts -> clinics -> slots -> book (with an Idempotency-Key); the booking id."""
    auth = bearer(c.device, admission)
    province = pick_free(await browse(s, "regions", "/api/regions", auth, "provinces"), rng)
    if province is None:
        raise GaveUp("sold_out")
    path = f"/api/regions/{province['name']}/districts"
    district = pick_free(await browse(s, "districts", path, auth, "districts"), rng)
    if district is None:
        raise GaveUp("sold_out")
    where = {"sido": province["name"], "sigungu": district["name"]}
    for _ in range(SLOT_TRIES):
        clinic = pick_free(await browse(s, "clinics", "/api/clinics", auth, "clinics", where), rng)
        if clinic is None:
            raise GaveUp("sold_out")
        slot = pick_free(await browse(s, "slots", f"/api/clinics/{clinic['id']}/slots", auth, "slots"), rng)
        if slot is None:
            continue
        booking_id = await book(s, c.device, admission, int(slot["id"]))
        if booking_id is not None:
            return booking_id
    raise GaveUp("book")


async def book(s: Session, device: str, admission: str, slot_id: int) -> str | None:
    """POST /api/bookings; the booking id, or None when the slot filled up meanwhile."""
    key = uuid.uuid4().hex  # the same key on every retry of this booking
    status, body, _ = await s.call(
        "book",
        "POST",
        "/api/bookings",
        expect=201,
        json={"slot_id": slot_id},
        headers={**bearer(device, admission), "Idempotency-Key": key},
    )
    if status in (200, 201):
        s.tally.confirmed.append(str(body["id"]))
        return str(body["id"])
    if body.get("code") in ("slot_full", "second_dose_unavailable"):
        return None
    raise GaveUp("book")


async def journey(s: Session, c: Citizen, rng: random.Random) -> None:
    """The whole journey; the person counts as completed when their booking reads back."""
    try:
        identity = await verify(s, c, rng)
        admission = await wait_in_line(s, c, identity)
        booking_id = await choose_and_book(s, c, admission, rng)
        status, mine, _ = await s.call(
            "booking_me", "GET", "/api/bookings/me", headers=bearer(c.device, identity)
        )
        if status != 200 or mine.get("id") != booking_id:
            raise GaveUp("booking_me")
    except GaveUp as stop:
        s.tally.gave_up[stop.step] += 1
        return
    s.tally.completed += 1
    s.tally.last_done = time.time()
