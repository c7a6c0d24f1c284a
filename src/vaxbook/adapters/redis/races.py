"""A connection closed under redis-py is an outage, however redis-py reports it.

When a connection is closed while a command is about to use it (a peer reset, or the cluster
client dropping a failed node's connections while other commands are in flight on them),
redis-py 8.1 can leak the transport's own AttributeError, TypeError or RuntimeError instead of
its ConnectionError (redis/redis-py#4287; seen here mid-failover as `'NoneType' object has no
attribute 'writelines'` on asyncio's loop and `unable to perform operation on <TCPTransport
closed=True>; the handler is closed` on uvloop's). Those skip every retry and would answer 500.
Raised from inside redis-py, asyncio or uvloop they are turned into redis's ConnectionError, which the gate
reports as the outage it is (503, Retry-After); the same errors raised by the gate's own code
are left alone, so a bug still shows as one.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from redis.exceptions import ConnectionError  # redis's own: the gate reports it as an outage

C = TypeVar("C", bound=type)
_LIFECYCLE = frozenset({"open", "close"})
_DRIVER_PACKAGES = frozenset({"redis", "asyncio", "uvloop"})
_LEAKED = (AttributeError, TypeError, RuntimeError)


def from_the_driver(failure: BaseException) -> bool:
    """Whether the innermost frame of `failure` is in redis-py, asyncio or uvloop (by its module's
    top package, so vaxbook.adapters.redis is not taken for redis-py)."""
    trace = failure.__traceback__
    if trace is None:
        return False
    while trace.tb_next is not None:
        trace = trace.tb_next
    module = str(trace.tb_frame.f_globals.get("__name__", ""))
    return module.partition(".")[0] in _DRIVER_PACKAGES


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
        except _LEAKED as failure:
            if from_the_driver(failure):
                raise ConnectionError(f"connection closed under the command: {failure!r}") from failure
            raise

    return call


def leaked(failure: BaseException) -> bool:
    """Whether `failure` is one of redis-py's leaked transport errors (not a bug of ours)."""
    return isinstance(failure, _LEAKED) and from_the_driver(failure)
