"""The gate in Redis: every worker shares the lines, rate limits, device bindings and congestion.

Each multi-step change is one Lua script, so it is atomic however many workers call it.
Keys carry the configured prefix, and the keys of one line or one person share a hash
tag ({...}), so every script, pipeline and transaction touches one Redis Cluster slot: the
same class serves one Redis server (`redis://`) and a Redis Cluster (`redis+cluster://`),
only the client differs (adapters/redis/clients.py).

Redis may lose everything (it runs without persistence): tickets are signed and carry
their line and number, so places are restored from them; the counters are restored from
what each worker last saw (`_seen`) and from a durable copy saved every second
(`CounterCheckpoints`, PostgreSQL in cluster mode), so no later arrival is numbered
ahead of people already in line, and people already admitted are not sent back.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import time
import uuid
from collections.abc import Sequence
from importlib import resources
from typing import Any, Literal, Protocol

from redis.exceptions import (  # redis's own, by design
    ClusterDownError,
    ConnectionError,
    NoScriptError,
    SlotNotCoveredError,
    TimeoutError,
)

from vaxbook.adapters.outages import reports_outages
from vaxbook.adapters.redis.clients import CLUSTER_COMMANDS_AT_ONCE, connect, is_cluster
from vaxbook.adapters.redis.lean import LeanCalls
from vaxbook.adapters.redis.permits import hold_a_permit, new_permits
from vaxbook.adapters.redis.races import leaked, races_are_outages
from vaxbook.domain.queue import LineCounters
from vaxbook.domain.steering import LineSteering
from vaxbook.ports import Spend, VerificationOutcome

log = logging.getLogger("vaxbook.gate")
LATENCY_SAMPLES = 50
# A verification call still "in flight" after this long belongs to a worker that died.
IN_FLIGHT_FORGET_SECONDS = 120.0
LINE_KEEP_SECONDS = 7 * 24 * 3600
CHECKPOINT_SECONDS = 1.0  # how stale the durable copy of a line's counters may be
_SCRIPTS = ("claim_verification", "join_line", "restore_place", "counters", "admission_pass", "spend_pass",
            "hit", "method_started", "method_finished", "write_pass", "code_attempt", "shared")


_Call = tuple[str, list[str], list[Any]]  # a script's name, its keys and its arguments


def _milliseconds(seconds: float) -> int:
    return max(int(seconds * 1000), 1)


def _waits(replies: list[Any]) -> list[float | None]:
    """The hit script's answers as `Gate.hit` gives them."""
    return [None if wait is None else float(wait) for wait in replies]


def _script_source(name: str) -> str:
    return resources.files("vaxbook.adapters.redis").joinpath(f"lua/{name}.lua").read_text("utf-8")


class CounterCheckpoints(Protocol):
    """A durable copy of each line's counters (PostgreSQL in cluster mode)."""

    async def open(self) -> None: ...
    async def close(self) -> None: ...
    async def save(self, line_id: str, counters: LineCounters) -> None: ...
    async def load(self, line_id: str) -> LineCounters | None: ...


# OSError covers refused and reset sockets that redis-py lets through unwrapped; a Redis Cluster
# without a primary for a slot (mid-failover, past the client's retries) is an outage too.
@reports_outages(OSError, ConnectionError, TimeoutError, ClusterDownError, SlotNotCoveredError)
@races_are_outages
@hold_a_permit
class RedisGate:
    def __init__(
        self, url: str, *, prefix: str, pool_size: int = 50, checkpoints: CounterCheckpoints | None = None
    ) -> None:
        self._url = url
        self._pool_size = pool_size
        self._checkpoints = checkpoints
        self._saved: dict[str, tuple[float, int]] = {}  # line -> (monotonic time, admitted) last saved
        self._prefix = prefix
        self._client: Any = None
        self._lean: LeanCalls | None = None  # one Redis server: the hot calls skip the client's layers
        self._permits: asyncio.Semaphore | None = None  # Redis Cluster only (adapters/redis/permits.py)
        self._scripts: dict[str, Any] = {}
        # The highest counters this worker has seen per line: floors that survive Redis.
        self._seen: dict[str, LineCounters] = {}
        self._worker = uuid.uuid4().hex[:12]
        self._calls = itertools.count()

    # lifecycle -------------------------------------------------------------------------
    async def open(self) -> None:
        self._client = connect(self._url, self._pool_size)
        if is_cluster(self._url):
            self._permits = new_permits(self._pool_size)
        else:
            self._lean = LeanCalls(self._url, self._client)
        if self._checkpoints is not None:
            await self._checkpoints.open()
        # Script objects run EVALSHA and reload the script after Redis forgot it (a restart).
        self._scripts = {name: self._client.register_script(_script_source(name)) for name in _SCRIPTS}
        await self._client.ping()

    async def close(self) -> None:
        async with contextlib.AsyncExitStack() as closing:  # last pushed first; each even if one fails
            if self._checkpoints is not None:
                closing.push_async_callback(self._checkpoints.close)
            if self._client is not None:
                closing.push_async_callback(self._client.aclose)
            if self._lean is not None:
                closing.push_async_callback(self._lean.aclose)
            self._lean = self._client = None

    async def ping(self) -> None:
        await self._redis.ping()

    @property
    def _redis(self) -> Any:
        if self._client is None:
            raise RuntimeError("gate is not open")
        return self._client

    @property
    def _one_server(self) -> LeanCalls:
        """The lean calls of a gate on one Redis server (not a cluster)."""
        if self._lean is None:
            raise RuntimeError("gate is not open")
        return self._lean

    async def _run(self, script: str, keys: list[str], args: list[Any]) -> Any:
        if self._permits is None:
            return await self._one_server.script(self._scripts[script], keys, args)
        if self._client is None:
            raise RuntimeError("gate is not open")
        return await self._scripts[script](keys=keys, args=args)

    async def _command(self, *command: Any) -> Any:
        """One plain command (HMGET, ZREM: no response callback changes their replies)."""
        if self._permits is None:
            return await self._one_server.call(*command)
        return await self._redis.execute_command(*command)

    # keys ------------------------------------------------------------------------------
    def _person(self, person_key: str) -> str:
        return f"{self._prefix}person:{{{person_key}}}"

    def _line(self, line_id: str, part: str = "") -> str:
        return f"{self._prefix}line:{{{line_id}}}{':' + part if part else ''}"

    def _method(self, method: str, part: str) -> str:
        return f"{self._prefix}method:{{{method}}}:{part}"

    # limits ----------------------------------------------------------------------------
    async def hit(self, key: str, limit: int, period: float, now: float, cost: int = 1) -> float | None:
        (call,) = self._hit_calls([(key, limit, period)], now, cost)
        return _waits([await self._run(*call)])[0]

    async def hits(self, checks: Sequence[tuple[str, int, float]], now: float) -> list[float | None]:
        # One pipeline of the hit script (EVALSHA, no SCRIPT EXISTS first, as redis-py's pipelined
        # Script objects would send): three round trips fewer for a verification's four limits.
        return _waits(await self._run_many(self._hit_calls(checks, now)))

    def _hit_calls(self, checks: Sequence[tuple[str, int, float]], now: float, cost: int = 1) -> list[_Call]:
        # Each limited key is its own hash tag: limits spread over every Redis Cluster slot.
        return [("hit", [f"{self._prefix}limit:{{{key}}}"], [repr(now), limit, repr(float(period)), cost])
                for key, limit, period in checks]

    async def _run_many(self, calls: list[_Call]) -> list[Any]:
        """Each (script, keys, args) as `_run` runs it, in one round trip on one Redis server.
        Not a transaction: the keys may be on different Redis Cluster slots."""
        if self._permits is None:
            return await self._one_server.scripts(
                [(self._scripts[name], keys, args) for name, keys, args in calls]
            )
        # redis-py's cluster pipeline refuses scripts: the calls go out at once instead, each to its
        # key's shard (as spend_for_write's do), at most as many as the client keeps connections
        # per node and permit for.
        replies: list[Any] = []
        for first in range(0, len(calls), CLUSTER_COMMANDS_AT_ONCE):
            at_once = calls[first:first + CLUSTER_COMMANDS_AT_ONCE]
            replies += await asyncio.gather(*(self._run(*call) for call in at_once))
        return replies

    # verification and devices ---------------------------------------------------------
    async def claim_verification(
        self, person_key: str, device_id: str, now: float, hold_seconds: int, *, reference: str,
        refunds: Sequence[tuple[str, int, float]] = (),
    ) -> VerificationOutcome:
        claim: _Call = ("claim_verification", [self._person(person_key)],
                        [device_id, repr(now), hold_seconds, reference])
        verdict, value = (await self._run_many([claim, *self._hit_calls(refunds, now, cost=-1)]))[0]
        if verdict == "device":
            return VerificationOutcome(ok=False, device_bound_until=float(value))
        if verdict == "held":
            return VerificationOutcome(ok=False, retry_after=float(value))
        return VerificationOutcome(ok=True)

    async def count_code_attempt(self, reference: str, ttl_seconds: int, cost: int = 1) -> int:
        return int(await self._run(*self._code_attempt_call(reference, ttl_seconds, cost)))

    async def try_code(
        self, reference: str, ttl_seconds: int, checks: Sequence[tuple[str, int, float]], now: float
    ) -> tuple[int, list[float | None]]:
        tries, *waits = await self._run_many(
            [self._code_attempt_call(reference, ttl_seconds, 1), *self._hit_calls(checks, now)]
        )
        return int(tries), _waits(waits)

    def _code_attempt_call(self, reference: str, ttl_seconds: int, cost: int) -> _Call:
        return "code_attempt", [f"{self._prefix}code-attempts:{reference}"], [cost, ttl_seconds]

    async def device_holder(self, person_key: str, now: float) -> str | None:
        device, until = await self._command("HMGET", self._person(person_key), "device", "device_until")
        return str(device) if device and until and float(until) > now else None

    # the line --------------------------------------------------------------------------
    async def join_line(self, line_id: str, person_key: str, opened: bool, seed: int) -> int | None:
        seen = await self._floor(line_id)
        keys = [self._line(line_id), self._line(line_id, "places"), self._line(line_id, "pre")]
        number = await self._run(
            "join_line", keys, [person_key, int(opened), seed % 2147483646, seen.issued, LINE_KEEP_SECONDS]
        )
        if number is None:
            return None
        self._remember(line_id, LineCounters(max(seen.issued, int(number)), seen.admitted))
        return int(number)

    async def restore_place(self, line_id: str, person_key: str, number: int) -> None:
        await self._run(
            "restore_place", [self._line(line_id), self._line(line_id, "places")], [person_key, number]
        )

    async def counters(self, line_id: str, now: float, rate: float, cap: int | None) -> LineCounters:
        seen = await self._floor(line_id)
        keys = [self._line(line_id), self._line(line_id, "holders")]
        args = [repr(now), repr(rate), -1 if cap is None else cap]
        issued, admitted = await self._run("counters", keys, [*args, seen.issued, seen.admitted,
                                                              int(self._checkpoints is None)])
        if int(issued) < 0:
            # Redis lost the line (or never counted it): restart it from the durable copy, which
            # holds every admission anyone was told of, not from what this worker happened to see.
            assert self._checkpoints is not None
            saved = await self._checkpoints.load(line_id)
            if saved is not None:
                self._remember(line_id, saved)
            seen = self._seen[line_id]
            issued, admitted = await self._run("counters", keys, [*args, seen.issued, seen.admitted, 1])
        counters = LineCounters(int(issued), int(admitted))
        self._remember(line_id, counters)
        await self._checkpoint(line_id, counters)
        return counters

    async def _checkpoint(self, line_id: str, counters: LineCounters) -> None:
        """Save the counters durably before anyone is told of an admission past the saved copy
        (so a Redis loss sends nobody admitted back), and at least once a second."""
        if self._checkpoints is None:
            return
        last = self._saved.get(line_id)
        if last is None or counters.admitted > last[1] or time.monotonic() - last[0] >= CHECKPOINT_SECONDS:
            self._saved[line_id] = (time.monotonic(), counters.admitted)
            await self._checkpoints.save(line_id, counters)

    async def _floor(self, line_id: str) -> LineCounters:
        """What this worker knows of the line, starting from the durable copy on first use."""
        if line_id not in self._seen:
            saved = await self._checkpoints.load(line_id) if self._checkpoints is not None else None
            self._seen.setdefault(line_id, saved or LineCounters(0, 0))
        return self._seen[line_id]

    def _remember(self, line_id: str, counters: LineCounters) -> None:
        seen = self._seen.get(line_id, LineCounters(0, 0))
        self._seen[line_id] = LineCounters(
            max(seen.issued, counters.issued), max(seen.admitted, counters.admitted)
        )

    async def admission_pass(
        self, line_id: str, person_key: str, number: int, now: float, until: float
    ) -> tuple[int, float | None]:
        keys = [self._line(line_id, part) for part in ("", "places", "holders", "passes", "spent")]
        given, expiry = await self._run(
            "admission_pass", keys, [person_key, number, repr(now), repr(until), LINE_KEEP_SECONDS]
        )
        if expiry is None:
            self._remember(line_id, LineCounters(int(given), 0))  # a move to the back issued a number
            return int(given), None
        return int(given), float(expiry)

    async def spend_pass(self, line_id: str, person_key: str, number: int | None, key: str) -> Spend:
        verdict = await self._run(
            "spend_pass", [self._line(line_id, "spent")],
            [_pass_field(person_key, number), key, "spend", LINE_KEEP_SECONDS],
        )
        return "spent" if verdict == "spent" else "again" if verdict == "again" else "refused"

    async def unspend_pass(self, line_id: str, person_key: str, number: int | None, key: str) -> None:
        await self._run("write_pass", *self._write_pass(line_id, person_key, number, key, "undo"))

    async def spend_for_write(
        self, line_id: str, person_key: str, device_id: str, number: int | None, key: str, now: float
    ) -> Spend | Literal["device"]:
        # One round trip: the device binding (the person's hash slot) and the pass (the line's)
        # cannot share one script under Redis Cluster, so they share one pipeline (one server)
        # or go out at once (a cluster). The pass is
        # spent before the binding is known; a device that lost the person undoes it at once.
        keys, args = self._write_pass(line_id, person_key, number, key, "spend")
        both = self._device_and_spend if self._permits is None else self._device_and_spend_on_cluster
        device, until, verdict = await both(person_key, keys, args)
        if device and until and float(until) > now and device != device_id:
            if verdict == "spent":
                await self._run("write_pass", *self._write_pass(line_id, person_key, number, key, "undo"))
            return "device"
        return "spent" if verdict == "spent" else "again" if verdict == "again" else "refused"

    async def _device_and_spend(self, person_key: str, keys: list[str], args: list[Any]) -> tuple[Any, ...]:
        script = self._scripts["write_pass"]
        bound, verdict = await self._one_server.pipeline([
            ("HMGET", self._person(person_key), "device", "device_until"),
            ("EVALSHA", script.sha, len(keys), *keys, *args),
        ])
        if isinstance(verdict, NoScriptError):  # Redis forgot its scripts (a restart): load, run
            verdict = await script(keys=keys, args=args)
        for failed in (bound, verdict):
            if isinstance(failed, Exception):
                raise failed
        return (*bound, verdict)

    async def _device_and_spend_on_cluster(
        self, person_key: str, keys: list[str], args: list[Any]
    ) -> tuple[Any, ...]:
        # redis-py's cluster pipeline refuses scripts: the two calls go out at once instead, to
        # the shards of the person's and the line's slots (two requests, one wait).
        bound, verdict = await asyncio.gather(
            self._redis.hmget(self._person(person_key), "device", "device_until"),
            self._run("write_pass", keys, args),
        )
        return (*bound, verdict)

    def _write_pass(
        self, line_id: str, person_key: str, number: int | None, key: str, mode: str
    ) -> tuple[list[str], list[Any]]:
        keys = [self._line(line_id, part) for part in ("spent", "holders", "passes")]
        return keys, [_pass_field(person_key, number), key, mode, LINE_KEEP_SECONDS, person_key,
                      "-" if number is None else str(number)]

    async def release_admission(self, line_id: str, person_key: str) -> None:
        # Called after the booking committed: failing here would turn a confirmed booking
        # into an error. The place among live passes frees itself when the pass expires.
        try:
            await self._command("ZREM", self._line(line_id, "holders"), person_key)
        except (ConnectionError, TimeoutError, ClusterDownError, SlotNotCoveredError,
                AttributeError, TypeError, RuntimeError) as failure:
            if isinstance(failure, (AttributeError, TypeError, RuntimeError)) and not leaked(failure):
                raise  # a bug of ours, not an outage (adapters/redis/races.py)
            log.warning("admission of a booked person not released (expires by itself): %r", failure)

    # congestion ------------------------------------------------------------------------
    async def method_started(self, method: str, client: str, share: int) -> str | None:
        # Each call in flight is a member stamped with the real time, so the calls of a
        # worker that died are forgotten instead of inflating the figures for ever.
        member = f"{self._worker}:{next(self._calls)}"
        started = await self._run(
            "method_started", [self._method(method, "in_flight"), self._method(method, f"client:{client}")],
            [member, repr(time.time()), repr(time.time() - IN_FLIGHT_FORGET_SECONDS), share,
             int(IN_FLIGHT_FORGET_SECONDS)],
        )
        return member if started else None

    async def method_finished(self, method: str, client: str, call: str, seconds: float) -> None:
        await self._run(
            "method_finished",
            [self._method(method, "in_flight"), self._method(method, "latency"),
             self._method(method, f"client:{client}")],
            [call, repr(seconds), LATENCY_SAMPLES],
        )

    async def method_figures(self, method: str) -> tuple[int, float]:
        in_flight = self._method(method, "in_flight")
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.zremrangebyscore(in_flight, "-inf", time.time() - IN_FLIGHT_FORGET_SECONDS)
            pipe.zcard(in_flight)
            pipe.lrange(self._method(method, "latency"), 0, -1)
            _, count, samples = await pipe.execute()
        recent = sum(map(float, samples)) / len(samples) if samples else 0.0
        return int(count), recent

    # steering and the console's figures ------------------------------------------------
    # Steering is one small JSON value per line; the ledger's audit trail is its durable copy
    # (services/steering.py puts it back after Redis lost it).
    async def line_steering(self, line_id: str) -> LineSteering | None:
        stored = await self._redis.get(self._line(line_id, "steering"))
        return None if stored is None else LineSteering.from_dict(json.loads(stored))

    async def steer_line(self, line_id: str, steering: LineSteering) -> None:
        await self._redis.set(self._line(line_id, "steering"), json.dumps(steering.as_dict()),
                              ex=LINE_KEEP_SECONDS)

    async def share(self, name: str, value: str, keep_seconds: float) -> None:
        key = f"{self._prefix}shared:{{{name}}}"
        await self._command("SET", key, value, "PX", _milliseconds(keep_seconds))

    async def shared(self, name: str) -> tuple[str, float] | None:
        found = await self._run("shared", [f"{self._prefix}shared:{{{name}}}"], [])
        if not found:
            return None
        value, left = found
        return value.decode() if isinstance(value, bytes) else str(value), int(left) / 1000

    async def claim(self, name: str, seconds: float) -> bool:
        key = f"{self._prefix}claim:{{{name}}}"
        taken = await self._command("SET", key, "1", "NX", "PX", _milliseconds(seconds))
        return taken is not None

    def _series(self, series: str, bucket: int) -> str:
        return f"{self._prefix}series:{{{series}}}:{bucket}"

    async def tally(self, series: str, bucket: int, counts: dict[str, int], keep_seconds: int) -> None:
        key = self._series(series, bucket)
        async with self._redis.pipeline(transaction=True) as pipe:
            for name, count in counts.items():
                pipe.hincrby(key, name, count)
            pipe.expire(key, keep_seconds)
            await pipe.execute()

    async def sample(self, series: str, bucket: int, values: dict[str, float], keep_seconds: int) -> None:
        key = self._series(series, bucket)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(key, mapping={name: repr(float(v)) for name, v in values.items()})
            pipe.expire(key, keep_seconds)
            await pipe.execute()

    async def series(self, series: str, buckets: list[int]) -> list[dict[str, float]]:
        async with self._redis.pipeline(transaction=False) as pipe:
            for bucket in buckets:
                pipe.hgetall(self._series(series, bucket))
            found = await pipe.execute()
        return [{name: float(value) for name, value in fields.items()} for fields in found]


def _pass_field(person_key: str, number: int | None) -> str:
    return f"{person_key}:{'-' if number is None else number}"
