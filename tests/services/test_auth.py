"""The auth service, called directly: two steps to an identity bound to one device."""

from __future__ import annotations

import pytest

from tests.journey import person_number
from tests.services.conftest import GROUP_3_BIRTH, verified
from vaxbook.bootstrap import Container
from vaxbook.domain.errors import Problem, VaxbookError


async def test_verification_gives_an_identity_of_that_device(services: Container) -> None:
    """The identity token names the person and reads back only from the device that verified."""
    who = await verified(services, device="device-0001")
    assert who.birth_date == GROUP_3_BIRTH and who.device == "device-0001"
    token = services.signer.sign(who)
    assert services.auth.identity(token, "device-0001") == who
    with pytest.raises(VaxbookError) as refused:
        services.auth.identity(token, "device-0002")
    assert refused.value.code is Problem.DEVICE_MISMATCH


async def test_a_wrong_code_counts_down_the_tries(services: Container) -> None:
    """A wrong code is refused with the tries left, and the right one still works after it."""
    started = await services.auth.start(
        name="홍길동", resident_number=person_number(GROUP_3_BIRTH), phone="010-1234-5678",
        method="kakao", device_id="device-0001", client="192.0.2.1",
    )
    with pytest.raises(VaxbookError) as refused:
        await services.auth.verify(request_token=started.request_token, code="000000",
                                   device_id="device-0001")
    assert refused.value.code is Problem.VERIFICATION_CODE_WRONG
    assert refused.value.details["attempts_left"] == 4
    done = await services.auth.verify(
        request_token=started.request_token, code=started.dev_code or "", device_id="device-0001"
    )
    assert done.identity.device == "device-0001"


async def test_one_verification_per_hold_and_known_methods_only(services: Container) -> None:
    """Verifying again within the hold is refused with a wait; an unknown method is refused outright."""
    await verified(services)
    with pytest.raises(VaxbookError) as again:
        await verified(services)
    assert again.value.code is Problem.VERIFICATION_TOO_FREQUENT and again.value.retry_after
    with pytest.raises(VaxbookError) as unknown:
        await services.auth.start(name="홍길동", resident_number=person_number(GROUP_3_BIRTH),
                                  phone="010-1234-5678", method="telegraph", device_id="device-0001",
                                  client="192.0.2.1")
    assert unknown.value.code is Problem.UNKNOWN_METHOD
