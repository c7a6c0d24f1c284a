"""A burst waits for a Redis Cluster connection instead of failing.

redis-py's blocking pool makes a request wait (up to 5 s) when every connection of a worker is
busy; its cluster client has no such pool and raises at once once a node's connections are all
in use, which would turn an opening burst into 503s. So each public coroutine of the gate holds
one permit (at most `pool_size` at a time per worker) while it runs. A gate call sends at most
`CLUSTER_COMMANDS_AT_ONCE` commands at once (adapters/redis/clients.py), and the cluster client
keeps that many connections per node per permit, so a burst of calls all to one node waits for
permits instead of running out of connections. A gate without permits (one server, whose pool
already waits) calls straight through.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from redis.exceptions import ConnectionError  # redis's own: the gate reports it as an outage

from vaxbook.adapters.redis.clients import POOL_WAIT_SECONDS

C = TypeVar("C", bound=type)
_LIFECYCLE = frozenset({"open", "close"})


def new_permits(pool_size: int) -> asyncio.Semaphore:
    return asyncio.Semaphore(pool_size)


def hold_a_permit(cls: C) -> C:
    """Class decorator: public coroutines hold one of `self._permits` (when set) while they run.
    A public coroutine must not call another one (it would hold two and could wait on itself)."""
    for name, member in list(vars(cls).items()):
        if name.startswith("_") or name in _LIFECYCLE or not inspect.iscoroutinefunction(member):
            continue
        setattr(cls, name, _holding(member))
    return cls


def _holding(method: Callable[..., Coroutine[Any, Any, Any]]) -> Callable[..., Coroutine[Any, Any, Any]]:
    @functools.wraps(method)
    async def call(self: Any, *args: Any, **kwargs: Any) -> Any:
        permits: asyncio.Semaphore | None = self._permits
        if permits is None:
            return await method(self, *args, **kwargs)
        try:
            async with asyncio.timeout(POOL_WAIT_SECONDS):
                await permits.acquire()
        except TimeoutError:
            raise ConnectionError(f"no Redis connection free within {POOL_WAIT_SECONDS:g} s") from None
        try:
            return await method(self, *args, **kwargs)
        finally:
            permits.release()

    return call
