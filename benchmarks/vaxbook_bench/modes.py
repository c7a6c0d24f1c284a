"""The two focused modes: booking only (pre-issued admission passes) and line status only.

Both sign credentials with the server's secret, exactly as the server would, so the
measured requests are the booking or the status request alone.
"""

from __future__ import annotations

import random
import time

from vaxbook.adapters.signer import JwtSigner as Signer
from vaxbook.domain.credentials import AdmissionPass, Identity
from vaxbook.domain.identity import mask_name, parse_resident_number, person_key
from vaxbook.keys import KeyRing
from vaxbook_bench.citizen import SLOT_TRIES, Citizen, GaveUp, Person, Session, bearer, book

NAME = "홍길동"
BENCH_KEY_ID = "bench"  # the server is given the run's secret as pepper and signing key under this id


def _signer(key: bytes) -> Signer:
    return Signer(KeyRing.single(BENCH_KEY_ID, key), time.time)


def booking_only(secret: str, line_id: str, group: int, slot_ids: tuple[int, ...]) -> Person:
    """Each person holds an admission pass and only books (a full slot: another random slot)."""
    key = secret.encode()
    signer = _signer(key)

    async def person(s: Session, c: Citizen, rng: random.Random) -> None:
        number = parse_resident_number(c.number)
        admission = signer.sign(
            AdmissionPass(
                person=person_key(number, key),
                device=c.device,
                line=line_id,
                groups=[group],
                birth=number.birth_date.isoformat(),
                name=mask_name(NAME),
                exp=time.time() + 3600,
            )
        )
        try:
            for _ in range(SLOT_TRIES):
                if await book(s, c.device, admission, rng.choice(slot_ids)) is not None:
                    s.tally.completed += 1
                    s.tally.last_done = time.time()
                    return
            s.tally.gave_up["book"] += 1
        except GaveUp as stop:
            s.tally.gave_up[stop.step] += 1

    return person


def status_only(secret: str, status_seconds: float) -> Person:
    """Each person joins the line once, then asks for its status back to back for a while."""
    key = secret.encode()
    signer = _signer(key)

    async def person(s: Session, c: Citizen, rng: random.Random) -> None:
        number = parse_resident_number(c.number)
        now = time.time()
        identity = signer.sign(
            Identity(
                person=person_key(number, key),
                device=c.device,
                birth=number.birth_date.isoformat(),
                name=mask_name(NAME),
                iat=now,
                exp=now + 3600,
            )
        )
        try:
            status, view, _ = await s.call(
                "line_join", "POST", "/api/line/join", headers=bearer(c.device, identity)
            )
            if status != 200:
                raise GaveUp("line_join")
            until = time.monotonic() + status_seconds
            while time.monotonic() < until:
                status, answer, cache = await s.call(
                    "line_status",
                    "GET",
                    "/api/line/status",
                    headers={"X-Device-Id": c.device, "Authorization": f"Bearer {view['ticket']}"},
                )
                if status != 200:
                    raise GaveUp("line_status")
                cacheable = answer.get("state") == "waiting" and "max-age=" in cache
                s.tally.cacheable_status += cacheable
                s.tally.uncacheable_status += not cacheable
        except GaveUp as stop:
            s.tally.gave_up[stop.step] += 1
            return
        s.tally.completed += 1
        s.tally.last_done = time.time()

    return person
