"""`vaxbook serve` as a real subprocess on PostgreSQL + Redis, with a campaign open at the real now."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path

import asyncpg
import httpx

from tests import backends
from tests.cluster.outages import free_port
from vaxbook.adapters.postgres.ledger import PostgresLedger
from vaxbook.adapters.signer import JwtSigner
from vaxbook.demo import DemoCampaign, demo_campaign, write_demo_campaign
from vaxbook.domain.booking import Clinic, NewSlot
from vaxbook.domain.credentials import AdmissionPass
from vaxbook.domain.inventory import share_order
from vaxbook.keys import KeyRing, parse_ring

SIGNING_KEYS = "s1:cluster-test-signing-key"
# The pepper stays configured: every server of a test session shares one ledger, which is
# bound to the pepper it was first opened with.
KEY_FILES = {"VAXBOOK_SIGNING_KEYS_FILE": "keys/signing", "VAXBOOK_CSRF_KEYS_FILE": "keys/csrf"}


@dataclass(frozen=True)
class Cluster:
    """One database, one key prefix and one campaign, shared by every server a test starts."""

    database_url: str
    prefix: str
    workdir: Path
    campaign: DemoCampaign
    redis_url: str = backends.REDIS_URL

    @property
    def campaign_file(self) -> Path:
        return self.workdir / "campaign.toml"

    @property
    def signing_keys(self) -> KeyRing:
        """The configured signing keys, or those a server made in its key file."""
        made = self.workdir / KEY_FILES["VAXBOOK_SIGNING_KEYS_FILE"]
        return parse_ring(made.read_text() if made.exists() else SIGNING_KEYS, "signing keys")

    @property
    def day(self) -> date:
        return self.campaign.first_dose_days[0]

    def env(self, **extra: str) -> dict[str, str]:
        return {
            **os.environ,
            "VAXBOOK_DATABASE_URL": self.database_url, "VAXBOOK_REDIS_URL": self.redis_url,
            "VAXBOOK_REDIS_PREFIX": self.prefix, "VAXBOOK_CAMPAIGN_FILE": str(self.campaign_file),
            "VAXBOOK_PEPPER": "p1:cluster-test-pepper", "VAXBOOK_SIGNING_KEYS": SIGNING_KEYS,
            "VAXBOOK_CSRF_KEYS": "c1:cluster-test-csrf-key", "VAXBOOK_DEV_MODE": "true",
            "VAXBOOK_ADMISSION_RATE": "1000",
            "VAXBOOK_SIM_LATENCY_MS": json.dumps({m: 0 for m in ("mobile", "kakao", "naver", "pass")}),
            **extra,
        }

    def admission_pass(self, person: str, device: str) -> str:
        """A pass signed with the servers' key, as the waiting room would hand it out."""
        signer = JwtSigner(self.signing_keys, time.time)
        return signer.sign(AdmissionPass(
            person=person, device=device, line="burst", groups=share_order(self.campaign.open_group),
            birth="1980-01-03", name="홍*동", exp=time.time() + 600,
        ))


async def new_cluster(workdir: Path) -> Cluster:
    campaign = demo_campaign(datetime.now(UTC))
    write_demo_campaign(workdir / "campaign.toml", campaign)
    url = await backends.create_database()
    return Cluster(url, backends.new_prefix(), workdir, campaign)


async def drop_cluster(cluster: Cluster) -> None:
    await backends.drop_database(cluster.database_url)
    backends.drop_prefix(cluster.prefix)


async def add_slots(
    cluster: Cluster, count: int, share: int, clinic_id: str = "C1", sigungu: str = "종로구"
) -> list[int]:
    """`count` first-dose slots with `share` places for the open group, and room for second doses."""
    ledger = PostgresLedger(cluster.database_url, pool_size=2)
    await ledger.open()
    try:
        await ledger.add_clinic(Clinic(clinic_id, "의원", "서울특별시", sigungu, "주소 1"), "hash")
        shares = tuple(share if g == cluster.campaign.open_group else 0 for g in range(10))
        hours = range(8, 8 + count)
        second_day = cluster.day + timedelta(days=42)
        await ledger.add_slots(
            [NewSlot(clinic_id, cluster.day, clock_time(h), clock_time(h, 30), "pfizer", shares, 0)
             for h in hours]
            + [NewSlot(clinic_id, second_day, clock_time(h), clock_time(h, 30), "pfizer", (0,) * 10, share)
               for h in hours]
        )
        groups = (cluster.campaign.open_group,)
        return [s.slot.id for s in await ledger.slots(clinic_id, groups, cluster.day)]
    finally:
        await ledger.close()


@dataclass
class Served:
    url: str
    process: subprocess.Popen[bytes]
    log: Path | None = None  # what the server printed (warnings and errors)

    def workers(self) -> list[int]:
        """Process ids of the uvicorn workers (children that are not multiprocessing helpers)."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        return [int(pid) for pid in children
                if "resource_tracker" not in Path(f"/proc/{pid}/cmdline").read_text(errors="replace")]


@contextlib.contextmanager
def serve(
    cluster: Cluster, workdir: Path, workers: int = 1, *, secret_file: bool = False
) -> Iterator[Served]:
    """`vaxbook serve --workers N` on a free port; stopped (with its workers) on exit.

    With `secret_file`, no signing or CSRF key is configured: the command makes them in files in
    `workdir`, as out of the box.
    """
    env = cluster.env()
    if secret_file:
        for variable, name in KEY_FILES.items():
            del env[variable.removesuffix("_FILE")]
            env[variable] = str(workdir / name)
    port = free_port()
    log_path = workdir / f"serve-{port}.log"
    log = log_path.open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "vaxbook", "serve", "--host", "127.0.0.1", "--port", str(port),
         "--workers", str(workers)],
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(url, process, workers)
        yield Served(url, process, log_path)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


def wait_ready(url: str, process: subprocess.Popen[bytes], workers: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"vaxbook serve exited with {process.returncode}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url + "/readyz", timeout=1).status_code == 200:
                time.sleep(0.3 * workers)  # the other workers finish starting too
                return
        time.sleep(0.1)
    raise RuntimeError("vaxbook serve did not become ready")


_OF_CLINIC = "SELECT b.* FROM bookings b JOIN slots f ON f.id = b.first_slot_id WHERE f.clinic_id = $1"


async def ledger_invariants(cluster: Cluster, clinic_id: str) -> dict[str, int]:
    """Whatever happened, the database is consistent: counters equal the bookings holding them."""
    connection = await asyncpg.connect(cluster.database_url)
    try:
        mismatched = await connection.fetchval(
            "SELECT count(*) FROM shares sh WHERE sh.booked <> (SELECT count(*) FROM bookings b"
            " WHERE b.first_slot_id = sh.slot_id AND b.share_group = sh.grp AND b.cancelled_at IS NULL)"
        )
        seconds = await connection.fetchval(
            "SELECT count(*) FROM slots s WHERE s.second_booked <> (SELECT count(*) FROM bookings b"
            " WHERE b.second_slot_id = s.id AND b.cancelled_at IS NULL)"
        )
        doubled = await connection.fetchval(
            "SELECT count(*) FROM (SELECT person_key FROM bookings WHERE cancelled_at IS NULL"
            " GROUP BY person_key HAVING count(*) > 1) d"
        )
        active = await connection.fetchval(
            f"SELECT count(*) FROM ({_OF_CLINIC}) b WHERE cancelled_at IS NULL", clinic_id
        )
        return {"mismatched": mismatched + seconds, "doubled": doubled, "active": active}
    finally:
        await connection.close()


async def stored_ids(cluster: Cluster, clinic_id: str) -> set[str]:
    connection = await asyncpg.connect(cluster.database_url)
    try:
        rows = await connection.fetch(
            f"SELECT id FROM ({_OF_CLINIC}) b WHERE cancelled_at IS NULL", clinic_id
        )
        return {r[0] for r in rows}
    finally:
        await connection.close()
