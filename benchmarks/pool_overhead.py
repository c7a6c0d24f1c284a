"""Client CPU per one-statement round trip: through asyncpg's pool (with and without its timeout),
through the ledger's own pool (adapters/postgres/connections.py), and on a held connection.

Why the ledger keeps its own pool: asyncpg's gives each connection back through a new task
(`asyncio.shield`) and, with a timeout, keeps a timer on the acquire and again on the release.
Each figure is process CPU per call (best of 5 rounds of 3,000 calls, uvloop), one call at a
time, and through the ledger's pool also 16 callers at once (a busy worker).

Run: .venv/bin/python benchmarks/pool_overhead.py [postgresql://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import uvloop

from vaxbook.adapters.postgres.connections import Connections
from vaxbook_bench.cpu_per_call import cpu_per_call, print_figures

ROUNDS, CALLS = 5, 3000
CALLERS = 16  # at once, as a busy worker's requests are


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

    def select_one(connections: Connections) -> Callable[[], Awaitable[Any]]:
        """SELECT 1 through the ledger's pool, as the ledger runs its statements (`run`)."""
        return lambda: connections.run(lambda connection: connection.fetchval("SELECT 1"), 10.0)

    own = Connections(lambda: asyncpg.connect(dsn), size=2)

    held = await pool.acquire()

    async def on_a_held_connection() -> Any:
        return await held.fetchval("SELECT 1")

    figures = {
        "acquire(timeout=10) + SELECT 1 + release": await _cpu_per_call(with_timeout),
        "acquire() + SELECT 1 + release": await _cpu_per_call(without_timeout),
    }
    figures["the ledger's pool: take + SELECT 1 + give_back"] = await _cpu_per_call(select_one(own))
    await own.close()
    # As a loaded worker uses it: callers at once keep the process busy between a statement and
    # its answer (benchmarks/vaxbook_bench/cpu_per_call.py says why that matters here).
    wide = Connections(lambda: asyncpg.connect(dsn), size=CALLERS)
    figures[f"the same, {CALLERS} callers at once"] = await cpu_per_call(
        select_one(wide), rounds=ROUNDS, calls=CALLS, warm=300, callers=CALLERS
    )
    await wide.close()
    figures["SELECT 1 on a held connection (no pool)"] = await _cpu_per_call(on_a_held_connection)
    await pool.release(held)
    await pool.close()
    print_figures(figures, f".venv/bin/python benchmarks/pool_overhead.py {dsn}")


if __name__ == "__main__":
    uvloop.run(main(sys.argv[1] if len(sys.argv) > 1 else "postgresql://postgres@127.0.0.1:5432/postgres"))
