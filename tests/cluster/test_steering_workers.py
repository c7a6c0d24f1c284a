"""Cluster mode: a change made on one worker is applied by every worker within a second."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import httpx
import pytest

from tests import backends
from tests.cluster.served import Cluster, Served, drop_cluster, new_cluster, serve
from vaxbook.adapters.postgres.ledger import PostgresLedger
from vaxbook.bootstrap import SystemClock
from vaxbook.domain.operators import Role
from vaxbook.services.operators import OperatorService

CSRF = re.compile(r'name="csrf" value="([0-9A-Za-z_.-]+)"')
PASSWORD = "a long enough password"
ASKS = 30  # fresh connections after the change: with two workers, each answers some of them


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    made = backends.run(new_cluster(tmp_path_factory.mktemp("steering")))

    async def add_operator() -> None:
        ledger = PostgresLedger(made.database_url, pool_size=1)
        await ledger.open()
        try:
            operators = OperatorService(ledger, SystemClock(), None, 3600)
            await operators.add("alice", Role.OPERATOR, PASSWORD, "test")
        finally:
            await ledger.close()

    backends.run(add_operator())
    yield made
    backends.run(drop_cluster(made))


@pytest.fixture(scope="module")
def two_workers(cluster: Cluster) -> Iterator[Served]:
    with serve(cluster, cluster.workdir, workers=2) as served:
        yield served


def _cell(served: Served, cookies: httpx.Cookies, cell: str) -> str:
    """One cell of the console's figures, asked on a new connection (any worker may answer)."""
    with httpx.Client(base_url=served.url, cookies=cookies, headers={"Connection": "close"}) as client:
        answer = client.get("/ops/figures.json")
        assert answer.status_code == 200, answer.text
        return str(answer.json()["cells"][cell])


def test_a_rate_change_and_a_pause_reach_both_workers_within_a_second(two_workers: Served) -> None:
    """After a change on one worker, every answer from either worker shows it one second later."""
    with httpx.Client(base_url=two_workers.url) as browser:
        csrf = CSRF.search(browser.get("/ops/login").text)
        assert csrf
        signed = browser.post("/ops/login",
                              data={"csrf": csrf.group(1), "name": "alice", "password": PASSWORD})
        assert signed.status_code == 303, signed.text
        console = browser.get("/ops")
        line = re.search(r'data-line="([^"]+)"', console.text)
        assert line, console.text
        key = f"line-{line.group(1)}"
        cookies = browser.cookies
        assert all(_cell(two_workers, cookies, f"{key}-rate").startswith("1000") for _ in range(ASKS))

        changed = browser.post(f"/ops/lines/{line.group(1)}/rate",
                               data={"csrf": csrf.group(1), "rate": "3", "cap": "40"})
        assert changed.status_code == 303, changed.text
        time.sleep(1.0)
        assert {_cell(two_workers, cookies, f"{key}-rate") for _ in range(ASKS)} == {"3"}
        assert {_cell(two_workers, cookies, f"{key}-cap") for _ in range(ASKS)} == {"40"}

        paused = browser.post(f"/ops/lines/{line.group(1)}/pause", data={"csrf": csrf.group(1)})
        assert paused.status_code == 303
        time.sleep(1.0)
        assert {_cell(two_workers, cookies, f"{key}-state") for _ in range(ASKS)} == {"일시 정지"}
