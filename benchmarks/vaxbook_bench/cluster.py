"""`vaxbook-bench cluster` (`make cluster`): past one box, on this machine, with a failover rush.

A 3-primary Redis Cluster with a replica each, a PostgreSQL database of its own, three
`vaxbook serve` nodes and nginx in front (deploy/nginx + deploy/cluster). A journey rush goes
through nginx; meanwhile one app node is killed (SIGKILL) and the Redis primary that holds the
line is killed too, so its replica takes over. Then the ledger is checked: every confirmed
booking is there, nobody holds two, no slot is over capacity, and everyone who was in line kept
their number (the number their join answer gave is the one their admission came with, and no
two people were given the same one). Everything is private (own ports, own database, files
under var/cluster), bounded in time, and stopped and removed at the end.
"""

from __future__ import annotations

import asyncio
import secrets
import shutil
import threading
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import psutil
from rich.console import Console

from vaxbook_bench.cluster_nginx import Nginx, cluster_site
from vaxbook_bench.correctness import Violation, check_ledger
from vaxbook_bench.generator import WorkerPlan
from vaxbook_bench.ledger_rows import read_snapshot
from vaxbook_bench.options import RushOptions
from vaxbook_bench.redis_cluster import RedisCluster
from vaxbook_bench.rush import drive, prepare_local
from vaxbook_bench.server import Server, free_port
from vaxbook_bench.tally import Tally


@dataclass(frozen=True)
class ClusterOptions:
    people: int = 1200
    ramp_seconds: float = 20.0  # arrivals spread over this long, so the faults hit people in line
    admission_rate: float = 40.0  # slow enough that most people wait through the faults
    nodes: int = 3
    connections: int = 256
    generators: int = 1
    kill_node_at: float = 8.0  # seconds into the rush: one app node gets SIGKILL
    fail_redis_at: float = 14.0  # the line's Redis primary gets SIGKILL; its replica takes over
    node_timeout_ms: int = 2000
    max_seconds: float = 180.0
    postgres: str = "postgresql://postgres@127.0.0.1:5432"
    work_dir: Path = Path("var/cluster")
    keep_database: bool = False
    command: str = ""


@dataclass
class Timeline:
    started: float = 0.0
    events: list[tuple[float, str]] = field(default_factory=list)

    def note(self, what: str) -> None:
        self.events.append((time.time(), what))


@dataclass
class ClusterResult:
    tally: Tally
    violations: list[Violation]
    timeline: Timeline
    failover_at: float
    server_cpu_seconds: float
    nginx_cpu_seconds: float
    redis_cpu_seconds: float
    elapsed_seconds: float
    recorded_places: int
    cut_off: dict[str, int]  # request -> attempts that died with the node (nginx sent them on)


def place_violations(tally: Tally, failover_at: float, ledger_numbers: list[int]) -> list[Violation]:
    """Everyone kept their place: the number of their join is the number they were admitted with,
    no number was given to two people, and the ledger holds no number twice."""
    found = [Violation("place_changed", f"joined as {first}, admitted as {last}"
                       + (" (joined before the failover)" if joined < failover_at else ""))
             for joined, first, last in tally.places if first != last]
    shared = Counter(first for _, first, _ in tally.places)
    found += [Violation("number_shared", f"number {n} was given to {c} people")
              for n, c in shared.items() if c > 1]
    recorded = Counter(ledger_numbers)
    found += [Violation("ledger_number_shared", f"the ledger holds number {n} for {c} people")
              for n, c in recorded.items() if c > 1]
    return found


async def _ledger_numbers(database_url: str, line_id: str) -> list[int]:
    import asyncpg  # noqa: PLC0415  # PostgreSQL only, like the rest of this command

    connection = await asyncpg.connect(database_url)
    try:
        rows = await connection.fetch("SELECT number FROM line_places WHERE line_id = $1", line_id)
        return [int(r[0]) for r in rows]
    finally:
        await connection.close()


async def _drop_database(database_url: str) -> None:
    import asyncpg  # noqa: PLC0415  # as above

    base, name = database_url.rsplit("/", 1)
    admin = await asyncpg.connect(base + "/postgres")
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


def _kill_tree(pid: int) -> None:
    """SIGKILL a node and every process under it: a machine that died."""
    try:
        parent = psutil.Process(pid)
        for process in [*parent.children(recursive=True), parent]:
            process.kill()
    except psutil.NoSuchProcess:
        pass


def _redis_cpu(cluster: RedisCluster) -> float:
    total = 0.0
    for node in cluster.nodes:
        if node.alive and node.process is not None:
            try:
                times = psutil.Process(node.process.pid).cpu_times()
                total += times.user + times.system
            except psutil.NoSuchProcess:
                pass
    return total


def run_cluster(options: ClusterOptions, console: Console) -> ClusterResult:
    run = secrets.token_hex(3)
    work = (options.work_dir / run).resolve()
    database_url = f"{options.postgres}/vaxbook_cluster_{run}"
    redis = RedisCluster(work / "redis", masters=3, replicas=1, node_timeout_ms=options.node_timeout_ms)
    servers: list[Server] = []
    nginx: Nginx | None = None
    succeeded = False
    console.print(f"[bold]cluster {run}[/bold]: files in {work}, database {database_url}")
    try:
        redis.start()
        console.print(f"Redis Cluster: 3 primaries + 3 replicas, {redis.url}")
        rush = RushOptions(
            mode="journey", people=options.people, connections=options.connections,
            ramp_seconds=options.ramp_seconds, admission_rate=options.admission_rate,
            generators=options.generators, database_url=database_url, redis_url=redis.url,
            clinics=100, max_seconds=options.max_seconds, pgbench_seconds=0, work_dir=work,
        )
        secret = secrets.token_hex(32)
        env, window, _, _, _ = prepare_local(rush, console, datetime.now(UTC), secret, run)
        servers = [Server(0, 1, env, work / f"node-{i + 1}.log") for i in range(options.nodes)]
        for server in servers:
            server.start()
        nodes = [server.url.removeprefix("http://") for server in servers]
        port = free_port()
        # The whole crowd comes from this machine's one address: nginx's per-address cap is lifted
        # for the rehearsal, as the app's per-address limits are (REHEARSAL_LIMITS).
        site = cluster_site(port, nodes, work / "nginx" / "cache", per_client=4 * options.connections)
        nginx = Nginx(work / "nginx", port, site)
        nginx.start()
        console.print(f"{options.nodes} app nodes ({', '.join(nodes)}) behind nginx on {nginx.url}")

        line_key = f"{env['VAXBOOK_REDIS_PREFIX']}line:{{{window.line_id}}}"
        timeline = Timeline()
        killed_cpu = [0.0]

        def faults() -> None:
            """The two failures, at their times into the rush (a thread beside the generators)."""
            time.sleep(options.kill_node_at)
            victim = servers[1]
            killed_cpu[0] = victim.cpu_seconds()
            _kill_tree(victim.pid)
            timeline.note(f"app node {victim.url} killed (SIGKILL)")
            time.sleep(max(options.fail_redis_at - options.kill_node_at, 0))
            primary = redis.primary_for(line_key)
            replica = redis.replica_of(primary)
            redis.kill(primary)
            timeline.note(f"Redis primary :{primary.port} of the line killed (SIGKILL)")
            redis.wait_promoted(replica, timeout=60)
            timeline.note(f"Redis replica :{replica.port} promoted, cluster ok")

        plans = _plans(rush, options, nginx.url, window.group, window.line_id, run, secret)
        cpu_before = sum(s.cpu_seconds() for s in servers)
        nginx_before, redis_before = nginx.cpu_seconds(), _redis_cpu(redis)
        timeline.started = time.time()
        injector = threading.Thread(target=faults, name="faults", daemon=True)
        injector.start()
        tally = drive(rush, plans, console)
        injector.join(timeout=90)
        server_cpu = sum(s.cpu_seconds() for s in servers) + killed_cpu[0] - cpu_before
        nginx_cpu, redis_cpu = nginx.cpu_seconds() - nginx_before, _redis_cpu(redis) - redis_before
        elapsed = (tally.last_done or time.time()) - (tally.first_start or timeline.started)

        snapshot = asyncio.run(read_snapshot(database_url))
        violations = check_ledger(snapshot, set(tally.confirmed), interval_days=window.interval_days,
                                  main_period=window.main_period, known_before=set())
        failover_at = next((t for t, what in timeline.events if "primary" in what), time.time())
        numbers = asyncio.run(_ledger_numbers(database_url, window.line_id))
        violations += place_violations(tally, failover_at, numbers)
        if len(timeline.events) < 3:
            violations.append(Violation("faults_not_injected", f"only {timeline.events} happened"))
        cut_off = _cut_off(work / "nginx" / "error.log")
        succeeded = not violations
        return ClusterResult(tally, violations, timeline, failover_at, server_cpu, nginx_cpu, redis_cpu,
                             elapsed, len(numbers), cut_off)
    finally:
        if nginx is not None:
            nginx.stop()
        for server in servers:
            server.stop()
        redis.stop()
        if not options.keep_database:
            asyncio.run(_drop_database(database_url))
            if succeeded:  # a failed run keeps its logs (nodes, nginx) for a look
                shutil.rmtree(work, ignore_errors=True)


def _cut_off(error_log: Path) -> dict[str, int]:
    """Requests whose node died under them, by method and path: nginx sent each on to another node
    when it may (GET, keyed POST, join; deploy/cluster/keyed-retry.conf), else answered 503."""
    found: Counter[str] = Counter()
    if error_log.exists():
        for line in error_log.read_text(errors="replace").splitlines():
            if "prematurely closed connection while reading response header" in line:
                request = line.split('request: "', 1)[-1].split(" HTTP/", 1)[0]
                found[request.split("?", 1)[0]] += 1
    return dict(found.most_common())


def _plans(rush: RushOptions, options: ClusterOptions, url: str, group: int, line_id: str, run: str,
           secret: str) -> list[WorkerPlan]:
    base = WorkerPlan(
        mode="journey", base_url=url, first_index=0, people=0,
        connections=max(options.connections // options.generators, 1), ramp_seconds=options.ramp_seconds,
        max_seconds=options.max_seconds, group=group, run=run, secret=secret, line_id=line_id,
        slot_ids=(), status_seconds=rush.status_seconds,
    )
    share, extra = divmod(options.people, options.generators)
    plans, first = [], 0
    for g in range(options.generators):
        count = share + (1 if g < extra else 0)
        plans.append(replace(base, first_index=first, people=count))
        first += count
    return plans


def print_cluster_report(
    options: ClusterOptions, result: ClusterResult, console: Console
) -> dict[str, object]:
    """The figures of the failover rush, printed and returned (for the JSON report)."""
    tally = result.tally
    before = [p for p in tally.places if p[0] < result.failover_at]
    people = max(options.people, 1)
    report: dict[str, object] = {
        "command": options.command or "vaxbook-bench cluster",
        "people": options.people,
        "completed": tally.completed,
        "gave_up": dict(tally.gave_up),
        "confirmed_bookings": len(tally.confirmed),
        "admitted_with_a_number": len(tally.places),
        "joined_before_redis_failover": len(before),
        "kept_their_number": sum(first == last for _, first, last in tally.places),
        "places_in_ledger": result.recorded_places,
        "errors": dict(tally.errors.most_common(20)),
        "cut_off_by_the_node_kill": result.cut_off,
        "elapsed_seconds": round(result.elapsed_seconds, 1),
        "server_cpu_ms_per_person": round(1000 * result.server_cpu_seconds / people, 2),
        "nginx_cpu_ms_per_person": round(1000 * result.nginx_cpu_seconds / people, 2),
        "redis_cluster_cpu_ms_per_person": round(1000 * result.redis_cpu_seconds / people, 2),
        "faults": [f"+{t - result.timeline.started:.1f} s {what}" for t, what in result.timeline.events],
        "violations": [f"{v.rule}: {v.detail}" for v in result.violations],
    }
    for name, value in report.items():
        if name not in ("violations", "errors", "faults", "cut_off_by_the_node_kill"):
            console.print(f"{name}: {value}")
    for line in report["faults"]:  # type: ignore[attr-defined]
        console.print(f"fault {line}")
    console.print(f"errors (step status code): {report['errors']}")
    console.print(f"requests the killed node died under (nginx sent GETs, keyed POSTs and joins on): "
                  f"{result.cut_off}")
    if result.violations:
        console.print(f"[red]{len(result.violations)} violation(s)[/red]")
        for violation in result.violations[:30]:
            console.print(f"  {violation.rule}: {violation.detail}", markup=False)
    else:
        console.print("[green]no violation: every confirmed booking is in the ledger, nobody holds two, "
                      "and everyone admitted kept the number their join gave them[/green]")
    return report
