"""The gate's lean calls to one Redis server (adapters/redis/lean.py), against the real Redis."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlparse

import pytest
from redis.asyncio.connection import parse_url
from redis.exceptions import ConnectionError, ResponseError  # redis's own
from redis.exceptions import TimeoutError as RedisTimeoutError

from tests import backends
from vaxbook.adapters.redis.clients import connect
from vaxbook.adapters.redis.lean import LeanCalls, _tls


@contextlib.asynccontextmanager
async def _lean_on_one_connection(**options: Any) -> AsyncIterator[tuple[LeanCalls, str]]:
    """Lean calls over a pool of one connection (so every call reuses it), and a key prefix."""
    client = connect(backends.REDIS_URL, pool_size=1)
    lean = LeanCalls(backends.REDIS_URL, client, **options)
    prefix = backends.new_prefix()
    try:
        yield lean, prefix
    finally:
        await lean.aclose()
        await client.aclose()
        backends.drop_prefix(prefix)


@pytest.fixture
async def one_connection() -> AsyncIterator[tuple[LeanCalls, str]]:
    """Lean calls over a pool of one connection, and a key prefix."""
    async with _lean_on_one_connection() as made:
        yield made


async def test_a_failed_command_is_its_own_reply_and_the_rest_still_answer(
    one_connection: tuple[LeanCalls, str],
) -> None:
    """In a pipeline, a command Redis refuses answers its error in its place, the others their
    replies, and the next call on the same connection reads its own reply, not a leftover."""
    lean, prefix = one_connection
    replies = await lean.pipeline([
        ("SET", f"{prefix}n", "1"), ("HGET", f"{prefix}n", "field"), ("INCR", f"{prefix}n"),
    ])
    assert replies[0] == "OK" and replies[2] == 2
    assert isinstance(replies[1], ResponseError) and "WRONGTYPE" in str(replies[1])
    with pytest.raises(ResponseError):
        await lean.call("HGET", f"{prefix}n", "field")
    assert await lean.call("GET", f"{prefix}n") == "2"


async def test_a_call_whose_connection_is_killed_under_it_is_made_again(
    one_connection: tuple[LeanCalls, str],
) -> None:
    """A connection closed by Redis while a call waits on it (a restart, CLIENT KILL) does not fail
    the call: it is made again through the client, on a fresh connection."""
    lean, prefix = one_connection
    first = await lean.call("CLIENT", "ID")
    waiting = asyncio.create_task(lean.pipeline([("INCR", f"{prefix}n"), ("BLPOP", f"{prefix}empty", "0.2")]))
    await asyncio.sleep(0.05)
    other = connect(backends.REDIS_URL, pool_size=1)
    try:
        assert await other.execute_command("CLIENT", "KILL", "ID", first) == 1
    finally:
        await other.aclose()
    assert await waiting == [2, None]  # the client ran both again: the INCR counted twice
    assert await lean.call("CLIENT", "ID") != first


async def test_a_cancelled_call_leaves_no_reply_for_the_next_caller(
    one_connection: tuple[LeanCalls, str],
) -> None:
    """A call cancelled while Redis has not answered yet (a client gone mid-request) gives up its
    place: its late reply is read off and dropped, the next call gets its own reply, and the
    connection stays open (no reconnect per cancelled request)."""
    lean, prefix = one_connection
    first = await lean.call("CLIENT", "ID")
    waiting = asyncio.create_task(lean.call("BLPOP", f"{prefix}empty", "0.2"))
    await asyncio.sleep(0.05)
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert await lean.call("SET", f"{prefix}k", "v") == "OK"  # the BLPOP's nil would come first
    assert await lean.call("GET", f"{prefix}k") == "v"
    assert await lean.call("CLIENT", "ID") == first


async def test_a_call_past_its_deadline_is_an_outage_and_is_not_made_again() -> None:
    """Redis slower than the deadline: the call fails as an outage (redis's TimeoutError) without
    being sent again, so nothing in it counts twice, and the pool serves the next call."""
    async with _lean_on_one_connection(reply_seconds=0.1) as (lean, prefix):
        with pytest.raises(RedisTimeoutError, match=r"within 0\.1 s"):
            await lean.pipeline([("INCR", f"{prefix}n"), ("BLPOP", f"{prefix}empty", "0.3")])
        await asyncio.sleep(0.3)  # a second run would have counted by now
        assert await lean.call("GET", f"{prefix}n") == "1"


async def test_a_burst_waits_for_the_one_connection_instead_of_failing(
    one_connection: tuple[LeanCalls, str],
) -> None:
    """More calls at once than the pool has connections wait their turn (as the client's blocking
    pool made them), and each gets its own reply."""
    lean, prefix = one_connection
    slow = asyncio.create_task(lean.call("BLPOP", f"{prefix}empty", "0.2"))
    await asyncio.sleep(0.02)
    answers = await asyncio.gather(*(lean.call("INCR", f"{prefix}n") for _ in range(5)))
    assert await slow is None
    assert sorted(answers) == [1, 2, 3, 4, 5]


async def test_a_script_redis_does_not_know_is_loaded_and_run_once(
    one_connection: tuple[LeanCalls, str],
) -> None:
    """A script whose digest Redis does not hold (after a restart) is loaded and run, once."""
    lean, prefix = one_connection
    client = connect(backends.REDIS_URL, pool_size=1)
    try:
        script = client.register_script("return redis.call('INCR', KEYS[1])")
        script.sha = "0" * 40  # a digest Redis never saw: NOSCRIPT, without flushing a shared server
        assert await lean.script(script, [f"{prefix}runs"], []) == 1
        assert await lean.call("GET", f"{prefix}runs") == "1"
    finally:
        await client.aclose()


async def test_a_call_makes_no_task_of_its_own(one_connection: tuple[LeanCalls, str]) -> None:
    """A lean call and a lean pipeline run in the caller's task: no task per send (redis-py's socket
    timeout would make one, through asyncio.wait_for, on every call)."""
    lean, prefix = one_connection
    await lean.call("PING")  # connected before counting
    loop = asyncio.get_running_loop()
    made: list[object] = []
    before = loop.get_task_factory()

    def counting(factory_loop: asyncio.AbstractEventLoop, coroutine: Any, **options: Any) -> Any:
        made.append(coroutine)
        return asyncio.Task(coroutine, loop=factory_loop, **options)

    loop.set_task_factory(counting)
    try:
        for _ in range(20):
            await lean.call("INCR", f"{prefix}n")
            await lean.pipeline([("INCR", f"{prefix}n"), ("GET", f"{prefix}n")])
    finally:
        loop.set_task_factory(before)
    assert made == []
    assert await lean.call("GET", f"{prefix}n") == "40"


async def test_many_callers_at_once_share_one_connection_and_each_gets_its_own_replies() -> None:
    """Two hundred calls and pipelines of different lengths in flight at once, from a cold start,
    open one connection between them, and each gets exactly its own replies."""
    async with _lean_on_one_connection() as (lean, prefix):

        async def one_caller(n: int) -> None:
            commands = [("SET", f"{prefix}{n}:{i}", f"{n}-{i}") for i in range(n % 4)]
            replies = await lean.pipeline([*commands, ("INCR", f"{prefix}n{n}"), ("CLIENT", "ID")])
            assert replies[:-2] == ["OK"] * len(commands) and replies[-2] == 1
            ids.add(replies[-1])
            if commands:
                last = len(commands) - 1
                assert await lean.call("GET", f"{prefix}{n}:{last}") == f"{n}-{last}"

        ids: set[int] = set()
        await asyncio.gather(*(one_caller(n) for n in range(200)))
        assert len(ids) == 1


async def test_the_urls_database_is_the_one_written() -> None:
    """A URL naming database 5 writes there (SELECT on connecting), not in database 0."""
    url = urlparse(backends.REDIS_URL)._replace(path="/5").geturl()
    client = connect(url, pool_size=1)
    lean = LeanCalls(url, client)
    key = f"{backends.new_prefix()}db"
    try:
        assert await lean.call("SET", key, "5") == "OK"
        assert await client.get(key) == "5"
        other = connect(urlparse(backends.REDIS_URL)._replace(path="/0").geturl(), pool_size=1)
        try:
            assert await other.get(key) is None
        finally:
            await other.aclose()
    finally:
        await client.delete(key)
        await lean.aclose()
        await client.aclose()


async def test_closed_calls_refuse_and_keep_no_connection(one_connection: tuple[LeanCalls, str]) -> None:
    """After aclose, a call is refused (no connection is opened behind a closed gate's back)."""
    lean, _ = one_connection
    await lean.call("PING")
    await lean.aclose()
    with pytest.raises(RuntimeError, match="closed"):
        await lean.call("PING")


async def test_no_redis_at_the_address_is_an_outage_not_a_hang() -> None:
    """With nothing listening at the URL, a call fails within the connect bound as redis's
    ConnectionError (the gate's 503), after the client's own tries, and the next call tries again."""
    with socket.socket() as probe:  # a port nothing listens on: bound, never listening
        probe.bind(("127.0.0.1", 0))
        url = f"redis://127.0.0.1:{probe.getsockname()[1]}/0"
        client = connect(url, pool_size=1)
        lean = LeanCalls(url, client)
        try:
            for _ in range(2):
                async with asyncio.timeout(10):
                    with pytest.raises(ConnectionError):
                        await lean.call("PING")
        finally:
            await lean.aclose()
            await client.aclose()


async def test_a_reply_that_is_not_utf8_is_its_commands_error_alone(
    one_connection: tuple[LeanCalls, str],
) -> None:
    """A value that is not UTF-8 fails its own command only: the command after it in the same
    pipeline answers and runs once, and the connection stays the same one."""
    lean, prefix = one_connection
    first = await lean.call("CLIENT", "ID")
    client = connect(backends.REDIS_URL, pool_size=1)
    try:
        await client.set(f"{prefix}raw", b"\xff\xfe")
    finally:
        await client.aclose()
    got, counted = await lean.pipeline([("GET", f"{prefix}raw"), ("INCR", f"{prefix}n")])
    assert isinstance(got, UnicodeDecodeError) and counted == 1
    assert await lean.call("GET", f"{prefix}n") == "1"
    assert await lean.call("CLIENT", "ID") == first


async def test_an_empty_command_is_refused_before_anything_is_sent(
    one_connection: tuple[LeanCalls, str],
) -> None:
    """An empty command (to which Redis answers nothing) is refused, and the replies of the calls
    after it still go to their own callers."""
    lean, prefix = one_connection
    with pytest.raises(ValueError, match="empty"):
        await lean.pipeline([(), ("INCR", f"{prefix}n")])
    assert await lean.pipeline([("ECHO", "a"), ("ECHO", "b")]) == ["a", "b"]
    assert await lean.call("GET", f"{prefix}n") is None  # nothing of the refused call was sent


async def test_closing_fails_the_calls_in_flight_without_making_them_again() -> None:
    """aclose while a call waits: the call fails (RuntimeError), and what it sent counts once:
    it is not made again through the client as a lost connection's call would be."""
    async with _lean_on_one_connection() as (lean, prefix):
        waiting = asyncio.create_task(lean.pipeline([("INCR", f"{prefix}n"), ("BLPOP", f"{prefix}e", "0.2")]))
        await asyncio.sleep(0.05)
        await lean.aclose()
        with pytest.raises(RuntimeError, match="closed"):
            await waiting
        await asyncio.sleep(0.3)
        client = connect(backends.REDIS_URL, pool_size=1)
        try:
            assert await client.get(f"{prefix}n") == "1"
        finally:
            await client.aclose()


def test_tls_checks_the_servers_certificate_unless_the_url_says_otherwise() -> None:
    """rediss:// verifies the certificate and host name by default, as redis-py's own connection
    does; `ssl_cert_reqs=none` in the URL turns both off."""
    checked = _tls(dict(parse_url("rediss://redis.internal:6380/0")))
    assert checked is not None and checked.verify_mode == ssl.CERT_REQUIRED and checked.check_hostname
    unchecked = _tls(dict(parse_url("rediss://redis.internal:6380/0?ssl_cert_reqs=none")))
    assert unchecked is not None and unchecked.verify_mode == ssl.CERT_NONE
    assert _tls(dict(parse_url("redis://redis.internal:6379/0"))) is None
