"""A connection closed under redis-py is an outage, however redis-py reports it.

When a connection is closed while a command is about to use it (a peer reset, or the cluster
client dropping a failed node's connections while other commands are in flight on them),
redis-py 8.1 can leak the transport's own AttributeError or TypeError instead of its
ConnectionError (redis/redis-py#4287; seen here mid-failover as `'NoneType' object has no
attribute 'writelines'`). Those skip every retry and would answer 500. Raised from inside
redis-py or asyncio's transports they are turned into redis's ConnectionError, which the gate
reports as the outage it is (503, Retry-After); the same errors raised by the gate's own code
are left alone, so a bug still shows as one.
"""

from __future__ import annotations

import functools
import inspect
import os
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from redis.exceptions import ConnectionError  # redis's own: the gate reports it as an outage

C = TypeVar("C", bound=type)
_LIFECYCLE = frozenset({"open", "close"})
_DRIVER_DIRECTORIES = (f"{os.sep}redis{os.sep}", f"{os.sep}asyncio{os.sep}")


def from_the_driver(failure: BaseException) -> bool:
    """Whether the innermost frame of `failure` is in redis-py or asyncio (not in vaxbook)."""
    trace = failure.__traceback__
    if trace is None:
        return False
    while trace.tb_next is not None:
        trace = trace.tb_next
    filename = trace.tb_frame.f_code.co_filename
    return any(directory in filename for directory in _DRIVER_DIRECTORIES)


def races_are_outages(cls: C) -> C:
    """Class decorator: the public coroutines raise ConnectionError for redis-py's leaked races."""
    for name, member in list(vars(cls).items()):
        if name.startswith("_") or name in _LIFECYCLE or not inspect.iscoroutinefunction(member):
            continue
        setattr(cls, name, _translated(member))
    return cls


def _translated(method: Callable[..., Coroutine[Any, Any, Any]]) -> Callable[..., Coroutine[Any, Any, Any]]:
    @functools.wraps(method)
    async def call(*args: Any, **kwargs: Any) -> Any:
        try:
            return await method(*args, **kwargs)
        except (AttributeError, TypeError) as failure:
            if from_the_driver(failure):
                raise ConnectionError(f"connection closed under the command: {failure!r}") from failure
            raise

    return call
