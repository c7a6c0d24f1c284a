#!/usr/bin/env bash
# Backend round trips per full journey: the capacity run (short.sh step 2) against a private
# PostgreSQL (its own data directory and port, pg_stat_statements loaded) and a private Redis
# (its own port), so the counts are this run's alone on a machine others share:
#   - PostgreSQL statements per journey sent by the clients (round trips: BEGIN and COMMIT count,
#     statements inside a function do not), each by its calls;
#   - Redis commands per journey from INFO commandstats (commands run inside a Lua script are
#     counted too; `evalsha` is the scripts; a pipeline counts each of its commands);
#   - the CPU the private PostgreSQL (the postmaster, its live processes and those it reaped)
#     and Redis used per journey, the machine's other work left out.
# The rush before it (one person) is taken off: loading the inventory and starting the server.
#   benchmarks/round_trips.sh [PEOPLE]      (default 800; about a minute; needs root for `su postgres`)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.venv/bin}
PEOPLE=${1:-800}
PG_PORT=${BENCH_PG_PORT:-5439}
REDIS_PORT=${BENCH_REDIS_PORT:-6391}
OUT=${BENCH_OUT:-var/bench}
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | tail -1)
DATA=$(mktemp -d /tmp/vaxbook-round-trips.XXXXXX)
mkdir -p "$OUT"
chown postgres "$DATA"
su postgres -c "$PGBIN/initdb -D $DATA/pg -U postgres --auth=trust" > /dev/null
su postgres -c "$PGBIN/pg_ctl -D $DATA/pg -l $DATA/pg.log -w start -o '-p $PG_PORT -k $DATA -c listen_addresses=127.0.0.1 -c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=top'" > /dev/null
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --daemonize yes \
  --pidfile "$DATA/redis.pid" --logfile "$DATA/redis.log"
stop() {
  kill "$(cat "$DATA/redis.pid")" || true
  su postgres -c "$PGBIN/pg_ctl -D $DATA/pg -m fast stop" > /dev/null || true
  rm -rf "$DATA"
}
trap stop EXIT
sleep 0.5
DB="postgresql://postgres@127.0.0.1:$PG_PORT/vaxbook_bench"
pg() { psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -tAc "$1"; }
pg "CREATE EXTENSION pg_stat_statements" > /dev/null
cpu() {  # user + system seconds of the private PostgreSQL and Redis so far
  "$BIN/python" - "$DATA/pg/postmaster.pid" "$DATA/redis.pid" <<'PY'
import sys, psutil
pm = psutil.Process(int(open(sys.argv[1]).readline()))
t = pm.cpu_times()
total = t.user + t.system + t.children_user + t.children_system
for child in pm.children():
    try:
        c = child.cpu_times(); total += c.user + c.system
    except psutil.NoSuchProcess:
        pass
r = psutil.Process(int(open(sys.argv[2]).read())).cpu_times()
print(total, r.user + r.system)
PY
}
run() {
  cpu > "$DATA/cpu-before-$1.txt"
  pg "SELECT pg_stat_statements_reset()" > /dev/null
  redis-cli -p "$REDIS_PORT" CONFIG RESETSTAT > /dev/null
  "$BIN/vaxbook-bench" rush --mode journey --people "$1" --ramp 16 --admission-rate 1000 --generators 2 \
    --concurrency 512 --workers 2 --clinics 200 --database-url "$DB" \
    --redis-url "redis://127.0.0.1:$REDIS_PORT/0" --pgbench-seconds 0 --max-seconds 80 \
    --json "$OUT/round-trips-$1.json" > "$OUT/round-trips-$1.log"
  pg "SELECT calls, round(total_exec_time::numeric, 3), regexp_replace(left(query, 90), '\s+', ' ', 'g') FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = 'vaxbook_bench')" > "$DATA/pg-$1.txt"
  redis-cli -p "$REDIS_PORT" INFO commandstats | tr -d '\r' | grep '^cmdstat_' > "$DATA/redis-$1.txt"
  cpu > "$DATA/cpu-after-$1.txt"
}
run 1
run "$PEOPLE"
"$BIN/python" - "$PEOPLE" "$DATA" <<'PY'
import re, sys
from collections import Counter
people, data = int(sys.argv[1]), sys.argv[2]
def statements(n, column=0):
    found = Counter()
    for line in open(f"{data}/pg-{n}.txt"):
        parts = line.rstrip("\n").split("|", 2)
        if len(parts) == 3:
            found[parts[2]] += float(parts[column])
    return found
def commands(n):
    return Counter({m[1]: int(m[2]) for m in re.finditer(r"cmdstat_(\S+?):calls=(\d+)", open(f"{data}/redis-{n}.txt").read())})
def spent(n, which):
    after, before = (open(f"{data}/cpu-{when}-{n}.txt").read().split() for when in ("after", "before"))
    return float(after[which]) - float(before[which])
pg_ms, redis_ms = ((spent(people, i) - spent(1, i)) / (people - 1) * 1000 for i in (0, 1))
print(f"PostgreSQL + Redis CPU per journey: {pg_ms + redis_ms:.2f} ms"
      f" (PostgreSQL {pg_ms:.2f} ms, Redis {redis_ms:.2f} ms)")
def executing(n):
    return statements(n, 1)
for title, read in (("PostgreSQL statements", statements), ("PostgreSQL execution ms", executing),
                    ("Redis commands", commands)):
    base, now = read(1), read(people)
    per = {k: (now[k] - base[k]) / (people - 1) for k in now}
    print(f"{title} per journey: {sum(per.values()):.2f}")
    for name, count in sorted(per.items(), key=lambda kv: -kv[1]):
        if count >= 0.05:
            print(f"  {count:6.2f}  {name}")
PY
