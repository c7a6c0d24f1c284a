"""A real `vaxbook serve --workers 2`: metrics add up across workers, and its logs keep no secret."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests import backends
from tests.cluster.served import Cluster, add_slots, drop_cluster, new_cluster, serve
from tests.cluster.test_workers import open_group_person
from tests.journey import admitted, book

HEALTH_CHECKS = 60


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """One database and key prefix for this module."""
    made = backends.run(new_cluster(tmp_path_factory.mktemp("metrics")))
    yield made
    backends.run(drop_cluster(made))


def counted(text: str, route: str, status: str) -> float:
    return sum(s.value for family in text_string_to_metric_families(text) for s in family.samples
               if s.name == "vaxbook_http_requests_total" and s.labels["route"] == route
               and s.labels["status"] == status)


def gauge(text: str, name: str, **labels: str) -> float:
    return next(s.value for family in text_string_to_metric_families(text) for s in family.samples
                if s.name == name and s.labels == labels)


async def test_two_workers_add_up_and_log_no_secret(
    cluster: Cluster, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Requests spread over two workers are all counted in every scrape; a booking moves the places."""
    metrics_dir = tmp_path / "metrics"
    monkeypatch.setenv("VAXBOOK_METRICS_DIR", str(metrics_dir))
    slot_ids = await add_slots(cluster, 1, 5)
    with serve(cluster, tmp_path, workers=2) as served:
        # A new connection for each request, so the kernel hands them to both workers.
        fresh = httpx.Limits(max_keepalive_connections=0)
        async with httpx.AsyncClient(base_url=served.url, limits=fresh) as c:
            for _ in range(HEALTH_CHECKS):
                assert (await c.get("/healthz")).status_code == 200
            person = await admitted(c, open_group_person(cluster, 1))
            assert (await book(c, person, slot_ids[0])).status_code == 201
            scrapes = [(await c.get("/metrics")).text for _ in range(6)]
        writers = {path.name.rsplit("_", 1)[-1] for path in metrics_dir.glob("counter_*.db")}
        assert len(writers) == 2, writers  # both workers answered some of them
        for text in scrapes:  # whichever worker answers the scrape, it sums both
            assert counted(text, "/healthz", "200") == HEALTH_CHECKS
            assert counted(text, "/api/bookings", "201") == 1
        group = str(cluster.campaign.open_group)
        assert gauge(scrapes[-1], "vaxbook_places_booked", group=group) == 1
        assert gauge(scrapes[-1], "vaxbook_places_left", group=group) == 4
    log = (tmp_path / f"serve-{served.url.rsplit(':', 1)[1]}.log").read_text()
    lines = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    access = [line for line in lines if line["logger"] == "vaxbook.access"]
    assert len(access) >= HEALTH_CHECKS + 5
    assert {"request_id", "route", "status", "duration_ms"} <= set(access[-1])
    for secret in (person.number, person.identity, person.ticket, person.admission, person.phone, "홍길동"):
        assert secret not in log
