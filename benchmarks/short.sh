#!/usr/bin/env bash
# `make bench`: the short rush benchmark (under 3 minutes) in cluster mode, PostgreSQL + Redis.
# Every run drops and recreates its own database and uses its own Redis key prefix.
# Any correctness violation makes its `vaxbook-bench rush` exit non-zero, and this script with it.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.venv/bin}
DB=${BENCH_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/vaxbook_bench}
REDIS=${BENCH_REDIS_URL:-redis://127.0.0.1:6379/0}
OUT=${BENCH_OUT:-var/bench}
CLUSTER=(--workers 2 --clinics 200 --database-url "$DB" --redis-url "$REDIS")

# 0. The bare answers first (a bare ASGI and a bare FastAPI answer, one worker, wrk), to compare with
#    step 4's: a machine whose speed moves during the run shows it there (`bars` says so).
"$BIN/vaxbook-bench" wrk --endpoints anchors --people 1 --connections 64 --seconds 5 --workers 1 \
  --clinics 200 --database-url "$DB" --redis-url "$REDIS" --json "$OUT/anchors-start.json"

# 1. The booking endpoint alone (pre-issued admission passes) against pgbench's ceiling.
"$BIN/vaxbook-bench" rush --mode booking --people 2000 --concurrency 32 "${CLUSTER[@]}" \
  --pgbench-seconds 5 --pgbench-batch 8 --json "$OUT/booking.json"

# 1b. The booking endpoint alone again, driven by wrk (C) instead of the Python generator, which took
#     a sixth of the cores from the server and the database: the ratio to the same run's pgbench ceiling.
"$BIN/vaxbook-bench" wrk --endpoints booking --workers 2 --connections 32 --seconds 8 --clinics 200 \
  --database-url "$DB" --redis-url "$REDIS" --pgbench-seconds 5 --json "$OUT/wrk-booking.json"

# 2. Full journeys, 200 arrivals a second for 12 s (more than the box serves), the line admitting
#    freely: what the machine serves at its limit, and the CPU per person there.
"$BIN/vaxbook-bench" rush --mode journey --people 2400 --ramp 12 --admission-rate 1000 --generators 2 \
  --concurrency 512 "${CLUSTER[@]}" --pgbench-seconds 0 --max-seconds 80 --json "$OUT/capacity.json"

# 3. Everyone at the opening instant, the line admitting at the rate run 2 recommends.
RATE=$("$BIN/python" -c "import json,sys; print(max(json.load(open(sys.argv[1]))['figures']['recommended_admission_rate'], 1))" "$OUT/capacity.json")
PEOPLE=$("$BIN/python" -c "import sys; print(min(1000, int(float(sys.argv[1]) * 20)))" "$RATE")
"$BIN/vaxbook-bench" rush --mode journey --people "$PEOPLE" --admission-rate "$RATE" --generators 2 \
  --concurrency 512 "${CLUSTER[@]}" --pgbench-seconds 0 --max-seconds 90 --json "$OUT/journey.json"

# 4. Line status and booking, one worker, driven by wrk (C) with rotating credentials; in the same
#    run a bare ASGI and a bare FastAPI answer on the same uvicorn settings: server CPU per answer.
"$BIN/vaxbook-bench" wrk --people 200 --connections 64 --seconds 5 --workers 1 \
  --clinics 200 --database-url "$DB" --redis-url "$REDIS" --json "$OUT/wrk.json"

"$BIN/vaxbook-bench" simulate --report "$OUT/capacity.json"

# 6. Issue 9's bars from the reports above, each CPU figure also in step 4's bare FastAPI answers
#    (the figure to compare between machines: the same code costs twice the CPU on a machine whose
#    bare answers cost twice as much).
COLUMNS=${COLUMNS:-160} "$BIN/vaxbook-bench" bars --dir "$OUT"
