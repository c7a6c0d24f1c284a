"""One load per key at a time: callers that miss a cache together share the first caller's load.

Without it, a short-lived cache expiring under a rush sends every request in flight to the
database or Redis at the same instant (measured: 200 line-status requests waiting on a
pool of 10 connections, timing out as 503s; docs/benchmarks.md).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class SingleFlight(Generic[V]):
    def __init__(self) -> None:
        self._loading: dict[Hashable, asyncio.Future[V]] = {}

    async def run(self, key: Hashable, load: Callable[[], Awaitable[V]]) -> V:
        """The result of `load()`, or of the load already running for `key`."""
        pending = self._loading.get(key)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[V] = asyncio.get_running_loop().create_future()
        self._loading[key] = future
        try:
            value = await load()
        except BaseException as exc:
            if isinstance(exc, asyncio.CancelledError):
                future.cancel()
            else:
                future.set_exception(exc)
                future.exception()  # the waiters, if any, re-raise it; none is not an error
            raise
        finally:
            del self._loading[key]
        future.set_result(value)
        return value
