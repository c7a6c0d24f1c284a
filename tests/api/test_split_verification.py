"""Verification on machines of its own: booking nodes hold only the identity public key."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tests.conftest import ManualClock
from tests.journey import Person, app_with, person_number, start, verify
from tests.keypairs import write_key_pair
from vaxbook.bootstrap import build
from vaxbook.config import Settings


async def test_a_booking_node_accepts_identities_it_cannot_issue(
    settings: Settings, clock: ManualClock, tmp_path: Path
) -> None:
    """The node without the private key refuses to verify, and accepts the verification node's tokens."""
    private_file, public_file = write_key_pair(tmp_path, "identity")
    person = Person(person_number(date(1990, 5, 13)), "device-0001")
    async with (
        app_with(settings, clock, identity_private_key_file=f"v1:{private_file}") as (_, verifier),
        app_with(settings, clock, identity_public_key_files=f"v1:{public_file}") as (_, booker),
    ):
        started = (await start(verifier, person)).json()
        refused = await booker.post(
            "/api/auth/verify", headers=person.headers,
            json={"request_token": started["request_token"], "code": started["dev_code"]},
        )
        assert refused.status_code == 503 and refused.json()["code"] == "verification_elsewhere"
        assert (await start(booker, person)).json()["code"] == "verification_elsewhere"
        assert (await verify(verifier, person)).status_code == 200
        eligible = await booker.get("/api/eligibility", headers=person.bearer(person.identity))
        assert eligible.status_code == 200, eligible.text
        mine = await booker.get("/api/bookings/me", headers=person.bearer(person.identity))
        assert mine.json()["code"] == "no_booking"  # the identity was accepted; there is no booking yet


def test_an_unknown_identity_provider_is_a_clear_error(settings: Settings) -> None:
    """VAXBOOK_IDENTITY_PROVIDER names a known provider, or the service does not start."""
    with pytest.raises(ValueError, match="unknown identity provider 'carrier-pigeon'"):
        build(settings.model_copy(update={"identity_provider": "carrier-pigeon"}))
