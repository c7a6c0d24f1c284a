"""Transport limits of a real `vaxbook serve` (no proxy in front), tried over raw sockets."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.transport.served import SMALL_TIMEOUTS, Server, vaxbook_serve
from tests.transport.wire import connect, drip, read_answer, request_head, seconds_until_closed

MIB = 1024 * 1024


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One server for the module: every test here leaves it as it found it."""
    with vaxbook_serve(tmp_path_factory.mktemp("serve"), **SMALL_TIMEOUTS) as served:
        yield served


def test_content_length_over_the_limit_is_refused_before_any_body_byte(server: Server) -> None:
    """A 1 GB Content-Length to an endpoint that would answer 401 gets 413 without sending a byte of it."""
    with connect(server.port) as sock:
        sock.sendall(request_head("POST", "/api/line/join", "Content-Type: application/json",
                                  "Content-Length: 1000000000"))
        answer = read_answer(sock)
        assert answer.status == 413
        assert answer.problem()["code"] == "body_too_large"
        assert answer.headers["connection"] == "close"
        assert seconds_until_closed(sock, 2) < 2


def test_chunked_body_is_cut_off_at_the_json_limit(server: Server) -> None:
    """A chunked body without a length is counted as it streams: refused with 413 just past 64 KiB."""
    with connect(server.port) as sock:
        sock.sendall(request_head("POST", "/api/auth/start", "Content-Type: application/json",
                                  "Transfer-Encoding: chunked"))
        chunk = b"x" * 8192
        for _ in range(9):  # 72 KiB, then wait: the server must answer without the terminating chunk
            sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        answer = read_answer(sock)
        assert answer.status == 413 and answer.problem()["code"] == "body_too_large"


def test_form_bodies_may_be_larger_than_json_but_not_past_one_mebibyte(server: Server) -> None:
    """A page form of 100 KiB is read (and judged by the page); one of 1 MiB + 1 byte is refused up front."""
    small = httpx.post(server.url + "/verify", content=b"a=" + b"b" * 100_000,
                       headers={"Content-Type": "application/x-www-form-urlencoded"}, timeout=10)
    assert small.status_code == 403  # past the limits, the page's CSRF check refuses it
    big = httpx.post(server.url + "/verify", content=b"a" * (MIB + 1),
                     headers={"Content-Type": "application/x-www-form-urlencoded"}, timeout=10)
    assert big.status_code == 413 and big.json()["code"] == "body_too_large"


@pytest.mark.parametrize(("path", "content_type"), [
    ("/api/auth/start", "text/plain"), ("/api/auth/start", "application/x-www-form-urlencoded"),
    ("/api/auth/start", ""), ("/verify", "application/json"),
])
def test_wrong_media_type_is_refused(server: Server, path: str, content_type: str) -> None:
    """JSON endpoints take only application/json and forms only form encodings: anything else is 415."""
    headers = {"Content-Type": content_type} if content_type else {}
    answer = httpx.post(server.url + path, content=b'{"a": 1}', headers=headers, timeout=10)
    assert answer.status_code == 415
    assert answer.headers["content-type"] == "application/problem+json"
    body = answer.json()
    assert body["code"] == "unsupported_media_type" and body["message_ko"] and body["message_en"]


def test_header_block_over_the_byte_limit_is_refused(server: Server) -> None:
    """A 20 KiB header (limit 16 KiB) is answered 431 problem+json before the app runs."""
    with connect(server.port) as sock:
        sock.sendall(request_head("GET", "/healthz", "X-Big: " + "a" * 20_000))
        answer = read_answer(sock)
    assert answer.status == 431 and answer.problem()["code"] == "headers_too_large"


def test_a_50_mb_header_is_cut_off_without_being_buffered(server: Server) -> None:
    """Streaming one 50 MB header: the server stops reading after its limit and its memory does not grow."""
    before = server.rss_bytes()
    sent = 0
    with connect(server.port) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ")
        with pytest.raises((BrokenPipeError, ConnectionResetError)):
            for _ in range(50):
                sock.sendall(b"a" * MIB)
                sent += MIB
    assert sent < 10 * MIB, f"{sent} bytes were taken before the server cut the header off"
    assert server.rss_bytes() - before < 20 * MIB


def test_too_many_header_lines_are_refused(server: Server) -> None:
    """200 small header lines (under the byte limit, over the 100-line limit) are answered 431."""
    with connect(server.port) as sock:
        sock.sendall(request_head("GET", "/healthz", *(f"X-{i}: y" for i in range(200))))
        answer = read_answer(sock)
    assert answer.status == 431 and answer.problem()["code"] == "headers_too_large"


def test_a_hundred_thousand_headers_are_refused_quickly(server: Server) -> None:
    """100,000 header lines are not read: the connection is answered 431 or cut within a second."""
    started = time.monotonic()
    with connect(server.port) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        try:
            for block in range(100):
                sock.sendall(b"".join(b"X-%d: y\r\n" % (block * 1000 + i) for i in range(1000)))
            sock.sendall(b"\r\n")
            answer = read_answer(sock)
            assert answer.status == 431
        except (BrokenPipeError, ConnectionResetError):
            pass  # cut off while still sending: the refusal was written before the rest was read
    assert time.monotonic() - started < 1


def test_slow_headers_are_timed_out(server: Server) -> None:
    """Slowloris: a header dripped a byte every 0.2 s gets 408 and a close after the 1 s header timeout."""
    with connect(server.port) as sock:
        started = time.monotonic()
        still_open = drip(sock, b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 100, 0.2, 5)
        assert not still_open
        elapsed = time.monotonic() - started
        answer = read_answer(sock)
    assert 0.9 < elapsed < 2.5
    assert answer.status == 408 and answer.problem()["code"] == "request_timeout"


def test_an_idle_connection_is_closed(server: Server) -> None:
    """A socket that connects and never sends is closed after the header timeout (1 s here)."""
    with connect(server.port) as sock:
        assert 0.8 < seconds_until_closed(sock, 5) < 2.5


def test_a_slow_body_is_timed_out(server: Server) -> None:
    """A body that stalls half-way is answered 408 after the 1 s body timeout, before any route runs."""
    with connect(server.port) as sock:
        sock.sendall(request_head("POST", "/api/auth/start", "Content-Type: application/json",
                                  "Content-Length: 100") + b'{"name": ')
        started = time.monotonic()
        answer = read_answer(sock)
        assert 0.8 < time.monotonic() - started < 2.5
    assert answer.status == 408 and answer.problem()["code"] == "request_timeout"


def test_an_idle_keep_alive_connection_is_closed(server: Server) -> None:
    """After an answer, a kept-alive connection that asks nothing more is closed after 1 s."""
    with connect(server.port) as sock:
        sock.sendall(request_head("GET", "/healthz"))
        assert read_answer(sock).status == 200
        assert 0.8 < seconds_until_closed(sock, 5) < 2.5


def test_healthz_answers_promptly_while_oversized_bodies_are_refused(server: Server) -> None:
    """Four clients pushing 1 GB bodies as fast as they can do not stall /healthz."""
    stop = threading.Event()

    def push() -> None:
        while not stop.is_set():
            with connect(server.port) as sock:
                sock.sendall(request_head("POST", "/api/line/join", "Content-Type: application/json",
                                          "Transfer-Encoding: chunked"))
                chunk = b"%x\r\n%s\r\n" % (MIB, b"x" * MIB)
                try:
                    for _ in range(1000):
                        sock.sendall(chunk)
                except OSError:
                    pass

    pushers = [threading.Thread(target=push, daemon=True) for _ in range(4)]
    for pusher in pushers:
        pusher.start()
    try:
        slowest = 0.0
        with httpx.Client(base_url=server.url, timeout=5) as client:
            for _ in range(20):
                started = time.monotonic()
                assert client.get("/healthz").status_code == 200
                slowest = max(slowest, time.monotonic() - started)
                time.sleep(0.05)
        assert slowest < 1.0
    finally:
        stop.set()
        for pusher in pushers:
            pusher.join(timeout=10)


def test_connections_over_the_cap_are_refused_when_they_connect(tmp_path: Path) -> None:
    """With a cap of 5, a sixth connection is answered 503 problem+json at once; freed places are reused."""
    with vaxbook_serve(tmp_path, VAXBOOK_MAX_CONNECTIONS="5", VAXBOOK_HEADER_TIMEOUT_SECONDS="30") as capped:
        held = [connect(capped.port) for _ in range(5)]
        try:
            time.sleep(0.3)  # accepted by the server
            with connect(capped.port) as sixth:
                answer = read_answer(sixth)
            assert answer.status == 503 and answer.problem()["code"] == "too_many_connections"
        finally:
            for sock in held:
                sock.close()
        time.sleep(0.3)
        assert httpx.get(capped.url + "/healthz", timeout=5).status_code == 200


def test_hsts_follows_x_forwarded_proto_from_a_trusted_proxy_only_over_https(server: Server) -> None:
    """From 127.0.0.1 (uvicorn's default trusted proxy) X-Forwarded-Proto: https earns HSTS; http none."""
    plain = httpx.get(server.url + "/healthz", timeout=5)
    assert "strict-transport-security" not in plain.headers
    https = httpx.get(server.url + "/healthz", headers={"X-Forwarded-Proto": "https"}, timeout=5)
    assert https.headers["strict-transport-security"].startswith("max-age=")


def test_socket_level_refusals_are_not_resets(server: Server) -> None:
    """A refused request's answer reaches the client: the server closes with FIN after writing it."""
    with connect(server.port) as sock:
        sock.sendall(request_head("GET", "/healthz", *(f"X-{i}: y" for i in range(200))))
        assert read_answer(sock).status == 431
        sock.settimeout(2)
        assert sock.recv(1) == b""
