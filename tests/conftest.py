"""Shared fixtures: a manual clock, settings per backend, and a running app over HTTP.

Every service/API test takes `backend` through `settings`; the list of backends is in
BACKENDS, so one suite runs against each of them.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests import backends
from vaxbook.bootstrap import Container
from vaxbook.config import Settings
from vaxbook.web.app import create_app
from vaxbook_bench import redis_cluster as redis_cluster_launcher

CAMPAIGN_2021 = Path(__file__).parents[1] / "src" / "vaxbook" / "campaigns" / "kr-2021-18-49.toml"
KST = timedelta(hours=9)

# 2021-08-13 20:00 KST: group 3's window opens (main period, day 13).
GROUP_3_OPENS = datetime(2021, 8, 13, 11, 0, tzinfo=UTC)

# sqlite: the embedded default (SQLite ledger, in-process gate); postgres+redis: cluster mode.
# VAXBOOK_TEST_BACKENDS=sqlite runs only the first, on a machine without the two services.
BACKENDS = os.environ.get("VAXBOOK_TEST_BACKENDS", "sqlite,postgres+redis").split(",")
# Whether PostgreSQL and Redis are part of this run: without them, the contract suites run
# against the embedded backends only and tests/cluster (real servers, real outages) is not
# collected at all, so nothing tries to connect.
CLUSTER = "postgres+redis" in BACKENDS
collect_ignore = [] if CLUSTER else ["cluster"]
# For a test outside tests/cluster that talks to the real servers itself.
needs_cluster = pytest.mark.skipif(not CLUSTER, reason="VAXBOOK_TEST_BACKENDS lacks postgres+redis")


class ManualClock:
    """A clock the test moves by hand, so every window edge can be hit exactly."""

    def __init__(self, now: datetime) -> None:
        self.current = now

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)

    def set(self, now: datetime) -> None:
        self.current = now


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(GROUP_3_OPENS + timedelta(minutes=5))


# Tests want answers at once: codes shown, no simulated latency, no stale reads, a fast line.
FAST: dict[str, Any] = dict(
    dev_mode=True,
    admission_rate=1000.0,
    counters_cache_seconds=0.0,
    browse_cache_seconds=0.0,
    methods_cache_seconds=0.0,
    sim_latency_ms={m: 0.0 for m in ("mobile", "kakao", "naver", "pass")},
    # Tests deliver the outbox themselves (container.dispatcher.run_once), when they choose.
    notify_dispatcher=False,
)


# Every secret given, so no test writes a key file outside its own directories.
TEST_KEYS: dict[str, Any] = dict(
    pepper="p1:test-pepper-0123456789", signing_keys="s1:test-signing-0123456789",
    csrf_keys="c1:test-csrf-0123456789", contact_keys="k1:test-contact-0123456789",
)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def cluster_database() -> Iterator[str]:
    """One migrated PostgreSQL database for the session's cluster-mode tests, dropped at the end."""
    url = backends.run(backends.create_database())
    yield url
    backends.run(backends.drop_database(url))


@pytest.fixture(scope="session")
def redis_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A private Redis Cluster of three primaries (Debian's redis-server) for the session; its URL."""
    if not redis_cluster_launcher.available():
        pytest.skip("redis-server and redis-cli are not installed: `make install` installs them")
    made = redis_cluster_launcher.RedisCluster(tmp_path_factory.mktemp("redis-cluster"), masters=3)
    made.start()
    yield made.url
    made.stop()


@pytest.fixture
def settings(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Settings]:
    """Settings for one backend, with no simulated latency and no read caches."""
    common = dict(FAST, campaign_file=CAMPAIGN_2021, **TEST_KEYS)
    if backend == "sqlite":
        yield Settings(database_url=f"sqlite:///{tmp_path / 'ledger.db'}", **common)
    elif backend == "postgres+redis":
        database_url = request.getfixturevalue("cluster_database")
        backends.run(backends.empty_ledger(database_url))
        prefix = backends.new_prefix()
        yield Settings(database_url=database_url, redis_url=backends.REDIS_URL, redis_prefix=prefix,
                       **common)
        backends.drop_prefix(prefix)
    else:
        raise ValueError(backend)


@dataclass
class Running:
    app: FastAPI
    client: httpx.AsyncClient
    clock: ManualClock

    @property
    def container(self) -> Container:
        return self.app.state.container  # type: ignore[no-any-return]


@pytest.fixture
async def running(settings: Settings, clock: ManualClock) -> AsyncIterator[Running]:
    """The app started (lifespan run) and an HTTP client talking to it in-process."""
    app = create_app(settings, clock)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://vaxbook.test") as client:
            yield Running(app, client, clock)
