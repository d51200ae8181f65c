#!/usr/bin/env bash
# Load benchmark of opsdesk against the performance goals in DESIGN.md, side by side in one run:
# builds the release binary, serves it on a fresh SQLite file and on a fresh PostgreSQL database,
# and measures with wrk (and pgbench -S for PostgreSQL's own ceiling). Loopback traffic only;
# every process and database it starts is removed on exit. See bench/README.md.
#
#   bash bench/run.sh            # ~2.5 minutes after the build; table on stdout and in bench/out/latest.md
#
# Settings (environment): BENCH_DURATION (s per phase, 15), BENCH_THREADS (2), BENCH_CONNECTIONS
# (32), BENCH_LOGIN_CONNECTIONS (4), BENCH_WARMUP (s, 3), BENCH_PG_URL (postgres://postgres@127.0.0.1),
# BENCH_RUST_LOG (info: the access log is on, as in production), BENCH_NO_BUILD=1 (use the
# existing target/release/opsdesk).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

DURATION=${BENCH_DURATION:-15}
THREADS=${BENCH_THREADS:-2}
CONNECTIONS=${BENCH_CONNECTIONS:-32}
LOGIN_CONNECTIONS=${BENCH_LOGIN_CONNECTIONS:-4}
WARMUP=${BENCH_WARMUP:-3}
PG_BASE=${BENCH_PG_URL:-postgres://postgres@127.0.0.1}
PG_BASE=${PG_BASE%/}
SERVER_LOG_LEVEL=${BENCH_RUST_LOG:-info}
PACE_MS=10 # per-connection pause in the half-peak phases (wrk has no fixed-rate mode; wrk2 is not packaged)
OUT_DIR=$ROOT/bench/out
LUA=$ROOT/bench/wrk.lua
BIN=$ROOT/target/release/opsdesk
ADMIN_EMAIL=bench-admin@example.com
ADMIN_PASSWORD=bench-admin-password-2026

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# --- tools --------------------------------------------------------------------------------------
command -v wrk >/dev/null || install_if_root wrk
command -v pgbench >/dev/null || install_if_root postgresql-client
for tool in cargo curl wrk psql pgbench awk sed sort; do
  command -v "$tool" >/dev/null || die "$tool is needed (Debian: apt-get install -y wrk postgresql-client curl)"
done

# --- clean-up: everything this script started, and nothing else --------------------------------
WORK=$(mktemp -d /tmp/opsdesk-bench.XXXXXX)
PIDS=()
DATABASES=()


cleanup() {
  local status=$? pid db
  trap - EXIT INT TERM
  for pid in "${PIDS[@]}"; do stop_pid "$pid"; done
  for db in "${DATABASES[@]}"; do
    psql -X -q "$PG_BASE/postgres" -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null 2>&1 || log "could not drop database $db"
  done
  rm -rf "$WORK"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- helpers ------------------------------------------------------------------------------------

rss_mib() { # pid
  awk '/^VmRSS:/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"
}

SERVER_PID=
BASE=
start_server() { # label database_url
  local label=$1 url=$2 port i
  port=$(free_port 18600 18699)
  BASE=http://127.0.0.1:$port
  env DATABASE_URL="$url" \
    OPSDESK_BIND="127.0.0.1:$port" \
    OPSDESK_ADMIN_EMAIL="$ADMIN_EMAIL" \
    OPSDESK_ADMIN_PASSWORD="$ADMIN_PASSWORD" \
    OPSDESK_LOGIN_MAX_FAILURES=1000000 \
    OPSDESK_LOGIN_MAX_FAILURES_PER_ADDRESS=1000000 \
    OPSDESK_LOGIN_SLOWDOWN_AFTER=1000000 \
    OPSDESK_ACCESS_TOKEN_TTL_SECS=3600 \
    RUST_LOG="$SERVER_LOG_LEVEL" \
    "$BIN" serve >"$WORK/$label.log" 2>&1 &
  SERVER_PID=$!
  PIDS+=("$SERVER_PID")
  for i in $(seq 1 300); do
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      tail -n 20 "$WORK/$label.log" >&2
      die "the $label server exited during start-up"
    fi
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/health/ready")" = 200 ] && return 0
    sleep 0.2
  done
  tail -n 20 "$WORK/$label.log" >&2
  die "the $label server was not ready within 60 s"
}

TOKEN=
USER_ID=
sign_in() {
  local body
  body=$(curl -sS -X POST "$BASE/api/v1/auth/login" -H 'Content-Type: application/json' \
    -d "{\"email\":\"$ADMIN_EMAIL\",\"password\":\"$ADMIN_PASSWORD\"}")
  TOKEN=$(printf '%s' "$body" | sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p')
  [ -n "$TOKEN" ] || die "sign-in failed: $body"
  body=$(curl -sS "$BASE/api/v1/auth/me" -H "Authorization: Bearer $TOKEN")
  USER_ID=$(printf '%s' "$body" | sed -n 's/.*"user":{"id":\([0-9]*\).*/\1/p')
  [ -n "$USER_ID" ] || die "GET /api/v1/auth/me failed: $body"
  # The URL measured below must answer 200, or the figures mean nothing.
  local code
  code=$(curl -s -o /dev/null -w '%{http_code}' "$BASE/api/v1/users/$USER_ID" -H "Authorization: Bearer $TOKEN")
  [ "$code" = 200 ] || die "GET /api/v1/users/$USER_ID answered $code"
}

declare -A RPS P50 P99 ERRORS N2XX N4XX N5XX CONNS
PHASES=0
NOISY_PHASES=0
BACKGROUND_MAX=0
BACKGROUND_SUM=0
# Other work on the machine skews every figure. Before each phase, while this benchmark is idle,
# sample the machine's CPU use and look for a compiler; the report says how noisy the run was.
# wrk_run NAME THREADS CONNECTIONS SECONDS URL [VAR=VALUE...]: runs wrk with bench/wrk.lua and
# records requests/s, p50/p99 (ms) and errors under NAME.
wrk_run() {
  local name=$1 threads=$2 conns=$3 seconds=$4 url=$5
  shift 5
  sample_noise
  env "$@" wrk -t"$threads" -c"$conns" -d"${seconds}s" --timeout 5s -s "$LUA" "$url" >"$WORK/$name.wrk" 2>&1 \
    || { cat "$WORK/$name.wrk" >&2; die "wrk failed ($name)"; }
  record "$name" "$conns"
}
record() { # NAME CONNECTIONS: parses the RESULT line of $WORK/NAME.wrk
  local name=$1 line
  line=$(grep '^RESULT ' "$WORK/$name.wrk") || { cat "$WORK/$name.wrk" >&2; die "no result from wrk ($name)"; }
  field() { printf '%s\n' "$line" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
  RPS[$name]=$(awk -v n="$(field requests)" -v d="$(field duration_us)" 'BEGIN { printf "%.0f", n / (d / 1e6) }')
  P50[$name]=$(awk -v v="$(field p50_us)" 'BEGIN { printf "%.2f", v / 1000 }')
  P99[$name]=$(awk -v v="$(field p99_us)" 'BEGIN { printf "%.2f", v / 1000 }')
  ERRORS[$name]=$(($(field status_errors) + $(field socket_errors)))
  N2XX[$name]=$(field n2xx)
  N4XX[$name]=$(field n4xx)
  N5XX[$name]=$(field n5xx)
  CONNS[$name]=$2
  log "$name: ${RPS[$name]} req/s, p99 ${P99[$name]} ms, errors ${ERRORS[$name]}"
}

# writes NAME CONNECTIONS PREFIX: creates items with bench/create_item.lua (every answer should
# be 201) and records requests/s, p50/p99 and answers by class under NAME.
writes() {
  local name=$1 conns=$2 prefix=$3 threads=$THREADS
  [ "$conns" -lt "$threads" ] && threads=$conns
  sample_noise
  env BENCH_TOKEN="$TOKEN" BENCH_PREFIX="$prefix" wrk -t"$threads" -c"$conns" -d"${DURATION}s" --timeout 5s \
    -s "$ROOT/bench/create_item.lua" "$BASE/api/v1/inventory/items" >"$WORK/$name.wrk" 2>&1 \
    || { cat "$WORK/$name.wrk" >&2; die "wrk failed ($name)"; }
  record "$name" "$conns"
}

# GET at about half of the peak rate (paced with BENCH_DELAY_MS), optionally with a parallel
# login hammer. Records NAME and, with logins, NAME-login.
half_peak() { # NAME PEAK_RPS with_logins(0|1)
  local name=$1 peak=$2 logins=$3 conns login_pid=
  # Each connection's cycle is the pause plus the response time plus wrk's timer slack (~1.5 ms).
  conns=$(awk -v r="$peak" -v p="$PACE_MS" -v t="$THREADS" 'BEGIN { c = int(r / 2 * (p + 1.5) / 1000 + 0.5); if (c < t) c = t; if (c > 2000) c = 2000; print c }')
  if [ "$logins" = 1 ]; then
    env BENCH_METHOD=POST BENCH_COUNT_STATUS=1 \
      BENCH_BODY="{\"email\":\"$ADMIN_EMAIL\",\"password\":\"$ADMIN_PASSWORD\"}" \
      wrk -t1 -c"$LOGIN_CONNECTIONS" -d"${DURATION}s" --timeout 10s -s "$LUA" "$BASE/api/v1/auth/login" \
      >"$WORK/$name-login.wrk" 2>&1 &
    login_pid=$!
    PIDS+=("$login_pid")
  fi
  wrk_run "$name" "$THREADS" "$conns" "$DURATION" "$BASE/api/v1/users/$USER_ID" BENCH_TOKEN="$TOKEN" BENCH_DELAY_MS="$PACE_MS"
  if [ -n "$login_pid" ]; then
    wait "$login_pid" || true
    record "$name-login" "$LOGIN_CONNECTIONS"
  fi
}

count_5xx() { # label: 5xx answers in the server's access log
  if [ "$SERVER_LOG_LEVEL" = info ]; then
    grep -c '" 5[0-9][0-9] ' "$WORK/$1.log" || true
  else
    echo "n/a"
  fi
}

# --- build --------------------------------------------------------------------------------------
if [ "${BENCH_NO_BUILD:-0}" != 1 ]; then
  log "cargo build --release"
  cargo build --release --quiet
fi
[ -x "$BIN" ] || die "$BIN is missing"

STARTED_AT=$(date -u +%Y-%m-%dT%H:%M:%SZ)
LOAD_AT_START=$(cut -d' ' -f1-3 /proc/loadavg)
COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
git diff --quiet HEAD 2>/dev/null || COMMIT="$COMMIT (with uncommitted changes)"
CPU=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
CORES=$(nproc)
SECONDS=0

# --- SQLite -------------------------------------------------------------------------------------
log "SQLite: starting on a fresh file"
start_server sqlite "$WORK/bench.db"
IDLE_RSS_SQLITE=$(rss_mib "$SERVER_PID")
sign_in
wrk_run warmup "$THREADS" "$CONNECTIONS" "$WARMUP" "$BASE/api/v1/users/$USER_ID" BENCH_TOKEN="$TOKEN"
wrk_run sqlite-live "$THREADS" "$CONNECTIONS" "$DURATION" "$BASE/health/live"
wrk_run sqlite-get "$THREADS" "$CONNECTIONS" "$DURATION" "$BASE/api/v1/users/$USER_ID" BENCH_TOKEN="$TOKEN"
half_peak sqlite-half "${RPS[sqlite-get]}" 0
half_peak sqlite-half-logins "${RPS[sqlite-get]}" 1
writes sqlite-write-1 1 s1
writes sqlite-write-16 16 s16
LOADED_RSS_SQLITE=$(rss_mib "$SERVER_PID")
FIVEXX_SQLITE=$(count_5xx sqlite)
stop_pid "$SERVER_PID"

# --- PostgreSQL ---------------------------------------------------------------------------------
APP_DB=opsdesk_bench_$$
PGBENCH_DB=pgbench_scratch_$$
psql -X -q -v ON_ERROR_STOP=1 "$PG_BASE/postgres" -c "CREATE DATABASE \"$APP_DB\"" >/dev/null \
  || die "cannot create a database on $PG_BASE"
DATABASES+=("$APP_DB")
psql -X -q -v ON_ERROR_STOP=1 "$PG_BASE/postgres" -c "CREATE DATABASE \"$PGBENCH_DB\"" >/dev/null
DATABASES+=("$PGBENCH_DB")
PG_VERSION=$(psql -X -At "$PG_BASE/postgres" -c 'SHOW server_version' 2>/dev/null || echo unknown)

log "PostgreSQL: pgbench -i"
pgbench -i -q -s 1 "$PG_BASE/$PGBENCH_DB" >"$WORK/pgbench-init.log" 2>&1 || { cat "$WORK/pgbench-init.log" >&2; die "pgbench -i failed"; }
log "PostgreSQL: pgbench -S -c$CONNECTIONS -j$THREADS -T$DURATION"
sample_noise
(cd "$WORK" && pgbench -S -n -c "$CONNECTIONS" -j "$THREADS" -T "$DURATION" -l --sampling-rate 0.1 --log-prefix=pgb \
  "$PG_BASE/$PGBENCH_DB") >"$WORK/pgbench.log" 2>&1 || { cat "$WORK/pgbench.log" >&2; die "pgbench -S failed"; }
RPS[pgbench]=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$WORK/pgbench.log" | tail -n 1 | awk '{ printf "%.0f", $1 }')
read -r 'P50[pgbench]' 'P99[pgbench]' < <(cat "$WORK"/pgb.* | awk '{ print $3 }' | sort -n |
  awk '{ v[NR] = $1 } END { if (NR == 0) { print "n/a n/a"; exit } i50 = int(NR * 0.50); i99 = int(NR * 0.99); if (i50 < 1) i50 = 1; if (i99 < 1) i99 = 1; printf "%.2f %.2f\n", v[i50] / 1000, v[i99] / 1000 }')
ERRORS[pgbench]=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$WORK/pgbench.log" | head -n 1)
ERRORS[pgbench]=${ERRORS[pgbench]:-0}
CONNS[pgbench]=$CONNECTIONS
log "pgbench: ${RPS[pgbench]} tps, p99 ${P99[pgbench]} ms"
psql -X -q "$PG_BASE/postgres" -c "DROP DATABASE IF EXISTS \"$PGBENCH_DB\" WITH (FORCE)" >/dev/null 2>&1 || true

log "PostgreSQL: starting on a fresh database"
start_server postgres "$PG_BASE/$APP_DB"
IDLE_RSS_PG=$(rss_mib "$SERVER_PID")
sign_in
wrk_run warmup "$THREADS" "$CONNECTIONS" "$WARMUP" "$BASE/api/v1/users/$USER_ID" BENCH_TOKEN="$TOKEN"
wrk_run pg-get "$THREADS" "$CONNECTIONS" "$DURATION" "$BASE/api/v1/users/$USER_ID" BENCH_TOKEN="$TOKEN"
half_peak pg-half "${RPS[pg-get]}" 0
half_peak pg-half-logins "${RPS[pg-get]}" 1
writes pg-write-1 1 p1
writes pg-write-16 16 p16
LOADED_RSS_PG=$(rss_mib "$SERVER_PID")
FIVEXX_PG=$(count_5xx postgres)
stop_pid "$SERVER_PID"

ELAPSED=$SECONDS
LOAD_AT_END=$(cut -d' ' -f1-3 /proc/loadavg)

# --- report -------------------------------------------------------------------------------------
share() { awk -v a="${RPS[$1]}" -v b="${RPS[$2]}" 'BEGIN { if (b > 0) printf "%.0f%% of peak", 100 * a / b; else print "n/a" }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
meets() { # value op target
  awk -v v="$1" -v t="$3" -v op="$2" 'BEGIN { if (v == "n/a" || v == "") { print "n/a"; exit } ok = (op == ">=") ? (v + 0 >= t) : (v + 0 <= t); print ok ? "yes" : "**no**" }'
}
both() { # two measurements against one target: "yes" only when both pass
  local a b
  a=$(meets "$1" "$3" "$4")
  b=$(meets "$2" "$3" "$4")
  if [ "$a" = yes ] && [ "$b" = yes ]; then echo yes; elif [ "$a" = n/a ] || [ "$b" = n/a ]; then echo n/a; else echo "**no**"; fi
}
row() { # backend label name
  local name=$3 errors=${ERRORS[$3]}
  if [ "${N2XX[$name]:--1}" != -1 ] && [ -n "${N2XX[$name]:-}" ]; then
    errors="${ERRORS[$name]} (2xx ${N2XX[$name]}, 4xx ${N4XX[$name]}, 5xx ${N5XX[$name]})"
  fi
  printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$1" "$2" "${CONNS[$name]}" "${RPS[$name]}" "${P50[$name]}" "${P99[$name]}" "$errors"
}

SQLITE_RATIO=$(ratio "${RPS[sqlite-get]}" "${RPS[sqlite-live]}")
PG_RATIO=$(ratio "${RPS[pg-get]}" "${RPS[pgbench]}")
TOTAL_5XX=n/a
if [ "$FIVEXX_SQLITE" != n/a ]; then TOTAL_5XX=$((FIVEXX_SQLITE + FIVEXX_PG)); fi
GET="GET /api/v1/users/{id}"
BACKGROUND_AVG=$((BACKGROUND_SUM / (PHASES > 0 ? PHASES : 1)))
NOISE="background CPU use before each phase: average ${BACKGROUND_AVG} %, at most ${BACKGROUND_MAX} %"
if [ "$NOISY_PHASES" != 0 ]; then
  NOISE="$NOISE; **other work (over 10 % CPU, or rustc) at the start of $NOISY_PHASES of $PHASES phases: figures are noisy**"
else
  NOISE="$NOISE: quiet"
fi

mkdir -p "$OUT_DIR"
{
  echo "# opsdesk benchmark, $STARTED_AT"
  echo
  echo "- Machine: $CORES cores ($CPU), $(uname -sr); load average $LOAD_AT_START at start, $LOAD_AT_END at end; $NOISE"
  echo "- Build: commit $COMMIT, \`cargo build --release\`; PostgreSQL $PG_VERSION on loopback; SQLite bundled, WAL"
  echo "- Load: wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s (client on the same cores as the server); pgbench -S -c$CONNECTIONS -j$THREADS -T$DURATION (scale 1, simple protocol)"
  echo "- Half peak: the same GET, each connection pausing ${PACE_MS} ms before each request, with enough connections for about half the peak rate (the rate reached is shown); logins: wrk -t1 -c$LOGIN_CONNECTIONS POST /api/v1/auth/login with correct credentials, in parallel"
  echo "- Server: default settings, access log on (RUST_LOG=$SERVER_LOG_LEVEL), login throttling raised; run took ${ELAPSED} s"
  echo
  echo "| Backend | Measurement | Connections | Requests/s | p50 ms | p99 ms | Errors |"
  echo "|---|---|---:|---:|---:|---:|---|"
  row SQLite "GET /health/live" sqlite-live
  row SQLite "$GET, peak" sqlite-get
  row SQLite "$GET at ~half peak ($(share sqlite-half sqlite-get))" sqlite-half
  row SQLite "$GET at ~half peak, logins in parallel ($(share sqlite-half-logins sqlite-get))" sqlite-half-logins
  row SQLite "POST /api/v1/auth/login (the parallel logins)" sqlite-half-logins-login
  row SQLite "POST /api/v1/inventory/items, 1 writer" sqlite-write-1
  row SQLite "POST /api/v1/inventory/items, 16 writers" sqlite-write-16
  row PostgreSQL "pgbench -S (transactions/s)" pgbench
  row PostgreSQL "$GET, peak" pg-get
  row PostgreSQL "$GET at ~half peak ($(share pg-half pg-get))" pg-half
  row PostgreSQL "$GET at ~half peak, logins in parallel ($(share pg-half-logins pg-get))" pg-half-logins
  row PostgreSQL "POST /api/v1/auth/login (the parallel logins)" pg-half-logins-login
  row PostgreSQL "POST /api/v1/inventory/items, 1 writer" pg-write-1
  row PostgreSQL "POST /api/v1/inventory/items, 16 writers" pg-write-16
  echo
  echo "| DESIGN.md goal | Target | Measured | Met |"
  echo "|---|---|---|---|"
  echo "| SQLite: GET ÷ /health/live | ≥ 0.70 | $SQLITE_RATIO | $(meets "$SQLITE_RATIO" ">=" 0.7) |"
  echo "| PostgreSQL: GET ÷ pgbench -S | ≥ 0.50 | $PG_RATIO | $(meets "$PG_RATIO" ">=" 0.5) |"
  echo "| GET p99 at ~half peak (SQLite / PostgreSQL) | ≤ 10 ms | ${P99[sqlite-half]} / ${P99[pg-half]} ms | $(both "${P99[sqlite-half]}" "${P99[pg-half]}" "<=" 10) |"
  echo "| GET p99 at ~half peak with logins (SQLite / PostgreSQL) | ≤ 25 ms | ${P99[sqlite-half-logins]} / ${P99[pg-half-logins]} ms | $(both "${P99[sqlite-half-logins]}" "${P99[pg-half-logins]}" "<=" 25) |"
  echo "| SQLite: p99 with 16 parallel writers | ≤ 20 ms | ${P99[sqlite-write-16]} ms | $(meets "${P99[sqlite-write-16]}" "<=" 20) |"
  echo "| SQLite: 16 writers keep the throughput of one (writes/s, 16 ÷ 1) | ≥ 1.00 | $(ratio "${RPS[sqlite-write-16]}" "${RPS[sqlite-write-1]}") | $(meets "$(ratio "${RPS[sqlite-write-16]}" "${RPS[sqlite-write-1]}")" ">=" 1) |"
  echo "| 5xx answers in the servers' access logs, all phases | 0 | $TOTAL_5XX | $(meets "$TOTAL_5XX" "<=" 0) |"
  echo "| Idle RSS after start (SQLite / PostgreSQL) | ≤ 64 MiB | $IDLE_RSS_SQLITE / $IDLE_RSS_PG MiB | $(both "$IDLE_RSS_SQLITE" "$IDLE_RSS_PG" "<=" 64) |"
  echo
  echo "RSS after the load: SQLite $LOADED_RSS_SQLITE MiB, PostgreSQL $LOADED_RSS_PG MiB."
  echo "Logins answered 503 past the argon2 concurrency cap count as errors of the login row, not of the GET rows."
} | tee "$OUT_DIR/latest.md"
