"""Client CPU per Redis round trip: redis-py's client and Script object against the gate's lean calls.

Why adapters/redis/lean.py exists: the same EVALSHA (a script that increments one key) or the
same two-command pipeline through `Redis.execute_command` / a registered Script / a Pipeline (the
gate's client: adapters/redis/clients.py connect()), and through LeanCalls on its one connection.
Each figure is process CPU per call (best of 7 rounds of 3,000 calls, uvloop), so other processes
on the machine do not count; the Redis server's own CPU is not in it. Each is taken twice: one
call at a time, and 64 callers at once (a loaded server: no idle wake-up between a call and its
reply, and LeanCalls' callers share their connection's writes and reads).

Run: .venv/bin/python benchmarks/redis_call_cost.py [redis://127.0.0.1:6379/0]
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import uvloop

from vaxbook.adapters.redis.clients import connect
from vaxbook.adapters.redis.lean import LeanCalls
from vaxbook_bench.cpu_per_call import cpu_per_call

ROUNDS, CALLS = 7, 3000
CALLERS = 64  # at once, as a loaded server's requests are


async def _cpu_per_call(call: Callable[[], Awaitable[Any]], callers: int) -> float:
    return await cpu_per_call(call, rounds=ROUNDS, calls=CALLS, warm=300, callers=callers)


async def main(url: str) -> None:
    client = connect(url, pool_size=50)
    lean = LeanCalls(url, client)
    key = f"bench:redis-call-cost:{uuid.uuid4().hex}"
    script = client.register_script("return redis.call('INCR', KEYS[1])")
    await script(keys=[key])

    async def client_pipeline() -> Any:
        async with client.pipeline(transaction=False) as pipe:
            pipe.hmget(key + ":h", "a", "b")
            pipe.evalsha(script.sha, 1, key)
            return await pipe.execute(raise_on_error=False)

    figures = {
        "Script object (redis-py)": lambda: script(keys=[key]),
        "client.evalsha (redis-py)": lambda: client.evalsha(script.sha, 1, key),
        "LeanCalls.script": lambda: lean.script(script, [key], []),
        "pipeline HMGET + EVALSHA (redis-py)": client_pipeline,
        "LeanCalls.pipeline HMGET + EVALSHA": lambda: lean.pipeline(
            [("HMGET", key + ":h", "a", "b"), ("EVALSHA", script.sha, 1, key)]
        ),
    }
    try:
        print(f"{'us of client CPU per call':40s} {'alone':>8s} {f'{CALLERS} at once':>12s}")
        for name, call in figures.items():
            alone, together = await _cpu_per_call(call, 1), await _cpu_per_call(call, CALLERS)
            print(f"{name:40s} {alone:8.1f} {together:12.1f}")
    finally:
        await client.delete(key)
        await lean.aclose()
        await client.aclose()
    print(f"command: .venv/bin/python benchmarks/redis_call_cost.py {url}")


if __name__ == "__main__":
    uvloop.run(main(sys.argv[1] if len(sys.argv) > 1 else "redis://127.0.0.1:6379/0"))
