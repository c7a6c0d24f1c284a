"""nginx in front of several app nodes: the shipped site (deploy/nginx/vaxbook.conf) with the cluster's
upstream (deploy/cluster/upstream.conf) and keyed retries (deploy/cluster/keyed-retry.conf).

The shipped file is used as it is; only its listen address, cache directory and upstream block
are replaced, so what `make cluster` runs is what an operator installs.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
SHIPPED_SITE = DEPLOY / "nginx" / "vaxbook.conf"
CLUSTER_UPSTREAM = DEPLOY / "cluster" / "upstream.conf"
KEYED_RETRY = DEPLOY / "cluster" / "keyed-retry.conf"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
_UPSTREAM_BLOCK = re.compile(r"upstream vaxbook \{.*?\n\}\n", re.S)


def cluster_site(port: int, nodes: list[str], cache: Path, per_client: int | None = None) -> str:
    """The shipped site listening on 127.0.0.1:`port`, proxying to `nodes` (host:port), keyed retries on.
    `per_client` replaces the requests in progress allowed per client address (a rehearsal's whole
    crowd comes from one address)."""
    site = SHIPPED_SITE.read_text()
    template = CLUSTER_UPSTREAM.read_text()
    server = next(line for line in template.splitlines() if line.lstrip().startswith("server NODE"))
    upstream = template.replace(server, "\n".join(server.replace("NODE", node) for node in nodes))
    site, replaced = _UPSTREAM_BLOCK.subn(lambda _: upstream, site)  # a function: no escapes read
    if replaced != 1:
        raise RuntimeError(f"{SHIPPED_SITE} has no `upstream vaxbook {{...}}` block to replace")
    site = site.replace("listen 80;", f"listen 127.0.0.1:{port};\n    include {KEYED_RETRY};", 1)
    if per_client is not None:
        site = re.sub(r"(limit_conn vaxbook_per_client) \d+;", rf"\1 {per_client};", site)
    site = site.replace("/var/log/nginx/vaxbook.access.log", str(cache.with_name("access.log")))
    return site.replace("/var/cache/nginx/vaxbook", str(cache))


class Nginx:
    """nginx (no daemon, every file under `workdir`) serving `site` (an http-level include)."""

    def __init__(self, workdir: Path, port: int, site: str) -> None:
        self.workdir = workdir
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self._site = site
        self._process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 10.0, ready_path: str | None = "/healthz") -> None:
        """Start, and wait until `ready_path` answers through nginx (None: until nginx accepts)."""
        work = self.workdir
        work.mkdir(parents=True, exist_ok=True)
        (work / "site.conf").write_text(self._site)
        (work / "nginx.conf").write_text(f"""
            {"user root;" if os.geteuid() == 0 else ""}
            daemon off;
            worker_processes 1;
            pid {work}/nginx.pid;
            error_log {work}/error.log warn;
            events {{ worker_connections 4096; }}
            http {{
                access_log {work}/access.log;
                client_body_temp_path {work}/body; proxy_temp_path {work}/proxy;
                fastcgi_temp_path {work}/fastcgi; uwsgi_temp_path {work}/uwsgi;
                scgi_temp_path {work}/scgi;
                include {work}/site.conf;
            }}
        """)
        self._process = subprocess.Popen([NGINX, "-p", str(work), "-c", str(work / "nginx.conf")],
                                         stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
                                         start_new_session=True)
        deadline = time.monotonic() + timeout
        while True:
            if self._process.poll() is not None:
                raise RuntimeError("nginx exited: " + (work / "error.log").read_text()[-2000:])
            if ready_path is None:
                with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), 1):
                    return
            else:
                with contextlib.suppress(OSError), urllib.request.urlopen(self.url + ready_path, timeout=1):
                    return
            if time.monotonic() > deadline:
                raise RuntimeError("nginx did not start")
            time.sleep(0.1)

    def stop(self) -> None:
        if self._process is None or self._process.poll() is not None:
            return
        os.killpg(self._process.pid, signal.SIGTERM)
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self._process.pid, signal.SIGKILL)
            self._process.wait()

    def cpu_seconds(self) -> float:
        """User + system CPU of nginx's master and worker so far."""
        import psutil  # noqa: PLC0415  # the bench extra's; read only when measuring

        if self._process is None:
            return 0.0
        try:
            parent = psutil.Process(self._process.pid)
            return sum(p.cpu_times().user + p.cpu_times().system
                       for p in [parent, *parent.children(recursive=True)])
        except psutil.NoSuchProcess:
            return 0.0
