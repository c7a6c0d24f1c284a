"""redis-py's leaked transport errors (redis/redis-py#4287) become outages; the gate's own bugs do not."""

from __future__ import annotations

import asyncio

import pytest
import uvloop
from redis.exceptions import ConnectionError as RedisConnectionError

from vaxbook.adapters.redis.races import races_are_outages


@races_are_outages
class Calls:
    async def into_the_library(self) -> None:
        await asyncio.sleep("soon")  # type: ignore[call-overload]  # a TypeError raised inside asyncio

    async def write_after_close(self) -> None:
        """What redis-py's send does on a connection closed under it, on uvloop (as `vaxbook serve` runs)."""
        accepted: list[asyncio.StreamWriter] = []
        server = await asyncio.start_server(lambda _, w: accepted.append(w), "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        _, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.transport.abort()
        await asyncio.sleep(0.01)
        try:
            writer.writelines([b"PING\r\n"])  # uvloop: RuntimeError, "the handler is closed"
        finally:
            for other in accepted:
                other.close()
            server.close()
            await server.wait_closed()

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


def test_a_write_on_a_transport_closed_under_it_is_a_connection_error() -> None:
    """uvloop's RuntimeError for a write on a closed transport (the 500s seen mid-failover before this
    translation) comes out as redis's ConnectionError."""
    with pytest.raises(RedisConnectionError) as raised:
        uvloop.run(Calls().write_after_close())
    assert isinstance(raised.value.__cause__, RuntimeError)
