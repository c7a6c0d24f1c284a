"""A private Redis Cluster on this machine: Debian's `redis-server --cluster-enabled yes` nodes on free
ports in a directory of their own, joined with `redis-cli --cluster create`.

Used by `make cluster` (benchmarks/vaxbook_bench/cluster.py) and by the tests (tests/conftest.py),
so the gate is tried on the real engine, failovers included. Nothing persists: no RDB, no AOF; a
node's `nodes.conf` is kept so that a killed node restarted in place rejoins as a replica.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import redis
from redis.crc import key_slot

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
REDIS_CLI = shutil.which("redis-cli") or "/usr/bin/redis-cli"


def available() -> bool:
    """Whether Debian's redis-server (7.0+, for `cluster-port`) and redis-cli are installed."""
    return Path(REDIS_SERVER).exists() and Path(REDIS_CLI).exists()


def _free_ports(count: int) -> list[int]:
    """`count` distinct ports nothing listens on now (held open together, so none repeats)."""
    with contextlib.ExitStack() as stack:
        sockets = [stack.enter_context(socket.socket()) for _ in range(count)]
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [int(s.getsockname()[1]) for s in sockets]


@dataclass
class Node:
    port: int
    bus_port: int  # the cluster bus, set explicitly (cluster-port) instead of port + 10000
    directory: Path
    process: subprocess.Popen[bytes] | None = None

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port, socket_timeout=5, socket_connect_timeout=2, decode_responses=True)

    def info(self, section: str) -> dict[str, str]:
        with self.client() as client:
            return {k: str(v) for k, v in client.info(section).items()}

    def cluster_info(self) -> dict[str, str]:
        with self.client() as client:
            return {k: str(v) for k, v in client.execute_command("CLUSTER INFO").items()}

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None


@dataclass
class RedisCluster:
    """`masters` primaries with `replicas` replicas each, under `workdir`; stopped by `stop()`."""

    workdir: Path
    masters: int = 3
    replicas: int = 0
    node_timeout_ms: int = 2000  # how long a primary may be silent before its replica takes over
    nodes: list[Node] = field(default_factory=list)

    @property
    def url(self) -> str:
        """The gate's URL: every node as a place to start from (vaxbook.adapters.redis.clients)."""
        return "redis+cluster://" + ",".join(f"127.0.0.1:{n.port}" for n in self.nodes)

    # lifecycle -------------------------------------------------------------------------
    def start(self, timeout: float = 60.0, attempts: int = 2) -> None:
        """Start the nodes and join them; on a busy machine a port chosen free may be taken before a
        node binds it (a node then exits), so a failed start is tried again on other ports."""
        for attempt in range(1, attempts + 1):
            try:
                self._start_once(timeout, self.workdir.resolve() / f"try-{attempt}")
                return
            except Exception:
                if attempt == attempts:
                    raise

    def _start_once(self, timeout: float, directory: Path) -> None:
        count = self.masters * (1 + self.replicas)
        ports = _free_ports(2 * count)
        directory.mkdir(parents=True, exist_ok=True)  # each node runs in a directory of its own
        self.nodes = [Node(ports[2 * i], ports[2 * i + 1], directory / f"node-{ports[2 * i]}")
                      for i in range(count)]
        try:
            for node in self.nodes:
                self._launch(node)
            for node in self.nodes:
                self._wait_ping(node, timeout)
            subprocess.run(
                [REDIS_CLI, "--cluster", "create", *(f"127.0.0.1:{n.port}" for n in self.nodes),
                 "--cluster-replicas", str(self.replicas), "--cluster-yes"],
                check=True, capture_output=True, timeout=timeout,
            )
            self.wait_ok(timeout)
        except BaseException as failure:
            dead = [f"node {n.port} exited: {self._log_tail(n)}" for n in self.nodes if not n.alive]
            self.stop(remove=False)  # the nodes' logs stay for a look
            if dead and isinstance(failure, Exception):
                raise RuntimeError("; ".join(dead)) from failure
            raise

    def _launch(self, node: Node) -> None:
        node.directory.mkdir(parents=True, exist_ok=True)
        config = node.directory / "redis.conf"
        config.write_text("\n".join([
            f"port {node.port}", f"cluster-port {node.bus_port}", "bind 127.0.0.1", "protected-mode yes",
            "cluster-enabled yes", "cluster-config-file nodes.conf",
            f"cluster-node-timeout {self.node_timeout_ms}",
            # A replica that lost touch with its primary may still take over: the gate rebuilds what a
            # lagging replica lacks (places from the ledger and tickets, counters from checkpoints).
            "cluster-replica-validity-factor 0",
            'save ""', "appendonly no", f"dir {node.directory}", "logfile redis.log", "daemonize no",
        ]) + "\n")
        node.process = subprocess.Popen([REDIS_SERVER, str(config)], cwd=node.directory,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
                                        start_new_session=True)

    @staticmethod
    def _wait_ping(node: Node, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if node.process is not None and node.process.poll() is not None:
                raise RuntimeError(f"redis-server on {node.port} exited: {RedisCluster._log_tail(node)}")
            with contextlib.suppress(redis.RedisError), node.client() as client:
                if client.ping():
                    return
            if time.monotonic() > deadline:
                raise RuntimeError(f"redis-server on {node.port} did not start")
            time.sleep(0.05)

    def wait_ok(self, timeout: float = 60.0) -> None:
        """Until every live node says the cluster is ok, every slot is served, and each replica
        is in sync with a primary (so it could take over)."""
        deadline = time.monotonic() + timeout
        while True:
            with contextlib.suppress(redis.RedisError):
                if all(self._settled(node) for node in self.nodes if node.alive):
                    return
            if time.monotonic() > deadline:
                raise RuntimeError("the Redis Cluster did not settle: " + repr(
                    [node.cluster_info().get("cluster_state") for node in self.nodes if node.alive]))
            time.sleep(0.1)

    def _settled(self, node: Node) -> bool:
        info = node.cluster_info()
        if info.get("cluster_state") != "ok" or info.get("cluster_slots_ok") != "16384":
            return False
        replication = node.info("replication")
        return replication.get("role") == "master" or replication.get("master_link_status") == "up"

    @staticmethod
    def _log_tail(node: Node) -> str:
        log = node.directory / "redis.log"
        return log.read_text(errors="replace")[-600:] if log.exists() else "(no log)"

    def stop(self, remove: bool = True) -> None:
        """Stop every node (SIGTERM, SIGKILL after 10 s) and remove the cluster's directory."""
        for node in self.nodes:
            if node.alive:
                assert node.process is not None
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(node.process.pid, signal.SIGTERM)
        for node in self.nodes:
            if node.process is not None:
                try:
                    node.process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    os.killpg(node.process.pid, signal.SIGKILL)
                    node.process.wait()
        if remove:
            shutil.rmtree(self.workdir, ignore_errors=True)

    # topology and faults ---------------------------------------------------------------
    def _roles(self) -> dict[int, tuple[str, str, str]]:
        """port -> (node id, role, id of its primary or '-'), as a live node sees the cluster."""
        with next(n for n in self.nodes if n.alive).client() as client:
            nodes = client.execute_command("CLUSTER NODES")
        roles = {}
        for address, node in nodes.items():
            flags = str(node["flags"])
            role = "failed" if "fail" in flags else "master" if "master" in flags else "replica"
            roles[int(address.split("@")[0].rsplit(":", 1)[1])] = (node["node_id"], role, node["master_id"])
        return roles

    def primary_for(self, key: str) -> Node:
        """The node that serves `key`'s slot now."""
        slot = key_slot(key.encode())
        with next(n for n in self.nodes if n.alive).client() as client:
            for start, end, primary, *_ in client.execute_command("CLUSTER SLOTS"):
                if int(start) <= slot <= int(end):
                    return self._node(int(primary[1]))
        raise RuntimeError(f"no node serves slot {slot}")

    def replica_of(self, primary: Node) -> Node:
        roles = self._roles()
        primary_id = roles[primary.port][0]
        for port, (_, role, of) in roles.items():
            if role == "replica" and of == primary_id:
                return self._node(port)
        raise RuntimeError(f"the primary on {primary.port} has no replica")

    def _node(self, port: int) -> Node:
        return next(n for n in self.nodes if n.port == port)

    def kill(self, node: Node) -> None:
        """SIGKILL, as a crashed machine: its replica takes over after `node_timeout_ms`."""
        assert node.process is not None
        os.killpg(node.process.pid, signal.SIGKILL)
        node.process.wait()

    def restart(self, node: Node) -> None:
        """Start a killed node in place: with its nodes.conf it rejoins, as a replica of its successor."""
        self._launch(node)
        self._wait_ping(node, 30)

    def wait_promoted(self, node: Node, timeout: float = 30.0) -> None:
        """Until `node` is a primary serving slots, in every live node's view."""
        deadline = time.monotonic() + timeout
        while self._roles().get(node.port, ("", "", ""))[1] != "master":
            if time.monotonic() > deadline:
                raise RuntimeError(f"the replica on {node.port} was not promoted")
            time.sleep(0.1)
        self.wait_ok(timeout)
