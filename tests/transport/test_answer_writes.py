"""An answer's head and body leave in one socket write (web/coalesce.py), and every answer stays whole.

Counted on a real `vaxbook serve`: /proc/<pid>/io's `syscw` is the process's write calls, which
is what uvloop sends a socket's bytes with. The access log is off so no log line is a write.
"""

from __future__ import annotations

import asyncio
import json
import re
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.transport.served import SMALL_TIMEOUTS, Server, vaxbook_serve
from tests.transport.wire import connect, read_answer, request_head
from vaxbook.web.coalesce import CoalescingTransport

ANSWERS = 300


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One quiet server (no access log) for the module."""
    quiet = {**SMALL_TIMEOUTS, "VAXBOOK_ACCESS_LOG": "false"}
    with vaxbook_serve(tmp_path_factory.mktemp("writes"), **quiet) as served:
        yield served


def write_calls(pid: int) -> int:
    for line in Path(f"/proc/{pid}/io").read_text().splitlines():
        if line.startswith("syscw:"):
            return int(line.split()[1])
    raise AssertionError("no syscw")


def test_a_small_answer_is_one_socket_write(server: Server) -> None:
    """300 answers on one kept-alive connection cost about 300 write calls, not 600 (head, then body)."""
    with connect(server.port) as sock:
        sock.sendall(request_head("GET", "/healthz"))
        assert read_answer(sock).status == 200  # warmed up: the route and the metrics files exist
        before = write_calls(server.pid)
        for _ in range(ANSWERS):
            sock.sendall(request_head("GET", "/healthz"))
            answer = read_answer(sock)
            assert answer.status == 200 and json.loads(answer.body) == {"status": "ok"}
        writes = write_calls(server.pid) - before
    # A few writes of the worker's own (the console's figures, once a second) may fall inside.
    assert ANSWERS <= writes < ANSWERS * 1.2, writes


def test_a_head_answer_is_its_head_alone_and_the_connection_goes_on(server: Server) -> None:
    """HEAD gets the head without a body, and the next answer on the connection starts clean."""
    with connect(server.port) as sock:
        sock.sendall(request_head("HEAD", "/openapi.json") + request_head("GET", "/healthz"))
        data = b""
        while data.count(b"HTTP/1.1 ") < 2 or not data.endswith(b'{"status":"ok"}'):
            chunk = sock.recv(65536)
            assert chunk, data
            data += chunk
    first, _, rest = data.partition(b"\r\n\r\n")
    assert first.startswith(b"HTTP/1.1 ")
    assert rest.startswith(b"HTTP/1.1 200 OK\r\n"), rest[:80]  # nothing of a body between the two


def test_pipelined_requests_get_their_answers_in_order(server: Server) -> None:
    """Three requests in one packet: three whole answers, in the order asked."""
    with connect(server.port) as sock:
        sock.sendall(request_head("GET", "/healthz") + request_head("GET", "/nowhere")
                     + request_head("GET", "/healthz", "Connection: close"))
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    assert re.findall(rb"HTTP/1.1 (\d{3}) ", data) == [b"200", b"404", b"200"]
    assert data.endswith(b'{"status":"ok"}')


def test_a_large_answer_arrives_whole(server: Server) -> None:
    """The OpenAPI document (tens of kilobytes, past the socket's first write) arrives byte for byte."""
    with connect(server.port) as sock:
        sock.sendall(request_head("GET", "/openapi.json"))
        answer = read_answer(sock)
    assert answer.status == 200
    assert len(answer.body) == int(answer.headers["content-length"]) > 20_000
    assert json.loads(answer.body)["info"]["title"] == "vaxbook"


async def test_a_lone_write_is_held_for_the_loop_turn_only() -> None:
    """A head with no body after it (a HEAD answer, a stream's slow first chunk) leaves when the turn ends."""
    loop = asyncio.get_running_loop()
    ours, theirs = socket.socketpair()
    transport, _ = await loop.create_connection(asyncio.Protocol, sock=ours)
    coalescing = CoalescingTransport(transport, loop)
    theirs.setblocking(False)
    try:
        coalescing.write(b"head ")
        with pytest.raises(BlockingIOError):
            theirs.recv(100)  # held within the turn
        await asyncio.sleep(0.05)
        assert theirs.recv(100) == b"head "
        coalescing.write(b"second ")
        coalescing.write(b"third ")  # the pair goes out at once
        assert theirs.recv(100) == b"second third "
        coalescing.write(b"last")
        coalescing.close()  # what was written before close goes out before it
        await asyncio.sleep(0.05)
        assert theirs.recv(100) == b"last"
        assert theirs.recv(100) == b""
    finally:
        theirs.close()


def test_an_answer_names_no_server_software_and_carries_its_date(server: Server) -> None:
    """`vaxbook serve` sends no `Server: uvicorn` (nothing for a scanner to look up) and keeps the Date."""
    with connect(server.port) as sock:
        sock.sendall(request_head("GET", "/healthz"))
        answer = read_answer(sock)
    assert answer.status == 200
    assert "server" not in answer.headers
    assert answer.headers["date"].endswith(" GMT")
