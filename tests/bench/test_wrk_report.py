"""The wrk report's booking run beside the same run's pgbench ceiling."""

from __future__ import annotations

from vaxbook_bench.ceiling import Ceiling
from vaxbook_bench.wrk import WrkRun, beside_the_ceiling


def _booking_run(created: int, seconds: float) -> WrkRun:
    return WrkRun(name="book", connections=32, seconds=seconds, requests=created + 7,
                  codes={"201": created, "409": 7}, errors=0, p50_ms=20.0, p99_ms=90.0, max_ms=120.0,
                  server_cpu_seconds=4.0, backend_cpu_seconds=4.5, wrk_cpu_seconds=0.5)


def test_the_ratio_counts_confirmed_bookings_only() -> None:
    """Only 201 answers count as bookings: 8,000 confirmed in 8 s against a 4,000/s ceiling is 0.25,
    whatever the refusals; the ceiling's own figures are kept beside it."""
    ceiling = Ceiling(bookings_per_second=4000.0, latency_ms=4.0, clients=16, seconds=5, command="pgbench",
                      minimal_bookings_per_second=6000.0)
    found = beside_the_ceiling(ceiling, _booking_run(8000, 8.0))
    assert found is not None
    assert found["ratio"] == 0.25 and found["service_bookings_per_second"] == 1000.0
    assert found["minimal_bookings_per_second"] == 6000.0 and found["clients"] == 16


def test_no_ceiling_no_ratio() -> None:
    """Without pgbench (SQLite, or --pgbench-seconds 0) there is no ceiling and no ratio; without a
    booking run the ceiling stands alone."""
    assert beside_the_ceiling(None, _booking_run(10, 1.0)) is None
    alone = beside_the_ceiling(Ceiling(100.0, 1.0, 16, 5, "pgbench"), None)
    assert alone is not None and "ratio" not in alone
