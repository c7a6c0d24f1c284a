"""Client CPU per one-statement round trip through an asyncpg pool, with and without its timeout.

Why adapters/postgres/ledger.py takes a free connection without asyncpg's acquire timeout: the
timeout is kept by the connection holder and handed to the release too, so one statement pays
for two timers. Each figure is process CPU per call (best of 5 rounds of 3,000 calls, uvloop).

Run: .venv/bin/python benchmarks/pool_overhead.py [postgresql://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import uvloop

from vaxbook_bench.cpu_per_call import cpu_per_call

ROUNDS, CALLS = 5, 3000


async def _no_open_transaction(connection: Any) -> None:
    if connection.is_in_transaction():
        await connection.execute("ROLLBACK")


async def _cpu_per_call(call: Callable[[], Awaitable[Any]]) -> float:
    return await cpu_per_call(call, rounds=ROUNDS, calls=CALLS, warm=300)


async def main(dsn: str) -> None:
    pool = await asyncpg.create_pool(dsn, min_size=2, max_size=2, reset=_no_open_transaction)

    async def with_timeout() -> Any:
        connection = await pool.acquire(timeout=10.0)
        try:
            return await connection.fetchval("SELECT 1")
        finally:
            await pool.release(connection)

    async def without_timeout() -> Any:
        connection = await pool.acquire()
        try:
            return await connection.fetchval("SELECT 1")
        finally:
            await pool.release(connection)

    held = await pool.acquire()

    async def on_a_held_connection() -> Any:
        return await held.fetchval("SELECT 1")

    figures = {
        "acquire(timeout=10) + SELECT 1 + release": await _cpu_per_call(with_timeout),
        "acquire() + SELECT 1 + release": await _cpu_per_call(without_timeout),
    }
    figures["SELECT 1 on a held connection (no pool)"] = await _cpu_per_call(on_a_held_connection)
    await pool.release(held)
    await pool.close()
    for name, micros in figures.items():
        print(f"{name:45s} {micros:6.1f} us CPU per call")
    print(f"command: .venv/bin/python benchmarks/pool_overhead.py {dsn}")


if __name__ == "__main__":
    uvloop.run(main(sys.argv[1] if len(sys.argv) > 1 else "postgresql://postgres@127.0.0.1:5432/postgres"))
