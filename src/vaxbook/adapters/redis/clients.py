"""The gate's Redis client, by URL scheme: one Redis server, or a Redis Cluster.

`redis://host:port/db` (and `rediss://`, TLS) is one server (or a Sentinel-managed primary
behind one address). `redis+cluster://host:port[,host:port...]` (and `rediss+cluster://`) is a
Redis Cluster through redis-py's cluster client: the listed nodes are only where it starts,
it discovers the rest and follows slot moves and failovers by itself. redis-py documents no
cluster scheme of its own (its `RedisCluster.from_url` takes `redis://` with one node), so
the `+cluster` suffix says which client to use, the way SQLAlchemy's `dialect+driver` does.

Both clients take the same timeouts and retries, so the gate behaves the same on both.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlparse

import redis.asyncio as redis
from redis.asyncio.cluster import ClusterNode, RedisCluster
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError, TimeoutError  # redis's own, by design

SERVER_SCHEMES = ("redis", "rediss")
CLUSTER_SCHEMES = ("redis+cluster", "rediss+cluster")
POOL_WAIT_SECONDS = 5.0  # a burst waits this long for a free connection, then fails (503)
CONNECT_SECONDS = 2.0  # to open a connection
REPLY_SECONDS = 5.0  # from sending a command to its whole reply
# On a Redis Cluster one gate call sends up to this many commands at once, possibly all to one
# node (a verification's four limits; a write's device and pass): the gate's permits bound the
# calls, so each node needs this many connections per permit.
CLUSTER_COMMANDS_AT_ONCE = 4


@dataclass(frozen=True)
class ClusterAddress:
    """What a `redis+cluster://` URL says: the nodes to start from, credentials, TLS."""

    nodes: tuple[tuple[str, int], ...]
    username: str | None
    password: str | None
    tls: bool


def is_cluster(url: str) -> bool:
    return urlparse(url).scheme in CLUSTER_SCHEMES


def parse_cluster_url(url: str) -> ClusterAddress:
    """`redis+cluster://[user:password@]host:port[,host:port...]`; no database (a cluster has db 0)."""
    parsed = urlparse(url)
    if parsed.scheme not in CLUSTER_SCHEMES:
        raise ValueError(f"not a Redis Cluster URL: {parsed.scheme}://")
    credentials, _, hosts = parsed.netloc.rpartition("@")
    username, _, password = credentials.partition(":")
    nodes = []
    for node in hosts.split(","):
        host, _, port = node.strip().rpartition(":")
        if not host or not port.isascii() or not port.isdigit():
            raise ValueError(f"a Redis Cluster node is host:port, not {node!r}")
        nodes.append((host.strip("[]"), int(port)))
    if parsed.path.strip("/") not in ("", "0"):
        raise ValueError("a Redis Cluster has only database 0: drop the /db from the URL")
    return ClusterAddress(tuple(nodes), unquote(username) or None, unquote(password) or None,
                          parsed.scheme == "rediss+cluster")


def _retry() -> Retry:
    # Retries on a fresh connection: after a restart or a failover every pooled one is dead.
    return Retry(ExponentialBackoff(cap=0.5, base=0.05), 3)


def connect(url: str, pool_size: int) -> Any:
    """A client for `url` (not yet connected); typed Any: redis-py's two clients share no protocol."""
    common: dict[str, Any] = dict(
        decode_responses=True, socket_connect_timeout=CONNECT_SECONDS, socket_timeout=REPLY_SECONDS,
        retry=_retry(), retry_on_error=[ConnectionError, TimeoutError],
    )
    if is_cluster(url):
        address = parse_cluster_url(url)
        # The cluster client keeps a bounded number of connections per node and fails at once past
        # that (it has no blocking pool): the gate's permits make a burst wait instead.
        return RedisCluster(
            startup_nodes=[ClusterNode(host, port) for host, port in address.nodes],
            username=address.username, password=address.password, ssl=address.tls,
            max_connections=pool_size * CLUSTER_COMMANDS_AT_ONCE, **common,
        )
    # A blocking pool: a burst waits briefly for a connection instead of failing.
    pool = redis.BlockingConnectionPool.from_url(
        url, max_connections=pool_size, timeout=POOL_WAIT_SECONDS, health_check_interval=30, **common,
    )
    return redis.Redis.from_pool(pool)  # owns the pool: aclose() closes it
