"""A verification whose answer was lost is replayed on the client's retry, on both backends.

The answer of `POST /api/auth/verify` can be lost after its claim was recorded (a node killed
mid-request, a 503 after the ledger's claim committed): the same request, from the same
device, must get an identity token again, while a new verification within the hold and
another device are refused exactly as before.
"""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

import httpx

from tests.conftest import Running
from tests.journey import Person, person_number, start
from vaxbook.domain.credentials import PendingVerification

BORN_GROUP_3 = date(1990, 5, 13)


async def _started(running: Running, person: Person) -> dict[str, Any]:
    answer = await start(running.client, person)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


async def _confirm(running: Running, person: Person, started: dict[str, Any]) -> httpx.Response:
    return await running.client.post(
        "/api/auth/verify", headers=person.headers,
        json={"request_token": started["request_token"], "code": started["dev_code"]},
    )


async def _works(running: Running, person: Person, answer: httpx.Response) -> bool:
    token = answer.json()["identity_token"]
    return (await running.client.get("/api/eligibility", headers=person.bearer(token))).status_code == 200


async def test_the_same_verification_retried_gets_an_identity_token_again(running: Running) -> None:
    """Confirming the same request again from the same device is 200 with a working token, and
    it starts no new hold: a new verification a minute later still waits out the first's."""
    person = Person(person_number(BORN_GROUP_3), "phone-1")
    started = await _started(running, person)
    assert (await _confirm(running, person, started)).status_code == 200
    running.clock.advance(seconds=30)
    again = await _confirm(running, person, started)
    assert again.status_code == 200 and again.json()["group"] == 3
    assert await _works(running, person, again)
    running.clock.advance(seconds=30)
    fresh = await _confirm(running, person, await _started(running, person))
    assert fresh.status_code == 429 and fresh.json()["code"] == "verification_too_frequent"
    assert int(fresh.headers["Retry-After"]) == 541  # the first hold, not one from the retry


async def test_a_retry_after_only_the_ledger_claim_committed_succeeds(running: Running) -> None:
    """The ledger's claim committed and the gate's never ran (a 503 between them): the retry is
    200, and the gate then holds the person for that device like any verification."""
    person = Person(person_number(BORN_GROUP_3), "phone-1")
    started = await _started(running, person)
    container = running.container
    pending = container.signer.read(PendingVerification, started["request_token"], device=person.device)
    now = running.clock.now().timestamp()
    hold = container.settings.verification_hold_seconds
    recorded = await container.ledger.claim_verification(
        pending.person, person.device, now, hold, reference=pending.reference
    )
    assert recorded.ok
    assert await container.gate.device_holder(pending.person, now) is None  # the gate never heard
    running.clock.advance(seconds=5)
    retried = await _confirm(running, person, started)
    assert retried.status_code == 200 and await _works(running, person, retried)
    assert await container.gate.device_holder(pending.person, now + 5) == person.device
    tablet = Person(person.number, "tablet-2")
    assert (await _confirm(running, tablet, await _started(running, tablet))).status_code == 409


async def test_a_new_verification_within_the_hold_is_still_refused(running: Running) -> None:
    """Another request (another provider reference) from the same device within the hold is 429,
    even while the first request is still within its own 3 minutes."""
    person = Person(person_number(BORN_GROUP_3), "phone-1")
    first = await _started(running, person)
    second = await _started(running, person)
    assert (await _confirm(running, person, first)).status_code == 200
    refused = await _confirm(running, person, second)
    assert refused.status_code == 429 and refused.json()["code"] == "verification_too_frequent"
    assert (await _confirm(running, person, first)).status_code == 200  # the first still replays


async def test_another_device_is_still_refused(running: Running) -> None:
    """A second device is 409 with its own request, and cannot use the first device's request."""
    person = Person(person_number(BORN_GROUP_3), "phone-1")
    started = await _started(running, person)
    assert (await _confirm(running, person, started)).status_code == 200
    tablet = Person(person.number, "tablet-2")
    own = await _confirm(running, tablet, await _started(running, tablet))
    assert own.status_code == 409 and own.json()["code"] == "device_bound_elsewhere"
    borrowed = await _confirm(running, tablet, started)
    assert borrowed.status_code == 403 and borrowed.json()["code"] == "device_mismatch"


async def test_a_replay_ends_with_the_request(running: Running) -> None:
    """Once the request's 3 minutes are over its retry is refused, though the hold goes on."""
    person = Person(person_number(BORN_GROUP_3), "phone-1")
    started = await _started(running, person)
    assert (await _confirm(running, person, started)).status_code == 200
    running.clock.advance(seconds=181)
    late = await _confirm(running, person, started)
    assert late.status_code == 404 and late.json()["code"] == "verification_not_found"


async def test_concurrent_retries_of_one_verification_all_succeed_with_one_hold(running: Running) -> None:
    """The request and its retries sent at once (the request's 5 tries) are all 200, and they
    record one hold: a new verification is refused for the full 10 minutes from that moment."""
    person = Person(person_number(BORN_GROUP_3), "phone-1")
    started = await _started(running, person)
    answers = await asyncio.gather(*(_confirm(running, person, started) for _ in range(5)))
    assert [a.status_code for a in answers] == [200] * 5
    running.clock.advance(minutes=1)
    fresh = await _confirm(running, person, await _started(running, person))
    assert fresh.status_code == 429 and int(fresh.headers["Retry-After"]) == 541
    running.clock.advance(minutes=9, seconds=1)
    assert (await _confirm(running, person, await _started(running, person))).status_code == 200


async def test_retries_use_up_no_tries_and_wrong_codes_still_lock_the_request(running: Running) -> None:
    """After 4 wrong codes the right one and two retries of it are 200 (a right code's try is
    given back); a fifth wrong code is the last, and then even the right code is locked."""
    person = Person(person_number(BORN_GROUP_3), "phone-1")
    started = await _started(running, person)
    wrong = {**started, "dev_code": "000000" if started["dev_code"] != "000000" else "111111"}
    for left in (4, 3, 2, 1):
        answer = await _confirm(running, person, wrong)
        assert answer.status_code == 401 and answer.json()["attempts_left"] == left
    assert [(await _confirm(running, person, started)).status_code for _ in range(3)] == [200] * 3
    last = await _confirm(running, person, wrong)
    assert last.status_code == 401 and last.json()["attempts_left"] == 0
    locked = await _confirm(running, person, started)
    assert locked.status_code == 429 and locked.json()["code"] == "verification_locked"


async def test_many_retries_of_a_code_right_at_once_never_lock_the_request(running: Running) -> None:
    """A code right at once and eight retries of it, one after another, are all 200: more than
    the request's 5 tries, so each retry's try was given back."""
    person = Person(person_number(BORN_GROUP_3), "phone-1")
    started = await _started(running, person)
    assert [(await _confirm(running, person, started)).status_code for _ in range(9)] == [200] * 9
