"""The journey generator's HTTP client (benchmarks/vaxbook_bench/lean_http.py) on a real socket server."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable

import orjson
import pytest

from vaxbook_bench.lean_http import HttpFailure, LeanClient

# (request head, request body) -> raw bytes to answer with, or None to close without answering
Reply = Callable[[bytes, bytes], Awaitable[bytes | None]]


def _ok(payload: object, *extra: str) -> bytes:
    body = orjson.dumps(payload)
    head = ["HTTP/1.1 200 OK", f"Content-Length: {len(body)}", "Content-Type: application/json", *extra]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


@contextlib.asynccontextmanager
async def _server(reply: Reply) -> AsyncIterator[tuple[str, list[int]]]:
    """A raw HTTP/1.1 server on 127.0.0.1; its base URL and, per connection, how many requests it read."""
    served: list[int] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        served.append(0)
        mine = len(served) - 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                               if line.lower().startswith(b"content-length:")), 0)
                body = await reader.readexactly(length)
                served[mine] += 1
                answer = await reply(head, body)
                if answer is None:
                    return
                writer.write(answer)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            return
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}", served
    finally:
        server.close()
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(server.wait_closed(), 2)


async def test_a_request_is_written_as_http_and_its_json_answer_read() -> None:
    """Method, path with its query, Host, the caller's headers and a JSON body reach the server as
    HTTP/1.1; the answer's status, lower-cased headers and JSON come back."""
    seen: list[tuple[bytes, bytes]] = []

    async def echo(head: bytes, body: bytes) -> bytes:
        seen.append((head, body))
        return _ok({"got": orjson.loads(body) if body else None}, "Cache-Control: private, max-age=3")

    async with _server(echo) as (url, _):
        client = LeanClient(url, connections=2)
        answer = await client.request("POST", "/api/서울/x", headers={"X-Device-Id": "d1"}, json={"a": "홍"},
                                      params={"q": "1 2"})
        await client.close()
    assert answer.status == 200 and answer.json() == {"got": {"a": "홍"}}
    assert answer.headers["cache-control"] == "private, max-age=3"
    head, body = seen[0]
    lines = head.decode().split("\r\n")
    assert lines[0] == "POST /api/%EC%84%9C%EC%9A%B8/x?q=1+2 HTTP/1.1"
    assert f"Host: {url.removeprefix('http://')}" in lines and "X-Device-Id: d1" in lines
    assert "Content-Type: application/json" in lines and f"Content-Length: {len(body)}" in lines
    assert orjson.loads(body) == {"a": "홍"}


async def test_connections_are_kept_alive_and_bounded() -> None:
    """Forty requests, ten at a time, over a client of two connections: the server sees two
    connections between them, and every request is answered."""

    async def slow_ok(_head: bytes, _body: bytes) -> bytes:
        await asyncio.sleep(0.005)
        return _ok({"ok": True})

    async with _server(slow_ok) as (url, served):
        client = LeanClient(url, connections=2)
        for _ in range(4):
            answers = await asyncio.gather(*(client.request("GET", "/") for _ in range(10)))
            assert [a.status for a in answers] == [200] * 10
        await client.close()
    assert len(served) == 2 and sum(served) == 40


async def test_an_answer_that_closes_the_connection_is_not_reused() -> None:
    """An answer with `Connection: close` is read whole, and the next request opens a new connection."""

    async def closing(_head: bytes, _body: bytes) -> bytes:
        return _ok({"ok": True}, "Connection: close")

    async with _server(closing) as (url, served):
        client = LeanClient(url, connections=1)
        assert (await client.request("GET", "/")).json() == {"ok": True}
        assert (await client.request("GET", "/")).json() == {"ok": True}
        await client.close()
    assert served == [1, 1]


async def test_a_connection_closed_before_the_answer_is_a_failure_and_is_dropped() -> None:
    """The server closes without answering: HttpFailure, and the next request works on a new connection."""
    calls = 0

    async def first_hangs_up(_head: bytes, _body: bytes) -> bytes | None:
        nonlocal calls
        calls += 1
        return None if calls == 1 else _ok({"ok": True})

    async with _server(first_hangs_up) as (url, served):
        client = LeanClient(url, connections=1)
        with pytest.raises(HttpFailure):
            await client.request("GET", "/")
        assert (await client.request("GET", "/")).status == 200
        await client.close()
    assert len(served) == 2


async def test_no_answer_in_time_is_a_timeout_and_nothing_listening_is_a_failure() -> None:
    """A server that never answers gives TimeoutError after the client's bound; a closed port HttpFailure."""

    async def never(_head: bytes, _body: bytes) -> bytes:
        await asyncio.sleep(30)
        return b""

    async with _server(never) as (url, _):
        client = LeanClient(url, connections=1, timeout=0.2)
        with pytest.raises(TimeoutError):
            await client.request("GET", "/")
        await client.close()
    with pytest.raises(HttpFailure):
        await LeanClient(url, connections=1).request("GET", "/")


async def test_an_interim_answer_is_skipped_for_the_real_one() -> None:
    """A 103 Early Hints before the answer is not taken for it: the request gets the 200, and
    the next request on the connection gets its own answer."""
    calls = 0

    async def hinted(_head: bytes, _body: bytes) -> bytes:
        nonlocal calls
        calls += 1
        return b"HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n" + _ok({"n": calls})

    async with _server(hinted) as (url, served):
        client = LeanClient(url, connections=1)
        first, second = await client.request("GET", "/"), await client.request("GET", "/")
        await client.close()
    assert (first.status, first.json(), second.json()) == (200, {"n": 1}, {"n": 2})
    assert served == [2]
