#!/usr/bin/env bash
# People module at scale: the employee list with a filter, a search and a sort, and the department
# report, at 1k, 10k and 100k employees, on SQLite and on PostgreSQL. For each backend and size it
# migrates a fresh database, seeds it with set-based SQL, serves it and measures each endpoint
# with wrk at low concurrency. Loopback traffic only; every process, database and file it creates
# is removed on exit. See bench/README.md.
#
#   bash bench/people.sh         # ~5 minutes after the build; table on stdout and in bench/out/people.md
#
# Settings (environment): BENCH_SIZES ("1000 10000 100000"), BENCH_BACKENDS ("sqlite postgres"),
# BENCH_DURATION (s per endpoint, 8), BENCH_WARMUP (s, 2), BENCH_CONNECTIONS (4),
# BENCH_PG_URL (postgres://postgres@127.0.0.1), BENCH_NO_BUILD=1 (use the existing binary).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

SIZES=${BENCH_SIZES:-1000 10000 100000}
BACKENDS=${BENCH_BACKENDS:-sqlite postgres}
DURATION=${BENCH_DURATION:-8}
WARMUP=${BENCH_WARMUP:-2}
CONNECTIONS=${BENCH_CONNECTIONS:-4}
PG_BASE=${BENCH_PG_URL:-postgres://postgres@127.0.0.1}
PG_BASE=${PG_BASE%/}
OUT_DIR=$ROOT/bench/out
LUA=$ROOT/bench/wrk.lua
BIN=${CARGO_TARGET_DIR:-$ROOT/target}/release/opsdesk
ADMIN_EMAIL=bench-admin@example.com
ADMIN_PASSWORD=bench-admin-password-2026
DEPARTMENTS=50
FILTER_DEPARTMENT=D007 # the department of the filtered list (every department holds N/50 people)
RARE=quenn             # the search: exactly 5 people are called Quennell, whatever N
SEED_TIMEOUT=300       # seconds allowed for one seed (the largest takes a few seconds)

log() { printf '[people %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# --- tools --------------------------------------------------------------------------------------
command -v wrk >/dev/null || install_if_root wrk
command -v sqlite3 >/dev/null || install_if_root sqlite3
command -v psql >/dev/null || install_if_root postgresql-client
for tool in curl wrk awk sed timeout; do
  command -v "$tool" >/dev/null || die "$tool is needed (Debian: apt-get install -y wrk sqlite3 postgresql-client curl)"
done
case " $BACKENDS " in *" sqlite "*) command -v sqlite3 >/dev/null || die "sqlite3 is needed (apt-get install -y sqlite3)" ;; esac
case " $BACKENDS " in *" postgres "*) command -v psql >/dev/null || die "psql is needed (apt-get install -y postgresql-client)" ;; esac

# --- clean-up: everything this script started, and nothing else --------------------------------
WORK=$(mktemp -d /tmp/opsdesk-people.XXXXXX)
PIDS=()
DATABASES=()


drop_database() { # name
  psql -X -q "$PG_BASE/postgres" -c "DROP DATABASE IF EXISTS \"$1\" WITH (FORCE)" >/dev/null 2>&1 || log "could not drop database $1"
}

cleanup() {
  local status=$? pid db
  trap - EXIT INT TERM
  for pid in "${PIDS[@]}"; do stop_pid "$pid"; done
  for db in "${DATABASES[@]}"; do drop_database "$db"; done
  rm -rf "$WORK"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- helpers ------------------------------------------------------------------------------------

now_s() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now_s)" 'BEGIN { printf "%.1f", b - a }'; }

# Other work on the machine skews every figure: before each measurement, while this benchmark is
# idle, sample the machine's CPU use and look for a compiler; the report says how noisy it was.
PHASES=0
NOISY_PHASES=0
BACKGROUND_MAX=0
BACKGROUND_SUM=0

# --- seeding ------------------------------------------------------------------------------------
# One SQL text for both backends; these helpers spell what differs.
FIRST_NAMES=(Anna Ben Clara David Eva Felix Greta Hugo Ida Jonas Karin Lars Mia Noah Olga Paul
  Rita Sven Tina Uwe Vera Walter Xenia Yusuf Zoe Amir Bea Carlos Dora Emil Fatima Goran Hanna
  Igor Jana Kofi Lena)                                                   # 37
LAST_NAMES=(Albers Bauer Costa Dietrich Eriksen Fischer Garcia Hoffmann Ivanova Jensen Kowalski
  Lindqvist Moreau Nowak Olsen Petrov Ricci Schmidt Tanaka Ullmann Varga Weber Yilmaz Zimmermann
  Andersen Becker Castro Dubois Engel Ferreira Gruber Horvat Iglesias Jovanovic Keller Larsen
  Meyer Nielsen Ortega Peters Rossi Santos Torres Urban Vogel Wagner Young Ziegler Adler Brandt
  Novak Roth Berg)                                                       # 53
values_of() { # name...: "(0,'name'),(1,'name'),..."
  local i=0 out= name
  for name in "$@"; do
    out="$out${out:+,}($i,'$name')"
    i=$((i + 1))
  done
  printf '%s' "$out"
}

# seed_sql BACKEND N: the whole seed as one transaction, then statistics.
seed_sql() {
  local backend=$1 n=$2 with from now true pad3 pad6 start end comp_from rare_every rare_at
  rare_every=$((n / 5))
  rare_at=$((n / 10))
  if [ "$backend" = postgres ]; then
    with=
    from="generate_series(1, $n) AS s(g)"
    now="(now() AT TIME ZONE 'UTC')::timestamp(0)"
    true=true
    pad3="lpad(s.g::text, 3, '0')"
    pad6="lpad(s.g::text, 6, '0')"
    start="(date '2020-01-01' + (s.g * 37) % 2192)"
    end="(date '2020-01-01' + (s.g * 37) % 2192 + 30 + s.g % 300)"
    comp_from="(e.start_date + v.k * 365)"
    echo '\set ON_ERROR_STOP on'
  else
    with="WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < $n)"
    from=s
    now="datetime('now')"
    true=1
    pad3="printf('%03d', s.g)"
    pad6="printf('%06d', s.g)"
    start="date('2020-01-01', '+' || ((s.g * 37) % 2192) || ' days')"
    end="date('2020-01-01', '+' || ((s.g * 37) % 2192 + 30 + s.g % 300) || ' days')"
    comp_from="date(e.start_date, '+' || (v.k * 365) || ' days')"
    echo '.bail on'
  fi
  cat <<SQL
BEGIN;
CREATE TEMP TABLE bench_first (i INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE TEMP TABLE bench_last (i INTEGER PRIMARY KEY, name TEXT NOT NULL);
INSERT INTO bench_first (i, name) VALUES $(values_of "${FIRST_NAMES[@]}");
INSERT INTO bench_last (i, name) VALUES $(values_of "${LAST_NAMES[@]}");
WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < $DEPARTMENTS)
INSERT INTO departments (id, code, name, active, created_at, updated_at, version)
SELECT s.g, 'D' || $pad3, 'Department ' || s.g, $true, $now, $now, 1 FROM s;
$with
INSERT INTO employees (id, employee_number, first_name, last_name, work_email, job_title,
    department_id, manager_id, employment_type, status, start_date, end_date, created_at, updated_at, version)
SELECT s.g, 'E' || $pad6, f.name, CASE WHEN s.g % $rare_every = $rare_at THEN 'Quennell' ELSE l.name END,
    lower(f.name || '.' || (CASE WHEN s.g % $rare_every = $rare_at THEN 'Quennell' ELSE l.name END) || '.' || s.g || '@example.com'),
    CASE s.g % 6 WHEN 0 THEN 'Engineer' WHEN 1 THEN 'Analyst' WHEN 2 THEN 'Technician'
        WHEN 3 THEN 'Consultant' WHEN 4 THEN 'Coordinator' ELSE 'Team lead' END,
    1 + s.g % $DEPARTMENTS,
    CASE WHEN s.g >= 8 AND s.g % 25 <> 0 THEN s.g / 8 END,
    CASE WHEN s.g % 10 < 7 THEN 'full_time' WHEN s.g % 10 < 9 THEN 'part_time' ELSE 'contractor' END,
    CASE WHEN s.g % 20 = 0 THEN 'terminated' WHEN s.g % 20 = 1 THEN 'on_leave' ELSE 'active' END,
    $start,
    CASE WHEN s.g % 20 = 0 THEN $end END,
    $now, $now, 1
FROM $from
JOIN bench_first f ON f.i = s.g % ${#FIRST_NAMES[@]}
JOIN bench_last l ON l.i = (s.g / ${#FIRST_NAMES[@]} + s.g) % ${#LAST_NAMES[@]};
UPDATE departments SET manager_id = id WHERE id <= $n;
INSERT INTO compensation (employee_id, effective_from, hourly_cost_rate, currency, created_at)
SELECT e.id, $comp_from, (2500 + (e.id * 7919) % 6000) * (100 + v.k * 5) / 100, 'EUR', $now
FROM employees e CROSS JOIN (SELECT 0 AS k UNION ALL SELECT 1) AS v
ORDER BY e.id, v.k;
INSERT INTO counters (name, value) VALUES ('employee_number', $n)
    ON CONFLICT (name) DO UPDATE SET value = excluded.value;
SQL
  if [ "$backend" = postgres ]; then
    cat <<SQL
SELECT setval(pg_get_serial_sequence('departments', 'id'), $DEPARTMENTS);
SELECT setval(pg_get_serial_sequence('employees', 'id'), $n);
SELECT setval(pg_get_serial_sequence('compensation', 'id'), (SELECT max(id) FROM compensation));
COMMIT;
VACUUM ANALYZE;
SQL
  else
    cat <<SQL
COMMIT;
ANALYZE;
PRAGMA wal_checkpoint(TRUNCATE);
SQL
  fi
}

# q BACKEND URL SQL: one value from the database
q() {
  if [ "$1" = postgres ]; then psql -X -At -v ON_ERROR_STOP=1 "$2" -c "$3"; else sqlite3 -bail "$2" "$3"; fi
}

# --- server -------------------------------------------------------------------------------------
SERVER_PID=
BASE=
TOKEN=
start_server() { # label database_url
  local label=$1 url=$2 port i body
  port=$(free_port 18300 18399)
  BASE=http://127.0.0.1:$port
  env DATABASE_URL="$url" \
    OPSDESK_BIND="127.0.0.1:$port" \
    OPSDESK_ADMIN_EMAIL="$ADMIN_EMAIL" \
    OPSDESK_ADMIN_PASSWORD="$ADMIN_PASSWORD" \
    OPSDESK_ACCESS_TOKEN_TTL_SECS=3600 \
    RUST_LOG=warn \
    "$BIN" serve >"$WORK/$label.log" 2>&1 &
  SERVER_PID=$!
  PIDS+=("$SERVER_PID")
  for i in $(seq 1 300); do
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      tail -n 20 "$WORK/$label.log" >&2
      die "the $label server exited during start-up"
    fi
    [ "$(curl -s --max-time 2 -o /dev/null -w '%{http_code}' "$BASE/health/ready")" = 200 ] && break
    [ "$i" = 300 ] && { tail -n 20 "$WORK/$label.log" >&2; die "the $label server was not ready within 60 s"; }
    sleep 0.2
  done
  body=$(curl -sS --max-time 30 -X POST "$BASE/api/v1/auth/login" -H 'Content-Type: application/json' \
    -d "{\"email\":\"$ADMIN_EMAIL\",\"password\":\"$ADMIN_PASSWORD\"}")
  TOKEN=$(printf '%s' "$body" | sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p')
  [ -n "$TOKEN" ] || die "sign-in failed ($label): $body"
}

# check NAME URL: the URL must answer 200 (or the figures mean nothing); prints the body's size
# in items (employees or departments).
check() {
  local name=$1 url=$2 code
  code=$(curl -sS --max-time 60 -o "$WORK/$name.json" -w '%{http_code}' "$url" -H "Authorization: Bearer $TOKEN") || code=000
  if [ "$code" != 200 ]; then
    head -c 600 "$WORK/$name.json" >&2 2>/dev/null || true
    echo >&2
    die "$url answered $code"
  fi
}
count_items() { grep -o "\"$2\":" "$WORK/$1.json" | wc -l | tr -d ' '; }

declare -A RPS P50 P99 ERRS SEED SIZE ITEMS_DEPT ITEMS_Q REPORT_DEPTS
# measure KEY URL: warm-up, then wrk; records req/s, p50/p99 (ms) and answers >= 400 under KEY.
measure() {
  local key=$1 url=$2 line
  env BENCH_TOKEN="$TOKEN" wrk -t1 -c"$CONNECTIONS" -d"${WARMUP}s" --timeout 10s -s "$LUA" "$url" >/dev/null 2>&1 || true
  sleep 0.3 # let the warm-up's last answers finish before sampling the machine
  sample_noise
  env BENCH_TOKEN="$TOKEN" wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" --timeout 10s -s "$LUA" "$url" >"$WORK/wrk.out" 2>&1 \
    || { cat "$WORK/wrk.out" >&2; die "wrk failed ($key)"; }
  line=$(grep '^RESULT ' "$WORK/wrk.out") || { cat "$WORK/wrk.out" >&2; die "no result from wrk ($key)"; }
  field() { printf '%s\n' "$line" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
  RPS[$key]=$(awk -v n="$(field requests)" -v d="$(field duration_us)" 'BEGIN { printf "%.0f", n / (d / 1e6) }')
  P50[$key]=$(awk -v v="$(field p50_us)" 'BEGIN { printf "%.2f", v / 1000 }')
  P99[$key]=$(awk -v v="$(field p99_us)" 'BEGIN { printf "%.2f", v / 1000 }')
  ERRS[$key]=$(($(field status_errors) + $(field socket_errors)))
  log "$key: ${RPS[$key]} req/s, p50 ${P50[$key]} ms, p99 ${P99[$key]} ms, errors ${ERRS[$key]}"
}

ENDPOINTS=(dept q name report)
declare -A LABEL=(
  [dept]="GET /api/v1/employees?department_id=($FILTER_DEPARTMENT)&limit=50"
  [q]="GET /api/v1/employees?q=$RARE&limit=50 (5 matches)"
  [name]="GET /api/v1/employees?sort=name&limit=50"
  [report]="GET /api/v1/reports/departments"
)

# --- query plans at the largest size (what the server runs, spelled with literals) ---------------
plans() { # backend url department_id
  local backend=$1 url=$2 dept=$3 ids explain today
  today=$(date -u +%F)
  if [ "$backend" = postgres ]; then explain="EXPLAIN (ANALYZE, BUFFERS)"; else explain="EXPLAIN QUERY PLAN"; fi
  if [ "$backend" = postgres ]; then
    ids=$(q "$backend" "$url" "SELECT string_agg(id::text, ',') FROM (SELECT id FROM employees WHERE department_id = $dept ORDER BY employee_number LIMIT 51) AS p")
  else
    ids=$(q "$backend" "$url" "SELECT group_concat(id, ',') FROM (SELECT id FROM employees WHERE department_id = $dept ORDER BY employee_number LIMIT 51)")
  fi
  local in_page="employee_id IN ($ids)"
  [ "$backend" = postgres ] && in_page="employee_id = ANY('{$ids}'::bigint[])"
  local -a queries=(
    "SELECT * FROM employees WHERE department_id = $dept ORDER BY employee_number LIMIT 51"
    "SELECT * FROM employees WHERE lower(first_name || ' ' || last_name) LIKE '%$RARE%' ESCAPE '\\' OR work_email LIKE '%$RARE%' ESCAPE '\\' ORDER BY employee_number LIMIT 51"
    "SELECT * FROM employees ORDER BY last_name, first_name, id LIMIT 51"
    "SELECT * FROM compensation WHERE $in_page AND effective_from <= '$today' ORDER BY employee_id, effective_from DESC, id DESC"
    "SELECT department_id, status, employment_type, COUNT(*) AS people FROM employees WHERE status <> 'terminated' GROUP BY department_id, status, employment_type"
    "SELECT e.department_id, c.currency, COUNT(*) AS people, CAST(SUM(c.hourly_cost_rate) AS BIGINT) AS total, MIN(c.hourly_cost_rate) AS lowest, MAX(c.hourly_cost_rate) AS highest FROM employees e JOIN compensation c ON c.id = (SELECT c2.id FROM compensation c2 WHERE c2.employee_id = e.id AND c2.effective_from <= '$today' ORDER BY c2.effective_from DESC, c2.id DESC LIMIT 1) WHERE e.status <> 'terminated' GROUP BY e.department_id, c.currency"
  )
  local sql
  for sql in "${queries[@]}"; do
    printf '\n-- %s\n' "$sql"
    q "$backend" "$url" "$explain $sql"
  done
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
PG_VERSION=n/a
SECONDS=0
LARGEST=$(printf '%s\n' $SIZES | sort -n | tail -n 1)
SMALLEST=$(printf '%s\n' $SIZES | sort -n | head -n 1)
mkdir -p "$OUT_DIR"
PLANS=$OUT_DIR/people-plans.txt
: >"$PLANS"

for backend in $BACKENDS; do
  case $backend in sqlite | postgres) ;; *) die "unknown backend $backend (sqlite, postgres)" ;; esac
  if [ "$backend" = postgres ]; then
    PG_VERSION=$(psql -X -At "$PG_BASE/postgres" -c 'SHOW server_version') || die "cannot reach PostgreSQL at $PG_BASE"
  fi
  for n in $SIZES; do
    [ "$n" -ge 10 ] || die "sizes must be at least 10"
    label=$backend-$n
    if [ "$backend" = postgres ]; then
      db=opsdesk_people_$$_$n
      psql -X -q -v ON_ERROR_STOP=1 "$PG_BASE/postgres" -c "CREATE DATABASE \"$db\"" >/dev/null || die "cannot create a database on $PG_BASE"
      DATABASES+=("$db")
      url=$PG_BASE/$db
    else
      url=$WORK/$label.db
    fi

    log "$label: migrate"
    DATABASE_URL=$url RUST_LOG=warn "$BIN" migrate >"$WORK/$label-migrate.log" 2>&1 || { cat "$WORK/$label-migrate.log" >&2; die "opsdesk migrate failed ($label)"; }

    log "$label: seed $n employees"
    seed_sql "$backend" "$n" >"$WORK/seed.sql"
    t0=$(now_s)
    if [ "$backend" = postgres ]; then
      timeout "$SEED_TIMEOUT" psql -X -q "$url" -f "$WORK/seed.sql" >"$WORK/seed.log" 2>&1 || { cat "$WORK/seed.log" >&2; die "seed failed ($label)"; }
      SIZE[$label]=$(q postgres "$url" "SELECT round(pg_database_size(current_database()) / 1048576.0, 1)")
    else
      timeout "$SEED_TIMEOUT" sqlite3 "$url" <"$WORK/seed.sql" >"$WORK/seed.log" 2>&1 || { cat "$WORK/seed.log" >&2; die "seed failed ($label)"; }
      SIZE[$label]=$(awk -v b="$(stat -c %s "$url")" 'BEGIN { printf "%.1f", b / 1048576 }')
    fi
    SEED[$label]=$(elapsed "$t0")
    [ "$(q "$backend" "$url" "SELECT COUNT(*) FROM employees")" = "$n" ] || die "seed did not produce $n employees ($label)"
    [ "$(q "$backend" "$url" "SELECT COUNT(*) FROM compensation")" = "$((2 * n))" ] || die "seed did not produce $((2 * n)) compensation rows ($label)"
    dept=$(q "$backend" "$url" "SELECT id FROM departments WHERE code = '$FILTER_DEPARTMENT'")
    log "$label: seeded in ${SEED[$label]} s, ${SIZE[$label]} MiB"

    start_server "$label" "$url"
    declare -A URL=(
      [dept]="$BASE/api/v1/employees?department_id=$dept&limit=50"
      [q]="$BASE/api/v1/employees?q=$RARE&limit=50"
      [name]="$BASE/api/v1/employees?sort=name&limit=50"
      [report]="$BASE/api/v1/reports/departments"
    )
    for ep in "${ENDPOINTS[@]}"; do check "$label-$ep" "${URL[$ep]}"; done
    ITEMS_DEPT[$label]=$(count_items "$label-dept" employee_number)
    ITEMS_Q[$label]=$(count_items "$label-q" employee_number)
    REPORT_DEPTS[$label]=$(count_items "$label-report" code)
    [ "${ITEMS_DEPT[$label]}" -ge 1 ] || die "the department list is empty ($label)"
    [ "${ITEMS_Q[$label]}" = 5 ] || die "the search found ${ITEMS_Q[$label]} people, not 5 ($label)"
    [ "${REPORT_DEPTS[$label]}" = "$DEPARTMENTS" ] || die "the report has ${REPORT_DEPTS[$label]} departments, not $DEPARTMENTS ($label)"
    grep -q '"current_compensation":{' "$WORK/$label-dept.json" \
      || die "no current compensation in the admin's department list ($label): the full view is not measured"

    for ep in "${ENDPOINTS[@]}"; do measure "$label|$ep" "${URL[$ep]}"; done
    unset URL

    if [ "$n" = "$LARGEST" ]; then
      log "$label: query plans -> $PLANS"
      { printf '==== %s, %s employees ====\n' "$backend" "$n"; plans "$backend" "$url" "$dept"; echo; } >>"$PLANS" 2>&1 || log "could not explain the queries ($label)"
    fi

    stop_pid "$SERVER_PID"
    if [ "$backend" = postgres ]; then drop_database "$db"; else rm -f "$url" "$url-wal" "$url-shm"; fi
  done
done
ELAPSED=$SECONDS

# --- report -------------------------------------------------------------------------------------
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f", a / b; else print "n/a" }'; }
verdict() { # backend endpoint
  local b=$1 ep=$2 small="$1-$SMALLEST" big="$1-$LARGEST" rp50 rp99 grow
  [ -n "${P50[$b-$SMALLEST|$ep]:-}" ] && [ -n "${P50[$b-$LARGEST|$ep]:-}" ] || return 0
  rp50=$(ratio "${P50[$b-$LARGEST|$ep]}" "${P50[$b-$SMALLEST|$ep]}")
  rp99=$(ratio "${P99[$b-$LARGEST|$ep]}" "${P99[$b-$SMALLEST|$ep]}")
  grow=$(ratio "$LARGEST" "$SMALLEST")
  if [ "$ep" = report ]; then
    local word
    word=$(awk -v r="$rp50" -v g="$grow" 'BEGIN { if (r > 1.5 * g) print "**grows faster than N**"; else if (r > g / 3) print "grows about as N"; else print "grows slower than N" }')
    printf -- '- %s, %s: %s: p50 ×%s, p99 ×%s from %s to %s employees (×%s); expected to grow, it aggregates everyone (%s → %s ms p50).\n' \
      "$b" "${LABEL[$ep]}" "$word" "$rp50" "$rp99" "$SMALLEST" "$LARGEST" "$grow" "${P50[$b-$SMALLEST|$ep]}" "${P50[$b-$LARGEST|$ep]}"
  else
    local word
    word=$(awk -v r="$rp50" 'BEGIN { if (r <= 1.5) print "roughly flat"; else if (r <= 3) print "grows mildly"; else print "**grows with N**" }')
    printf -- '- %s, %s: %s: p50 ×%s, p99 ×%s from %s to %s employees (%s → %s ms p50; the page stays 50 rows).\n' \
      "$b" "${LABEL[$ep]}" "$word" "$rp50" "$rp99" "$SMALLEST" "$LARGEST" "${P50[$b-$SMALLEST|$ep]}" "${P50[$b-$LARGEST|$ep]}"
  fi
}

BACKGROUND_AVG=$((BACKGROUND_SUM / (PHASES > 0 ? PHASES : 1)))
NOISE="background CPU use before each measurement: average ${BACKGROUND_AVG} %, at most ${BACKGROUND_MAX} %"
if [ "$NOISY_PHASES" != 0 ]; then
  NOISE="$NOISE; **other work (over 10 % CPU, or rustc) at the start of $NOISY_PHASES of $PHASES measurements: figures are noisy**"
else
  NOISE="$NOISE: quiet"
fi

{
  echo "# opsdesk people benchmark, $STARTED_AT"
  echo
  echo "- Machine: $(nproc) cores ($CPU), $(uname -sr); load average $LOAD_AT_START at start, $(cut -d' ' -f1-3 /proc/loadavg) at end; $NOISE"
  echo "- Build: commit $COMMIT, release; PostgreSQL $PG_VERSION on loopback; SQLite bundled, WAL"
  echo "- Data: $DEPARTMENTS departments, N employees spread evenly (5 % terminated, 5 % on leave, 2 compensation rows each); signed in as admin (full view: each page also loads current compensation in one query)"
  echo "- Load: wrk -t1 -c$CONNECTIONS -d${DURATION}s per endpoint after ${WARMUP} s of warm-up; server RUST_LOG=warn; run took ${ELAPSED} s"
  echo
  echo "| Backend | N | Endpoint | Requests/s | p50 ms | p99 ms | Errors |"
  echo "|---|---:|---|---:|---:|---:|---:|"
  for backend in $BACKENDS; do
    for n in $SIZES; do
      for ep in "${ENDPOINTS[@]}"; do
        key="$backend-$n|$ep"
        printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$backend" "$n" "${LABEL[$ep]}" "${RPS[$key]}" "${P50[$key]}" "${P99[$key]}" "${ERRS[$key]}"
      done
    done
  done
  echo
  echo "| Backend | N | Seed + ANALYZE s | Database MiB | Department page items |"
  echo "|---|---:|---:|---:|---:|"
  for backend in $BACKENDS; do
    for n in $SIZES; do
      printf '| %s | %s | %s | %s | %s |\n' "$backend" "$n" "${SEED[$backend-$n]}" "${SIZE[$backend-$n]}" "${ITEMS_DEPT[$backend-$n]}"
    done
  done
  echo
  echo "Growth from $SMALLEST to $LARGEST employees:"
  echo
  for backend in $BACKENDS; do
    for ep in "${ENDPOINTS[@]}"; do verdict "$backend" "$ep"; done
  done
  echo
  echo "Query plans at $LARGEST employees: bench/out/people-plans.txt."
} | tee "$OUT_DIR/people.md"
