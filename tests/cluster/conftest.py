"""Fixtures of the cluster-mode fault tests: a cuttable path to PostgreSQL and a private Redis."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.cluster.outages import PrivateRedis, TcpProxy


@pytest.fixture
async def proxy() -> AsyncIterator[TcpProxy]:
    """A TCP proxy to the shared PostgreSQL, which the test may cut and mend."""
    from tests.backends import POSTGRES_URL  # noqa: PLC0415  # read at call time, after env overrides

    made = TcpProxy("127.0.0.1", urlparse(POSTGRES_URL).port or 5432)
    await made.mend()
    yield made
    await made.cut()


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    made = PrivateRedis(tmp_path)
    made.start()
    yield made
    made.stop()
