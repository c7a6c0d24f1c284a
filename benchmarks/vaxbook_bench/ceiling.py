"""The database's own ceiling: pgbench runs the ledger's booking transaction on the same database.

It books into the rush's own slots (so the contention is the same), then every pgbench
booking is removed and the counters are put back, so the rush starts from a clean ledger.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import asyncpg

SCRIPT = Path(__file__).resolve().parents[1] / "booking.sql"  # benchmarks/booking.sql, beside this package
MINIMAL = SCRIPT.with_name("minimal_booking.sql")  # two conditional updates and one insert
_TPS = re.compile(r"^tps = ([\d.]+) \(without initial connection time\)", re.MULTILINE)
_LATENCY = re.compile(r"^latency average = ([\d.]+) ms", re.MULTILINE)


@dataclass(frozen=True)
class Ceiling:
    bookings_per_second: float
    latency_ms: float
    clients: int
    seconds: int
    command: str
    bookings_per_transaction: int = 1
    # The same run's minimal booking (benchmarks/minimal_booking.sql), for the function's overhead.
    minimal_bookings_per_second: float | None = None


async def prepare(database_url: str, group: int) -> int:
    """A numbered list of (first-dose slot, its second-dose slot) for pgbench to pick from."""
    db = await asyncpg.connect(database_url)
    try:
        await db.execute("DROP TABLE IF EXISTS bench_pgbench_slots")
        await db.execute(
            "CREATE TABLE bench_pgbench_slots AS SELECT (row_number() OVER (ORDER BY f.id))::int AS k,"
            " f.id AS first_id, s.id AS second_id, s.day AS second_day, f.clinic_id, f.vaccine_id,"
            " (extract(hour FROM f.start) * 60 + extract(minute FROM f.start))::int AS near"
            " FROM slots f JOIN shares sh ON sh.slot_id = f.id"
            " AND sh.grp = $1 AND sh.capacity > 0 JOIN slots s ON s.clinic_id = f.clinic_id"
            " AND s.vaccine_id = f.vaccine_id AND s.start = f.start AND s.day = f.day + 42"
            " AND s.second_capacity > 0 WHERE f.first_capacity > 0",
            group,
        )
        await db.execute("ALTER TABLE bench_pgbench_slots ADD PRIMARY KEY (k)")
        # A ledger just loaded has no planner statistics and a checkpoint to come: the first
        # script pgbench runs would pay for both, and look slower than the next (it did: 1.8x).
        await db.execute("VACUUM ANALYZE")
        with contextlib.suppress(asyncpg.exceptions.InsufficientPrivilegeError):
            await db.execute("CHECKPOINT")
        return int(await db.fetchval("SELECT count(*) FROM bench_pgbench_slots"))
    finally:
        await db.close()


def batched_script(batch: int, folder: Path) -> Path:
    """booking.sql with `batch` bookings in one transaction: what a group commit could reach."""
    lines = [line for line in SCRIPT.read_text(encoding="utf-8").splitlines() if not line.startswith("--")]
    picks = [line for line in lines if line.startswith("\\set") or "\\gset" in line]
    books = [line for line in lines if line not in picks]
    out = []
    for i in range(batch):
        out += [_numbered(line, i) for line in picks]
    out.append("BEGIN;")
    for i in range(batch):
        out += [_numbered(line, i) for line in books]
    out.append("COMMIT;")
    path = folder / f"booking-batch{batch}.sql"
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    return path


_PICKED = "slot|second|day2|clinic|vaccine|near"  # the variables the scripts' \gset sets


def _numbered(line: str, i: int) -> str:
    line = re.sub(rf":(k|n|{_PICKED})\b", lambda m: f":{m.group(1)}{i}", line)
    line = re.sub(r"^\\set (k|n) ", lambda m: f"\\set {m.group(1)}{i} ", line)
    return re.sub(rf"\bAS ({_PICKED})\b", lambda m: f"AS {m.group(1)}{i}", line)


def run_pgbench(
    database_url: str,
    group: int,
    slots: int,
    clients: int,
    seconds: int,
    script: Path = SCRIPT,
    batch: int = 1,
) -> Ceiling:
    """pgbench -M prepared (asyncpg prepares too), `clients` connections for `seconds`;
    bookings per second are transactions per second times the bookings in each."""
    pgbench = shutil.which("pgbench")
    if pgbench is None:
        raise RuntimeError("pgbench is missing: apt-get install postgresql-client (or postgresql-contrib)")
    url = urlparse(database_url)
    command = [
        pgbench,
        "-n",
        "-M",
        "prepared",
        "-f",
        str(script),
        "-c",
        str(clients),
        "-j",
        "2",
        "-T",
        str(seconds),
        "-D",
        f"grp={group}",
        "-D",
        f"slots={slots}",
        "-h",
        url.hostname or "127.0.0.1",
        "-p",
        str(url.port or 5432),
        "-U",
        url.username or "postgres",
        url.path.lstrip("/"),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60, check=False)
    tps, latency = _TPS.search(done.stdout), _LATENCY.search(done.stdout)
    if done.returncode != 0 or tps is None:
        raise RuntimeError(f"pgbench failed: {done.stderr.strip() or done.stdout.strip()}")
    return Ceiling(
        float(tps[1]) * batch,
        float(latency[1]) if latency else 0.0,
        clients,
        seconds,
        " ".join(command[1:]).replace(str(SCRIPT.parent), "benchmarks"),
        batch,
    )


async def undo(database_url: str) -> int:
    """Remove pgbench's bookings and put the counters back; how many bookings were removed."""
    db = await asyncpg.connect(database_url)
    try:
        async with db.transaction():
            await db.execute("DELETE FROM idempotency WHERE person_key LIKE 'pgbench-%'")
            # The booking's messages and kept contact, written in its transaction (migration 0011).
            await db.execute("DELETE FROM outbox WHERE person_key LIKE 'pgbench-%'")
            await db.execute("DELETE FROM contacts WHERE person_key LIKE 'pgbench-%'")
            removed = await db.fetchval(
                "WITH gone AS (DELETE FROM bookings WHERE person_key LIKE 'pgbench-%' RETURNING 1)"
                " SELECT count(*) FROM gone"
            )
            # Counted once and joined, not a count per row: the tables were analysed while empty,
            # and a correlated count then scanned every booking once per share (over a minute).
            await db.execute("UPDATE shares SET booked = 0 WHERE booked > 0")
            await db.execute(
                "UPDATE shares sh SET booked = c.n FROM (SELECT first_slot_id, share_group, count(*) AS n"
                " FROM bookings WHERE cancelled_at IS NULL GROUP BY 1, 2) c"
                " WHERE c.first_slot_id = sh.slot_id AND c.share_group = sh.grp"
            )
            await db.execute("UPDATE slots SET second_booked = 0 WHERE second_booked > 0")
            await db.execute(
                "UPDATE slots s SET second_booked = c.n FROM (SELECT second_slot_id, count(*) AS n"
                " FROM bookings WHERE cancelled_at IS NULL AND second_slot_id IS NOT NULL GROUP BY 1) c"
                " WHERE c.second_slot_id = s.id"
            )
            await db.execute("DROP TABLE bench_pgbench_slots")
        await db.execute("VACUUM ANALYZE")
        return int(removed)
    finally:
        await db.close()
