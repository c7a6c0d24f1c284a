"""A real `vaxbook serve` on the embedded default, with transport limits small enough to test fast."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.cli.test_serve_defaults import KEYS_ENV
from tests.cluster.outages import free_port
from tests.cluster.served import wait_ready

# Timeouts of a second, so a slow-client test takes seconds; sizes at their defaults.
SMALL_TIMEOUTS = {
    "VAXBOOK_HEADER_TIMEOUT_SECONDS": "1", "VAXBOOK_BODY_TIMEOUT_SECONDS": "1",
    "VAXBOOK_KEEP_ALIVE_SECONDS": "1",
}


@dataclass(frozen=True)
class Server:
    port: int
    pid: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def rss_bytes(self) -> int:
        """The serving process's resident memory (the worker is this process with one worker)."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        raise AssertionError("no VmRSS")


@contextlib.contextmanager
def vaxbook_serve(workdir: Path, **env: str) -> Iterator[Server]:
    """`vaxbook serve` in `workdir` with `env` added; stopped on exit."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("VAXBOOK_")}
    environment.update(KEYS_ENV, VAXBOOK_DATABASE_URL=f"sqlite:///{workdir / 'ledger.db'}", **env)
    port = free_port()
    with (workdir / f"serve-{port}.out").open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "vaxbook", "serve", "--port", str(port)],
            env=environment, cwd=workdir, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
        try:
            wait_ready(f"http://127.0.0.1:{port}", process, 1)
            yield Server(port, process.pid)
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
