"""Driver failures become the port's BackendUnavailable, so no caller needs to know the driver.

Each backend adapter names the exceptions its driver raises when the server cannot be
reached (refused, reset, timed out, shutting down); every public coroutine of the adapter
re-raises them as BackendUnavailable, chained to the original for the log. Opening and
closing are left alone: a start-up failure should say plainly what the driver saw.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from vaxbook.ports import BackendUnavailable

C = TypeVar("C", bound=type)
_LIFECYCLE = frozenset({"open", "close"})


def reports_outages(*driver_errors: type[BaseException]) -> Callable[[C], C]:
    """Class decorator: the class's public coroutines raise BackendUnavailable for `driver_errors`."""

    def decorate(cls: C) -> C:
        for name, member in list(vars(cls).items()):
            if name.startswith("_") or name in _LIFECYCLE or not inspect.iscoroutinefunction(member):
                continue
            setattr(cls, name, _translated(member, driver_errors))
        return cls

    return decorate


def _translated(
    method: Callable[..., Coroutine[Any, Any, Any]], driver_errors: tuple[type[BaseException], ...]
) -> Callable[..., Coroutine[Any, Any, Any]]:
    @functools.wraps(method)
    async def call(*args: Any, **kwargs: Any) -> Any:
        try:
            return await method(*args, **kwargs)
        except driver_errors as failure:
            raise BackendUnavailable(f"{type(failure).__name__}: {failure}") from failure

    return call
