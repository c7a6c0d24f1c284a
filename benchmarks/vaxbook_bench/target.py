"""Targeting a server that is already running (`vaxbook-bench rush --url`): no ledger is recreated.

The people are drawn from the group whose window the server's campaign has open now;
bookings that existed before the rush are left out of the "no unannounced booking" rule.
"""

from __future__ import annotations

import json
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlparse

import psutil


@dataclass(frozen=True)
class OpenWindow:
    line_id: str
    group: int  # the population's group (0 in the additional period, when any group may book)
    main_period: bool
    interval_days: dict[str, int]


def open_window(url: str) -> OpenWindow:
    """The window open now in the running server's campaign (GET /api/campaign)."""
    with urllib.request.urlopen(url.rstrip("/") + "/api/campaign", timeout=10) as answer:
        campaign = json.load(answer)
    now = datetime.now(UTC)
    for window in campaign["windows"]:
        opens, closes = (
            datetime.fromisoformat(window["opens_at"]),
            datetime.fromisoformat(window["closes_at"]),
        )
        if opens <= now < closes:
            group = window["group"]
            return OpenWindow(
                line_id=window["id"],
                group=0 if group is None else int(group),
                main_period=group is not None,
                interval_days={v["id"]: int(v["interval_days"]) for v in campaign["vaccines"]},
            )
    raise RuntimeError(f"no booking window of {url} is open now: nobody could book")


class RunningServer:
    """The processes listening on the target's port (read-only: for their CPU time)."""

    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")
        host = urlparse(self.url).hostname
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise RuntimeError("the rush sends load to this machine only: use a 127.0.0.1 address")
        port = urlparse(self.url).port or 80
        pids = {c.pid for c in psutil.net_connections("tcp") if c.laddr and c.laddr.port == port and c.pid}
        self._pids = sorted(pids)

    def start(self) -> None:
        return None

    def stop(self) -> None:
        return None  # not ours to stop

    def cpu_seconds(self) -> float:
        total = 0.0
        for pid in self._pids:
            try:
                parent = psutil.Process(pid)
                for process in [parent, *parent.children(recursive=True)]:
                    times = process.cpu_times()
                    total += times.user + times.system
            except psutil.NoSuchProcess:
                continue
        return total
