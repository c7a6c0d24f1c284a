"""The services as the composition root wires them, started on each backend, with no HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date

import pytest

from tests.conftest import ManualClock
from tests.journey import person_number
from vaxbook.bootstrap import Container, build
from vaxbook.config import Settings
from vaxbook.domain.credentials import AdmissionPass, Identity


@pytest.fixture
async def services(settings: Settings, clock: ManualClock) -> AsyncIterator[Container]:
    """bootstrap.build(settings), started: the ledger and the gate of the test's backend."""
    built = build(settings, clock)
    await built.start()
    try:
        yield built
    finally:
        await built.stop()


GROUP_3_BIRTH = date(1990, 5, 13)  # group 3, whose window the test clock has open


async def verified(services: Container, device: str = "device-0001", serial: int = 1,
                   birth: date = GROUP_3_BIRTH) -> Identity:
    """A person verified through the auth service (dev mode hands back the code)."""
    started = await services.auth.start(
        name="홍길동", resident_number=person_number(birth, serial), phone=f"010-1234-{serial:04d}",
        method="kakao", device_id=device, client="192.0.2.1",
    )
    done = await services.auth.verify(
        request_token=started.request_token, code=started.dev_code or "", device_id=device
    )
    return done.identity


async def admitted(services: Container, who: Identity) -> AdmissionPass:
    """Join the line and poll once (the tests' admission rate admits at once): the pass."""
    joined = await services.waiting_room.join(who)
    view = await services.waiting_room.status(joined.ticket, who.device)
    assert view.state == "admitted" and view.admission_pass is not None, view
    return services.signer.read(AdmissionPass, view.admission_pass, device=who.device)
