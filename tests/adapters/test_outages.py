"""Adapters report an unreachable backend as the port's BackendUnavailable, never as a driver error."""

from __future__ import annotations

import pytest

from vaxbook.adapters.outages import reports_outages
from vaxbook.ports import BackendUnavailable


@reports_outages(ConnectionRefusedError)
class FlakyStore:
    """A stand-in adapter whose backend refuses every connection."""

    async def open(self) -> None:
        raise ConnectionRefusedError("start-up")

    async def read(self) -> int:
        raise ConnectionRefusedError("refused")

    async def refuse(self) -> int:
        raise ValueError("a rule, not an outage")


async def test_a_driver_failure_becomes_backend_unavailable() -> None:
    """The driver's exception is translated, and chained so the log still shows it."""
    with pytest.raises(BackendUnavailable) as caught:
        await FlakyStore().read()
    assert isinstance(caught.value.__cause__, ConnectionRefusedError)


async def test_other_failures_and_start_up_pass_through() -> None:
    """Only the named driver errors are translated, and opening says plainly what it saw."""
    with pytest.raises(ValueError):
        await FlakyStore().refuse()
    with pytest.raises(ConnectionRefusedError):
        await FlakyStore().open()
