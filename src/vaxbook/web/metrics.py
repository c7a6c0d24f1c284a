"""GET /metrics: Prometheus text, for the addresses (and token) the operators allow.

Two kinds of figures. Per-process counters and histograms (web/observe.py) are written by
every worker to PROMETHEUS_MULTIPROC_DIR when `vaxbook serve` set it, and added up at each
scrape by prometheus_client's MultiProcessCollector, whichever worker answers. Shared state
(lines, places, verification congestion) is read at scrape time from the gate and the ledger,
which every worker sees alike, so it is reported once, not summed.
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Iterable, Iterator
from ipaddress import ip_address

from fastapi import APIRouter, Request, Response
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest, multiprocess
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from vaxbook.bootstrap import Container
from vaxbook.config import METHODS
from vaxbook.domain.errors import Problem, VaxbookError
from vaxbook.domain.rotation import all_windows
from vaxbook.observability import MULTIPROC_ENV
from vaxbook.web.client_address import client_address
from vaxbook.web.container import container
from vaxbook.web.turn_metrics import flush_held

router = APIRouter(include_in_schema=False)
LIVE_FIGURES_SECONDS = 5  # places per group and province, recomputed at most this often
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class _Families(Collector):
    def __init__(self, families: list[Metric]) -> None:
        self._families = families

    def collect(self) -> Iterable[Metric]:
        return self._families


def allowed(request: Request) -> bool:
    """Whether the asker's address is in metrics_allowed_networks and, if a token is set, it sent it."""
    settings = container(request).settings
    try:
        address = ip_address(client_address(request))
    except ValueError:
        return False
    if not any(address in network for network in settings.metrics_allowed_networks):
        return False
    if settings.metrics_token is None:
        return True
    sent = request.headers.get("authorization", "").removeprefix("Bearer ").encode()
    return hmac.compare_digest(sent, settings.metrics_token.encode())


async def shared_families(built: Container) -> list[Metric]:
    """Lines, places and verification congestion, read from the gate and the ledger now."""
    now = built.clock.now()
    rate = built.settings.admission_rate
    issued = CounterMetricFamily("vaxbook_line_issued", "Places handed out in the line", labels=["line"])
    admitted = CounterMetricFamily("vaxbook_line_admitted", "Places admitted from the line", labels=["line"])
    waiting = GaugeMetricFamily("vaxbook_line_waiting", "People in line not yet admitted", labels=["line"])
    rate_gauge = GaugeMetricFamily("vaxbook_line_admission_rate", "Admissions per second allowed",
                                   labels=["line"])
    for window in (w for w in all_windows(built.campaign) if w.is_open(now)):
        counters = await built.gate.counters(window.id, now.timestamp(), rate, built.settings.admission_cap)
        issued.add_metric([window.id], counters.issued)
        admitted.add_metric([window.id], counters.admitted)
        waiting.add_metric([window.id], max(counters.issued - counters.admitted, 0))
        rate_gauge.add_metric([window.id], rate)
    figures = await built.figures.current(LIVE_FIGURES_SECONDS)
    offered = GaugeMetricFamily("vaxbook_places_offered", "First-dose places offered", labels=["group"])
    booked = GaugeMetricFamily("vaxbook_places_booked", "First-dose places booked", labels=["group"])
    left = GaugeMetricFamily("vaxbook_places_left", "First-dose places left", labels=["group"])
    for tally in figures.by_group:
        offered.add_metric([str(tally.key)], tally.offered)
        booked.add_metric([str(tally.key)], tally.booked)
        left.add_metric([str(tally.key)], tally.free)
    by_province = GaugeMetricFamily("vaxbook_places_left_by_province", "First-dose places left",
                                    labels=["sido"])
    for tally in figures.by_province:
        by_province.add_metric([str(tally.key)], tally.free)
    bookings = GaugeMetricFamily("vaxbook_bookings", "Active bookings (first doses booked)",
                                 value=figures.totals.booked)
    in_flight = GaugeMetricFamily("vaxbook_verification_in_flight", "Verification calls in flight",
                                  labels=["method"])
    latency = GaugeMetricFamily("vaxbook_verification_latency_seconds", "Recent verification latency",
                                labels=["method"])
    for method in METHODS:
        calls, seconds = await built.gate.method_figures(method)
        in_flight.add_metric([method], calls)
        latency.add_metric([method], seconds)
    return [issued, admitted, waiting, rate_gauge, offered, booked, left, by_province, bookings,
            in_flight, latency]


def _exposition(families: list[Metric]) -> Iterator[bytes]:
    flush_held()  # this worker's answers of the current turn count too
    if os.environ.get(MULTIPROC_ENV):
        per_process = CollectorRegistry()
        multiprocess.MultiProcessCollector(per_process)  # type: ignore[no-untyped-call]  # untyped upstream
        yield generate_latest(per_process)
    else:
        yield generate_latest(REGISTRY)
    shared = CollectorRegistry()
    shared.register(_Families(families))
    yield generate_latest(shared)


@router.get("/metrics", summary="Prometheus metrics (operators only)")
async def metrics(request: Request) -> Response:
    if not allowed(request):
        raise VaxbookError(Problem.METRICS_FORBIDDEN)
    families = await shared_families(container(request))
    return Response(b"".join(_exposition(families)), media_type=CONTENT_TYPE,
                    headers={"Cache-Control": "no-store"})


def forget_worker() -> None:
    """A worker stopping: its answers still held for the turn counted, its live gauges no longer
    count (its counters still do)."""
    flush_held()
    if os.environ.get(MULTIPROC_ENV):
        multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]  # untyped upstream
