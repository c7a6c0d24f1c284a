"""nginx in front of several nodes (deploy/cluster): which requests it sends on to another node when the
node it chose dies under them. The site is the shipped one with the cluster's upstream and keyed retries
(vaxbook_bench.cluster_nginx, as `make cluster` runs it); the two nodes are plain sockets, one of which
reads each request and closes the connection without an answer, as a node killed mid-request does."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.cluster.outages import free_port
from vaxbook_bench.cluster_nginx import NGINX, Nginx, cluster_site

pytestmark = pytest.mark.skipif(not Path(NGINX).exists(), reason="nginx is not installed")


@dataclass
class Node:
    """A listening socket that answers 200 (or, dying, closes the connection once it read the request)."""

    dying: bool
    seen: list[str] = field(default_factory=list)
    listener: socket.socket = field(default_factory=socket.socket)

    def start(self) -> int:
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        threading.Thread(target=self._serve, daemon=True).start()
        return int(self.listener.getsockname()[1])

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return  # closed at the end of the test
            with connection:
                self._answer(connection)

    def _answer(self, connection: socket.socket) -> None:
        received = b""
        while b"\r\n\r\n" not in received:
            chunk = connection.recv(65536)
            if not chunk:
                return
            received += chunk
        head, _, body = received.partition(b"\r\n\r\n")
        length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                       if line.lower().startswith(b"content-length:")), 0)
        while len(body) < length:
            body += connection.recv(65536)
        self.seen.append(head.split(b"\r\n")[0].decode())
        if not self.dying:
            connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n"
                               b"Connection: close\r\n\r\n{\"ok\":true}")


@pytest.fixture
def front(tmp_path: Path) -> Iterator[tuple[str, Node, Node]]:
    """nginx with the cluster site over a dying node and a healthy one; (its URL, dying, healthy)."""
    dying, healthy = Node(dying=True), Node(dying=False)
    nodes = [f"127.0.0.1:{dying.start()}", f"127.0.0.1:{healthy.start()}"]
    port = free_port()
    nginx = Nginx(tmp_path / "nginx", port, cluster_site(port, nodes, tmp_path / "cache"))
    nginx.start(ready_path=None)  # no request before the test's own: the dying node gets the first
    try:
        yield nginx.url, dying, healthy
    finally:
        nginx.stop()
        dying.listener.close()
        healthy.listener.close()


def send_twice(url: str, method: str, path: str, headers: dict[str, str] | None = None) -> list[int]:
    """The same request twice in a row: one of the two is sent to the dying node first."""
    return [httpx.request(method, url + path, json={}, headers=headers, timeout=20).status_code
            for _ in range(2)]


@pytest.mark.parametrize("path", ["/api/bookings", "/api/bookings/me"])
def test_a_write_with_an_idempotency_key_is_sent_on_to_another_node(
    front: tuple[str, Node, Node], path: str
) -> None:
    """A booking (or change) whose node died under it reaches the next node with its key: both answered."""
    url, dying, healthy = front
    method = "POST" if path == "/api/bookings" else "PUT"
    assert send_twice(url, method, path, {"Idempotency-Key": "k-1"}) == [200, 200]
    assert len(dying.seen) == 1 and len(healthy.seen) == 2


def test_joining_the_line_is_sent_on_to_another_node(front: tuple[str, Node, Node]) -> None:
    """POST /api/line/join (one place per person, the same on every call) is sent on too."""
    url, dying, healthy = front
    assert send_twice(url, "POST", "/api/line/join") == [200, 200]
    assert len(dying.seen) == 1 and len(healthy.seen) == 2


def test_a_post_without_a_key_is_not_sent_twice(front: tuple[str, Node, Node]) -> None:
    """A verification whose node died under it is not sent again (it may have been done): the client gets
    the app's 503 problem+json, and only the other request reaches the healthy node."""
    url, dying, healthy = front
    answers = [httpx.post(url + "/api/auth/start", json={}, timeout=20) for _ in range(2)]
    assert sorted(a.status_code for a in answers) == [200, 503]
    refused = next(a for a in answers if a.status_code == 503)
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["code"] == "service_unavailable" and refused.headers["retry-after"] == "1"
    assert len(dying.seen) == 1 and len(healthy.seen) == 1


def test_a_read_is_sent_on_to_another_node(front: tuple[str, Node, Node]) -> None:
    """GET is idempotent: nginx sends it on without being told."""
    url, dying, healthy = front
    assert [httpx.get(url + "/api/regions", timeout=20).status_code for _ in range(2)] == [200, 200]
    assert len(dying.seen) == 1 and len(healthy.seen) == 2


def test_the_internal_retry_location_is_not_reachable_from_outside(front: tuple[str, Node, Node]) -> None:
    """/.keyed/... is where nginx routes keyed requests internally; asked for directly it is a 404."""
    url, dying, healthy = front
    assert httpx.post(url + "/.keyed/api/bookings", json={}, timeout=20).status_code == 404
    assert not dying.seen and not healthy.seen
