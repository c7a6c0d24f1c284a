"""Bot friction over HTTP: off by default; when on, a verification start needs a solved challenge."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx

from tests.conftest import ManualClock, Running
from tests.journey import app_with, person_number
from vaxbook.config import Settings
from vaxbook.domain.proof_of_work import solve

DIFFICULTY = 10


def _start_body(**extra: Any) -> dict[str, Any]:
    return {"name": "홍길동", "resident_number": person_number(date(1990, 5, 13)), "phone": "010-1234-5678",
            "method": "kakao", **extra}


async def _challenge(client: httpx.AsyncClient, device: str) -> dict[str, Any]:
    answer = await client.get("/api/auth/challenge", headers={"X-Device-Id": device})
    assert answer.status_code == 200, answer.text
    return answer.json()  # type: ignore[no-any-return]


async def test_off_by_default(running: Running) -> None:
    """With the default difficulty 0 there is no challenge and a start needs no proof."""
    assert await _challenge(running.client, "d1") == {"challenge": None, "difficulty": 0}
    answer = await running.client.post("/api/auth/start", headers={"X-Device-Id": "d1"}, json=_start_body())
    assert answer.status_code == 200


async def test_when_on_a_start_needs_a_solved_challenge_of_its_device(
    settings: Settings, clock: ManualClock
) -> None:
    """No proof, a proof of another device or a wrong solution is a 422; a solved one sends a code."""
    async with app_with(settings, clock, proof_of_work_difficulty=DIFFICULTY) as (_, client):
        found = await _challenge(client, "d1")
        assert found["difficulty"] == DIFFICULTY
        solved = {"challenge": found["challenge"], "solution": solve(found["challenge"], DIFFICULTY)}
        for device, body in (("d1", _start_body()),
                             ("d2", _start_body(proof_of_work=solved)),
                             ("d1", _start_body(proof_of_work={**solved, "solution": "x"}))):
            refused = await client.post("/api/auth/start", headers={"X-Device-Id": device}, json=body)
            assert refused.status_code == 422, refused.text
            assert refused.json()["code"] == "proof_of_work_invalid"
            assert refused.json()["field"] == "proof_of_work"
        answer = await client.post("/api/auth/start", headers={"X-Device-Id": "d1"},
                                   json=_start_body(proof_of_work=solved))
        assert answer.status_code == 200 and "request_token" in answer.json()


async def test_a_challenge_expires(settings: Settings, clock: ManualClock) -> None:
    """A challenge solved too late (after its two minutes) is refused; a fresh one works."""
    async with app_with(settings, clock, proof_of_work_difficulty=DIFFICULTY) as (_, client):
        old = await _challenge(client, "d1")
        clock.advance(minutes=3)
        late = {"challenge": old["challenge"], "solution": solve(old["challenge"], DIFFICULTY)}
        answer = await client.post("/api/auth/start", headers={"X-Device-Id": "d1"},
                                   json=_start_body(proof_of_work=late))
        assert answer.status_code == 422 and "expired" in answer.json()["message_en"]
