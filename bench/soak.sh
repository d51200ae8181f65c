#!/usr/bin/env bash
# Soak test: three opsdesk nodes over one PostgreSQL database, many clients. Creates a fresh
# database, starts `opsdesk serve` three times on free ports (node 1 first: it migrates), and runs
# bench/soak.py: set-up through the API, 64 clients doing a realistic mix over the nodes in phases
# (1, 2, then 3 nodes), one node killed with SIGKILL in the middle of the last phase and restarted
# on its port, then every invariant checked in PostgreSQL and through the API. Prints a markdown
# report (also in bench/out/soak.md); exits non-zero when an invariant fails or any node answered
# 5xx. Every process and database it starts is removed on exit. See bench/README.md.
#
#   bash bench/soak.sh          # bench form: release build, 300 s of load (about 7 minutes in all)
#   bash bench/soak.sh --ci     # CI form: the debug build .ci/run has, 3 nodes, 60 s, 32 clients
#
# Settings (environment): SOAK_SECONDS (300; --ci 60), SOAK_PHASE_SECONDS (60; --ci: one phase),
# SOAK_CLIENTS (64; --ci 32), SOAK_BIN (target/release/opsdesk; --ci target/debug/opsdesk),
# SOAK_KILL_NODE (2; 0 for no kill), SOAK_KILL_GAP (s, 7; --ci 5), SOAK_PG_URL
# (postgres://postgres@127.0.0.1:5432), SOAK_RUST_LOG (info: the access log is on and counted),
# SOAK_WEBHOOK_EVENTS (*), SOAK_DRAIN_SECONDS (90), SOAK_SEED, SOAK_NO_BUILD=1 (bench form: use
# the existing binary), SOAK_KEEP_LOGS=DIR (copy the nodes' logs there before clean-up).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

CI_FORM=0
for arg in "$@"; do
  case $arg in
    --ci) CI_FORM=1 ;;
    -h | --help) sed -n '2,20p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "soak.sh: unknown argument $arg (try --help)" >&2; exit 2 ;;
  esac
done

if [ "$CI_FORM" = 1 ]; then
  SECONDS_OF_LOAD=${SOAK_SECONDS:-60}
  PHASE_SECONDS=${SOAK_PHASE_SECONDS:-0}
  CLIENTS=${SOAK_CLIENTS:-32}
  BIN=${SOAK_BIN:-$ROOT/target/debug/opsdesk}
  KILL_GAP=${SOAK_KILL_GAP:-5}
else
  SECONDS_OF_LOAD=${SOAK_SECONDS:-300}
  PHASE_SECONDS=${SOAK_PHASE_SECONDS:-60}
  CLIENTS=${SOAK_CLIENTS:-64}
  BIN=${SOAK_BIN:-$ROOT/target/release/opsdesk}
  KILL_GAP=${SOAK_KILL_GAP:-7}
fi
KILL_NODE=${SOAK_KILL_NODE:-2}
PG_BASE=${SOAK_PG_URL:-postgres://postgres@127.0.0.1:5432}
PG_BASE=${PG_BASE%/}
SERVER_LOG_LEVEL=${SOAK_RUST_LOG:-info}
WEBHOOK_TIMEOUT=5 # the lease is the receiver's timeout + 30 s (src/webhooks/dispatcher.rs)
ADMIN_EMAIL=soak-admin@example.com
ADMIN_PASSWORD=soak-admin-password-2026
OUT_DIR=$ROOT/bench/out

log() { printf '[soak %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 2; }
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# --- tools --------------------------------------------------------------------------------------
command -v psql >/dev/null || install_if_root postgresql-client
PYTHON=
for candidate in python3.11 python3.12 python3.13 python3; do
  if command -v "$candidate" >/dev/null && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    PYTHON=$candidate
    break
  fi
done
[ -n "$PYTHON" ] || die "Python 3.11 or newer is needed (standard library only)"
for tool in curl psql pgrep; do
  command -v "$tool" >/dev/null || die "$tool is needed (Debian: apt-get install -y curl postgresql-client procps)"
done

# --- clean-up: everything this script started, and nothing else --------------------------------
WORK=$(mktemp -d /tmp/opsdesk-soak.XXXXXX)
DATABASES=()
PY_PID=

cleanup() {
  local status=$? pidfile pid db
  trap - EXIT INT TERM
  if [ -n "$PY_PID" ]; then
    kill -TERM "$PY_PID" 2>/dev/null || true
    wait "$PY_PID" 2>/dev/null || true
  fi
  # Nodes are started (and one restarted, by soak.py) through $WORK/node.sh, which keeps each
  # node's current pid in $WORK/node-N.pid.
  for pidfile in "$WORK"/node-*.pid; do
    [ -e "$pidfile" ] || continue
    pid=$(cat "$pidfile")
    stop_pid "$pid"
  done
  if [ -n "${SOAK_KEEP_LOGS:-}" ]; then
    mkdir -p "$SOAK_KEEP_LOGS" && cp "$WORK"/node-*.log "$SOAK_KEEP_LOGS"/ 2>/dev/null || true
  fi
  for db in "${DATABASES[@]}"; do
    psql -X -q "$PG_BASE/postgres" -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null 2>&1 || log "could not drop database $db"
  done
  rm -rf "$WORK"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- build --------------------------------------------------------------------------------------
if [ "$CI_FORM" = 0 ] && [ -z "${SOAK_BIN:-}" ] && [ "${SOAK_NO_BUILD:-0}" != 1 ]; then
  log "cargo build --release"
  cargo build --release --quiet
fi
[ -x "$BIN" ] || die "$BIN is missing (build it, or set SOAK_BIN)"

# --- the database and the nodes -----------------------------------------------------------------
pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null || log "pg_isready says PostgreSQL is not ready; trying anyway"
APP_DB=opsdesk_soak_$$
psql -X -q -v ON_ERROR_STOP=1 "$PG_BASE/postgres" -c "CREATE DATABASE \"$APP_DB\"" >/dev/null \
  || die "cannot create a database on $PG_BASE"
DATABASES+=("$APP_DB")
DATABASE_URL=$PG_BASE/$APP_DB
PG_VERSION=$(psql -X -At "$PG_BASE/postgres" -c 'SHOW server_version' 2>/dev/null || echo unknown)

PORTS=()
for _ in 1 2 3; do
  port=$(free_port 18800 18899)
  while [[ " ${PORTS[*]} " == *" $port "* ]]; do port=$(free_port $((port + 1)) 18899); done
  PORTS+=("$port")
done
WEBHOOK_PORT=$(free_port 18900 18999)

# One node: node.sh N starts node N on its port in the background (its log appended to
# $WORK/node-N.log) and writes its pid to $WORK/node-N.pid. soak.py restarts the killed node with it.
cat >"$WORK/node.sh" <<EOF
#!/usr/bin/env bash
set -eu
n=\$1
ports=(${PORTS[*]})
port=\${ports[\$((n - 1))]}
echo "=== node \$n starting on port \$port at \$(date -u +%H:%M:%S)" >>"$WORK/node-\$n.log"
env DATABASE_URL='$DATABASE_URL' \\
  OPSDESK_BIND="127.0.0.1:\$port" \\
  OPSDESK_ADMIN_EMAIL='$ADMIN_EMAIL' \\
  OPSDESK_ADMIN_PASSWORD='$ADMIN_PASSWORD' \\
  OPSDESK_LOGIN_MAX_FAILURES=1000000 \\
  OPSDESK_LOGIN_MAX_FAILURES_PER_ADDRESS=1000000 \\
  OPSDESK_LOGIN_SLOWDOWN_AFTER=1000000 \\
  OPSDESK_ACCESS_TOKEN_TTL_SECS=7200 \\
  OPSDESK_WEBHOOK_ALLOWED_NETWORKS=127.0.0.1 \\
  OPSDESK_WEBHOOK_TIMEOUT_SECS=$WEBHOOK_TIMEOUT \\
  RUST_LOG='$SERVER_LOG_LEVEL' \\
  nohup '$BIN' serve </dev/null >>"$WORK/node-\$n.log" 2>&1 &
echo \$! >"$WORK/node-\$n.pid"
EOF

wait_ready() { # n
  local n=$1 port=${PORTS[$(($1 - 1))]} i pid
  pid=$(cat "$WORK/node-$n.pid")
  for i in $(seq 1 600); do
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 20 "$WORK/node-$n.log" >&2
      die "node $n exited during start-up"
    fi
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/health/ready")" = 200 ] && return 0
    sleep 0.1
  done
  tail -n 20 "$WORK/node-$n.log" >&2
  die "node $n was not ready within 60 s"
}

# The machine before the load: CPU use and compilers (bench/lib.sh's counters).
PHASES=0 NOISY_PHASES=0 BACKGROUND_SUM=0 BACKGROUND_MAX=0
sample_noise
IDLE_BUSY=$BACKGROUND_MAX

log "node 1 (migrates the fresh database) on port ${PORTS[0]}"
bash "$WORK/node.sh" 1
wait_ready 1
log "nodes 2 and 3 on ports ${PORTS[1]} and ${PORTS[2]}"
bash "$WORK/node.sh" 2
bash "$WORK/node.sh" 3
wait_ready 2
wait_ready 3
# Every node signs with the one JWT key the first stored in the database (settings table).
[ "$(psql -X -At "$DATABASE_URL" -c "SELECT count(*) FROM settings WHERE name LIKE '%jwt%'")" = 1 ] \
  || log "warning: no single JWT secret row in the settings table"

STARTED_AT=$(date -u '+%Y-%m-%d %H:%M UTC')
COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
git diff --quiet HEAD -- src migrations Cargo.toml Cargo.lock 2>/dev/null || COMMIT="$COMMIT (with uncommitted changes)"
CPU=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
BUILD=release
case $BIN in */debug/*) BUILD=debug ;; esac
if [ "$CI_FORM" = 1 ]; then TITLE="opsdesk soak (CI form), $STARTED_AT"; else TITLE="opsdesk soak, $STARTED_AT"; fi
META="- Machine: $(nproc) cores ($CPU), $(uname -sr); load average $(cut -d' ' -f1-3 /proc/loadavg) at start; the load client (Python) runs on the same cores as the three nodes and PostgreSQL\\n"
META+="- Build: $BUILD binary of commit $COMMIT ($BIN); PostgreSQL $PG_VERSION on loopback, database $APP_DB; nodes on ports ${PORTS[*]}, pool 16 connections each, access log on (RUST_LOG=$SERVER_LOG_LEVEL); webhook receiver on port $WEBHOOK_PORT"

mkdir -p "$OUT_DIR"
log "running bench/soak.py ($CLIENTS clients, $SECONDS_OF_LOAD s)"
set +e
env SOAK_NODE_PORTS="$(IFS=,; echo "${PORTS[*]}")" \
  SOAK_NODE_SCRIPT="$WORK/node.sh" \
  SOAK_WORK="$WORK" \
  SOAK_DATABASE_URL="$DATABASE_URL" \
  SOAK_BIN="$BIN" \
  SOAK_ADMIN_EMAIL="$ADMIN_EMAIL" \
  SOAK_ADMIN_PASSWORD="$ADMIN_PASSWORD" \
  SOAK_SECONDS="$SECONDS_OF_LOAD" \
  SOAK_PHASE_SECONDS="$PHASE_SECONDS" \
  SOAK_CLIENTS="$CLIENTS" \
  SOAK_KILL_NODE="$KILL_NODE" \
  SOAK_KILL_GAP="$KILL_GAP" \
  SOAK_WEBHOOK_PORT="$WEBHOOK_PORT" \
  SOAK_WEBHOOK_LEASE_SECS=$((WEBHOOK_TIMEOUT + 30)) \
  SOAK_CI="$CI_FORM" \
  SOAK_TITLE="$TITLE" \
  SOAK_META="$META" \
  SOAK_IDLE_BUSY="$IDLE_BUSY" \
  SOAK_OUT="$OUT_DIR/soak.md" \
  "$PYTHON" "$ROOT/bench/soak.py" &
PY_PID=$!
wait "$PY_PID"
status=$?
PY_PID=
set -e
case $status in
  0) log "every invariant holds (report in bench/out/soak.md)" ;;
  1) log "INVARIANT FAILED (report above and in bench/out/soak.md); node logs: set SOAK_KEEP_LOGS=DIR to keep them" ;;
  *) log "the soak could not run (status $status)" ;;
esac
exit "$status"
