"""What one rush is asked to do: the parameters `vaxbook-bench rush` gathers.

Their own module, because preparing a run and running it both read them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class RushOptions:
    """One run's parameters (the command line's, with the same defaults)."""

    mode: str = "journey"  # journey | booking | status
    people: int = 5000
    connections: int = 256
    ramp_seconds: float = 0.0
    admission_rate: float = 1000.0
    workers: int = 1
    generators: int = 1
    database_url: str = "sqlite:///var/bench/rush.db"
    redis_url: str | None = None
    clinics: int = 300
    stock_ratio: float = 1.5
    max_seconds: float = 120.0
    status_seconds: float = 10.0
    pgbench_seconds: int = 10
    pgbench_clients: int = 16
    pgbench_batch: int = 0  # >1: also measure this many bookings per transaction
    port: int = 0
    work_dir: Path = Path("var/bench")
    command: str = ""
    url: str | None = None  # target this running server instead of starting one
    secret: str | None = None  # the target's signing secret (booking and status modes)
