"""Time `vaxbook clinics import` and `vaxbook slots import` on synthetic files, on both backends.

    .venv/bin/python benchmarks/inventory_import.py --clinics 10000 --slots 1000000

Writes the files under var/bench/inventory/, then on a fresh SQLite file and a fresh
PostgreSQL database (created and dropped here) times, through the real command line: the
first import, a dry run, a second import of the same files (nothing changes), and an
export. `--examples DIR` writes the small sample files of examples/ instead.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import random
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import asyncpg

from vaxbook.demo import demo_clinics

FIRST_DAY = date(2021, 8, 26)
TIMES = ("09:00", "10:00", "11:00", "14:00", "15:00", "16:00")
VACCINES = ("pfizer", "moderna")
AREA_CODES = ("02", "031", "032", "033", "041", "042", "043", "044", "051", "052", "053", "054",
              "055", "061", "062", "063", "064")
ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
BENCH_DB = "vaxbook_bench_import"


def write_clinics(path: Path, count: int, seed: int = 2021, encoding: str = "utf-8") -> list[str]:
    """`count` clinics over the 17 provinces (by population); their ids."""
    rng = random.Random(seed)
    clinics = demo_clinics(count, rng)
    with path.open("w", encoding=encoding, newline="") as out:
        writer = csv.writer(out)
        writer.writerow(("clinic_id", "name", "sido", "sigungu", "address", "phone"))
        for clinic in clinics:
            phone = f"{rng.choice(AREA_CODES)}-{rng.randint(200, 999)}-{rng.randint(1000, 9999)}"
            writer.writerow((clinic.id, clinic.name, clinic.sido, clinic.sigungu, clinic.address, phone))
    return [c.id for c in clinics]


def write_slots(path: Path, clinic_ids: list[str], count: int, seed: int = 2021,
                encoding: str = "utf-8") -> None:
    """About `count` slots: half first doses, each with its second-dose slot 42 days later."""
    rng = random.Random(seed)
    per_clinic = max(1, count // (2 * len(clinic_ids)))
    with path.open("w", encoding=encoding, newline="") as out:
        writer = csv.writer(out)
        writer.writerow(("clinic_id", "date", "start", "end", "vaccine", "first_capacity", "second_capacity"))
        for clinic_id in clinic_ids:
            vaccine = rng.choice(VACCINES)
            for n in range(per_clinic):
                day = FIRST_DAY + timedelta(days=n // len(TIMES))
                start = TIMES[n % len(TIMES)]
                end = f"{int(start[:2]) + 1:02d}:00"
                capacity = rng.choice((10, 12, 15, 20, 25, 30))
                writer.writerow((clinic_id, day.isoformat(), start, end, vaccine, capacity, 0))
                later = (day + timedelta(days=42)).isoformat()
                writer.writerow((clinic_id, later, start, end, vaccine, 0, capacity))


def vaxbook(*args: str) -> float:
    """Run one vaxbook command; its wall time in seconds (its messages go to stderr)."""
    began = time.perf_counter()
    subprocess.run([str(Path(sys.executable).with_name("vaxbook")), *args], check=True,
                   stdout=subprocess.DEVNULL)
    return time.perf_counter() - began


async def _admin(statement: str) -> None:
    connection = await asyncpg.connect(ADMIN_URL)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


def run_backend(name: str, url: str, clinics: Path, slots: Path) -> list[tuple[str, str, float]]:
    if url.startswith("postgresql"):
        vaxbook("db", "upgrade", "--database-url", url)
    steps = [
        ("clinics import", ("clinics", "import", str(clinics))),
        ("slots import --dry-run", ("slots", "import", str(slots), "--dry-run")),
        ("slots import", ("slots", "import", str(slots))),
        ("clinics import (again)", ("clinics", "import", str(clinics))),
        ("slots import (again)", ("slots", "import", str(slots))),
        ("slots export", ("slots", "export", "--out", str(slots.with_suffix(".out.csv")))),
    ]
    results = []
    for label, args in steps:
        seconds = vaxbook(*args, "--database-url", url)
        print(f"{name:10} {label:24} {seconds:8.1f} s", flush=True)
        results.append((name, label, seconds))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clinics", type=int, default=10_000)
    parser.add_argument("--slots", type=int, default=1_000_000)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--dir", type=Path, default=Path("var/bench/inventory"))
    parser.add_argument("--examples", type=Path, help="write the sample files here and stop")
    args = parser.parse_args()
    if args.examples:
        args.examples.mkdir(parents=True, exist_ok=True)
        ids = write_clinics(args.examples / "clinics.csv", 50)
        write_slots(args.examples / "slots.csv", ids, 1200)
        write_clinics(args.examples / "clinics-cp949.csv", 50, encoding="cp949")
        return
    args.dir.mkdir(parents=True, exist_ok=True)
    clinics, slots = args.dir / "clinics.csv", args.dir / "slots.csv"
    began = time.perf_counter()
    write_slots(slots, write_clinics(clinics, args.clinics), args.slots)
    print(f"files written in {time.perf_counter() - began:.1f} s: {clinics}, {slots}", flush=True)
    if "sqlite" in args.backends:
        database = args.dir / "ledger.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)
        run_backend("sqlite", f"sqlite:///{database}", clinics, slots)
    if "postgres" in args.backends:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)'))
        asyncio.run(_admin(f'CREATE DATABASE "{BENCH_DB}"'))
        try:
            run_backend("postgres", ADMIN_URL.rsplit("/", 1)[0] + f"/{BENCH_DB}", clinics, slots)
        finally:
            asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
