"""redis-py's leaked transport errors (redis/redis-py#4287) become outages; the gate's own bugs do not."""

from __future__ import annotations

import asyncio

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from vaxbook.adapters.redis.races import races_are_outages


@races_are_outages
class Calls:
    async def into_the_library(self) -> None:
        await asyncio.sleep("soon")  # type: ignore[call-overload]  # a TypeError raised inside asyncio

    async def own_bug(self) -> None:
        missing: object = None
        missing.attribute  # type: ignore[attr-defined]  # noqa: B018  # an AttributeError in our own frame


async def test_an_error_raised_inside_the_driver_is_a_connection_error() -> None:
    """A TypeError whose innermost frame is in asyncio (as redis-py's leaked ones are) is reported as
    redis's ConnectionError, which the gate answers as an outage (503), chained to the original."""
    with pytest.raises(RedisConnectionError) as raised:
        await Calls().into_the_library()
    assert isinstance(raised.value.__cause__, TypeError)


async def test_an_error_of_our_own_code_stays_what_it_is() -> None:
    """An AttributeError raised in the caller's own code is a bug, not an outage: it is not translated."""
    with pytest.raises(AttributeError):
        await Calls().own_bug()
