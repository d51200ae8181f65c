#!/usr/bin/env bash
# Job desks (tickets) at scale: the ticket list with its filters, a search and the priority sort,
# the time-entry list, the desk report over 28 days and over a year, and ticket creation, at 10k,
# 100k and 1M tickets, on SQLite and on PostgreSQL. For each backend and size it migrates a fresh
# database, seeds it with set-based SQL, serves it and measures each endpoint with wrk at low
# concurrency. Loopback traffic only; every process, database and file it creates is removed on
# exit. See bench/README.md.
#
#   bash bench/tickets.sh        # ~20 minutes after the build; table on stdout and in bench/out/tickets.md
#
# Settings (environment): BENCH_SIZES ("10000 100000 1000000"), BENCH_BACKENDS ("sqlite postgres"),
# BENCH_DURATION (s per endpoint, 8), BENCH_WARMUP (s, 2), BENCH_CONNECTIONS (4),
# BENCH_TIMEOUT (s, wrk's per-request timeout, 30), BENCH_SEED_TIMEOUT (s per seed, 900),
# BENCH_PG_URL (postgres://postgres@127.0.0.1), BENCH_NO_BUILD=1 (use the existing binary).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

SIZES=${BENCH_SIZES:-10000 100000 1000000}
BACKENDS=${BENCH_BACKENDS:-sqlite postgres}
DURATION=${BENCH_DURATION:-8}
WARMUP=${BENCH_WARMUP:-2}
CONNECTIONS=${BENCH_CONNECTIONS:-4}
TIMEOUT=${BENCH_TIMEOUT:-30}
SEED_TIMEOUT=${BENCH_SEED_TIMEOUT:-900}
PG_BASE=${BENCH_PG_URL:-postgres://postgres@127.0.0.1}
PG_BASE=${PG_BASE%/}
OUT_DIR=$ROOT/bench/out
LUA=$ROOT/bench/wrk.lua
BIN=${CARGO_TARGET_DIR:-$ROOT/target}/release/opsdesk
ADMIN_EMAIL=bench-admin@example.com
ADMIN_PASSWORD=bench-admin-password-2026

# The data set (see seed_sql): every size has the same organisation, only the tickets grow.
DEPARTMENTS=20
PER_DEPARTMENT=500 # employees per department
EMPLOYEES=$((DEPARTMENTS * PER_DEPARTMENT))
DESKS=10         # D1..D10, desk d owned by department d
AGENTS=20        # members per desk: employees d, d+20, ..., d+380 (all in department d)
FILTER_DESK=3    # the desk of the filtered lists, the time entries and the creations
RARE_WORD=xylograph # in the subject of exactly 5 tickets, whatever N
RARE_TAG=legal-hold # on exactly 10 tickets, whatever N
SPAN=$((365 * 86400)) # tickets are created evenly over the last 365 days

log() { printf '[tickets %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
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
WORK=$(mktemp -d /tmp/opsdesk-tickets.XXXXXX)
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
# One SQL text for both backends; these variables spell what differs. Pseudo-random choices come
# from multiplicative hashes of the ticket's ordinal g (deterministic: the same data every run).
#
# Ticket g (1..N) is created at NOW - 365 days - 10 min + (g-1) * 365 days / N, so ids follow
# creation time; it belongs to desk 1 + (g-1) % 10 with number (g-1) / 10 + 1 (KEY-n, gapless per
# desk). Status: tickets of the last two days are half active; otherwise 2 % new, 3 % open, 2 %
# pending (a stale backlog), 8 % resolved in the last 30 days (closed before), 5 % cancelled, the
# rest closed.
# Priority low 15 %, normal 55 %, high 22 %, urgent 8 %. 70 % are assigned to a member of their
# desk. Due times follow the desk's SLA (explicit targets on D1-D5, the defaults on D6-D10); the
# first reply comes after 0-1.2x the first-response target, the resolution 0-1.3x the resolution
# target later (so most targets are met), capped at now. Two time entries per ticket (5-60 min,
# 30 % billable at the desk's rate), costed at the worker's rate, half-up like the server.
seed_sql() {
  local backend=$1 n=$2 now=$3 t0 with_n with_e from_n from_e true false least
  t0=$((now - SPAN - 600))
  if [ "$backend" = postgres ]; then
    with_n= with_e=
    from_n="generate_series(1::bigint, $n::bigint) AS s(g)"
    from_e="generate_series(1::bigint, $EMPLOYEES::bigint) AS s(g)"
    true=true false=false least=LEAST
    ts() { printf "(to_timestamp(%s) AT TIME ZONE 'UTC')" "$1"; }
    day() { printf "(to_timestamp(%s) AT TIME ZONE 'UTC')::date" "$1"; }
    echo '\set ON_ERROR_STOP on'
    echo "SET work_mem = '256MB'; SET maintenance_work_mem = '1GB'; SET synchronous_commit = off;"
  else
    with_n="WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < $n)"
    with_e="WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < $EMPLOYEES)"
    from_n=s from_e=s
    true=1 false=0 least=min
    ts() { printf "datetime(%s, 'unixepoch')" "$1"; }
    day() { printf "date(%s, 'unixepoch')" "$1"; }
    echo '.bail on'
    # A fresh file written in one transaction: no WAL copy of every page (the server turns WAL
    # back on when it connects), a large cache for the index inserts.
    echo 'PRAGMA journal_mode = DELETE;'
    echo 'PRAGMA synchronous = OFF;'
    echo 'PRAGMA cache_size = -1048576;'
    echo 'PRAGMA temp_store = MEMORY;'
  fi
  local created
  created=$(ts "$t0 - 86400 * 400")
  cat <<SQL
BEGIN;
-- Organisation: departments, employees with a cost rate since 2015, desks, members, SLA targets.
$with_e
INSERT INTO departments (id, code, name, active, created_at, updated_at, version)
SELECT s.g, 'T' || s.g, 'Department ' || s.g, $true, $created, $created, 1 FROM $from_e WHERE s.g <= $DEPARTMENTS;
$with_e
INSERT INTO employees (id, employee_number, first_name, last_name, work_email, job_title,
    department_id, employment_type, status, start_date, created_at, updated_at, version)
SELECT s.g, 'E' || (100000 + s.g),
    CASE s.g % 8 WHEN 0 THEN 'Anna' WHEN 1 THEN 'Ben' WHEN 2 THEN 'Clara' WHEN 3 THEN 'David'
        WHEN 4 THEN 'Eva' WHEN 5 THEN 'Felix' WHEN 6 THEN 'Greta' ELSE 'Hugo' END,
    'Person' || s.g, 'person' || s.g || '@example.com',
    CASE WHEN (s.g - 1) / $DEPARTMENTS < $AGENTS THEN 'Agent' ELSE 'Staff' END,
    1 + (s.g - 1) % $DEPARTMENTS, 'full_time', 'active', '2015-01-01', $created, $created, 1
FROM $from_e;
INSERT INTO compensation (employee_id, effective_from, hourly_cost_rate, currency, created_at)
SELECT id, '2015-01-01', 2500 + (id * 7919) % 6000, 'EUR', $created FROM employees ORDER BY id;
INSERT INTO counters (name, value) VALUES ('employee_number', 100000 + $EMPLOYEES)
    ON CONFLICT (name) DO UPDATE SET value = excluded.value;
INSERT INTO desks (id, key, name, department_id, billing_rate, currency, active, created_at, updated_at, version)
SELECT id, 'D' || id, 'Desk ' || id, id, 9000 + 500 * id, 'EUR', $true, $created, $created, 1
FROM departments WHERE id <= $DESKS;
INSERT INTO desk_members (desk_id, employee_id, added_at)
SELECT d.id, e.id, $created FROM desks d JOIN employees e ON e.department_id = d.id
WHERE (e.id - 1) / $DEPARTMENTS < $AGENTS;
INSERT INTO desk_sla_targets (desk_id, priority, first_response_minutes, resolution_minutes)
SELECT d.id, p.priority, p.fr, p.res FROM desks d CROSS JOIN (
    SELECT 'low' AS priority, 480 AS fr, 4320 AS res UNION ALL SELECT 'normal', 120, 960
    UNION ALL SELECT 'high', 30, 480 UNION ALL SELECT 'urgent', 15, 240) AS p
WHERE d.id <= 5;
-- The SLA in force per desk and priority: stored targets, else the server's defaults.
CREATE TEMP TABLE bench_sla AS
SELECT d.id AS desk_id, p.priority, p.prank, COALESCE(t.first_response_minutes, p.fr) AS fr,
    COALESCE(t.resolution_minutes, p.res) AS res
FROM desks d CROSS JOIN (
    SELECT 'low' AS priority, 1 AS prank, 480 AS fr, 4320 AS res UNION ALL SELECT 'normal', 2, 240, 1440
    UNION ALL SELECT 'high', 3, 60, 480 UNION ALL SELECT 'urgent', 4, 15, 240) AS p
LEFT JOIN desk_sla_targets t ON t.desk_id = d.id AND t.priority = p.priority;

-- One row of facts per ticket, in epoch seconds; the inserts below only spell them.
CREATE TEMP TABLE bench_t AS
$with_n
SELECT c3.*,
    CASE WHEN st = 'new' THEN NULL WHEN st = 'open' THEN (CASE WHEN c + r < $now THEN c + r END)
        WHEN st = 'cancelled' THEN NULL WHEN st = 'pending' THEN $least(c + r, x) ELSE $least(c + r, y) END AS fra,
    CASE WHEN st IN ('resolved', 'closed') THEN y END AS rsa,
    CASE WHEN st = 'closed' THEN $least(y + 172800, $now - 1) WHEN st = 'cancelled' THEN z END AS csa,
    CASE WHEN st IN ('resolved', 'closed') THEN y WHEN st = 'pending' THEN x WHEN st = 'cancelled' THEN z END AS sta
FROM (
  SELECT c2.*, $least(c + r + w, $now - 1) AS y, $least(c + r + w / 2, $now - 1) AS x, $least(c + r, $now - 1) AS z
  FROM (
    SELECT b.*, sla.fr, sla.res, sla.fr * 60 * rf * 12 / 10000 AS r, sla.res * 60 * wf * 13 / 10000 AS w
    FROM (
      SELECT a.g, a.d, a.num, a.c, a.h, a.h2, a.h3, a.h4,
          CASE WHEN a.h % 100 < 15 THEN 'low' WHEN a.h % 100 < 70 THEN 'normal'
              WHEN a.h % 100 < 92 THEN 'high' ELSE 'urgent' END AS priority,
          CASE WHEN (a.h / 100) % 100 < 25 THEN 'inquiry' WHEN (a.h / 100) % 100 < 55 THEN 'incident'
              WHEN (a.h / 100) % 100 < 90 THEN 'request' ELSE 'task' END AS kind,
          CASE
              WHEN a.c > $now - 172800 AND (a.h / 10000) % 100 < 50 THEN
                  CASE WHEN (a.h / 10000) % 100 < 20 THEN 'new' WHEN (a.h / 10000) % 100 < 40 THEN 'open' ELSE 'pending' END
              WHEN (a.h / 10000) % 100 < 2 THEN 'new'
              WHEN (a.h / 10000) % 100 < 5 THEN 'open'
              WHEN (a.h / 10000) % 100 < 7 THEN 'pending'
              WHEN (a.h / 10000) % 100 < 15 THEN CASE WHEN a.c > $now - 30 * 86400 THEN 'resolved' ELSE 'closed' END
              WHEN (a.h / 10000) % 100 < 20 THEN 'cancelled'
              ELSE 'closed' END AS st,
          CASE WHEN (a.h / 1000000) % 10 < 7 THEN a.d + $DEPARTMENTS * ((a.h3 / 1000) % $AGENTS) END AS asg,
          a.d + $DEPARTMENTS * ((a.h3 / 100000) % $AGENTS) AS worker,
          1 + (a.h2 / 1000) % $EMPLOYEES AS req,
          (a.h2 / 1000000) % 1000 AS rf, (a.h3 / 1000000) % 1000 AS wf,
          5 + (a.h4 / 1000) % 56 AS m0, 5 + (a.h4 / 56000) % 56 AS m1,
          CASE WHEN (a.h4 / 3136000) % 10 < 3 THEN 1 ELSE 0 END AS b0,
          CASE WHEN (a.h4 / 31360000) % 10 < 3 THEN 1 ELSE 0 END AS b1
      FROM (
        SELECT s.g, 1 + (s.g - 1) % $DESKS AS d, (s.g - 1) / $DESKS + 1 AS num,
            $t0 + (s.g - 1) * $SPAN / $n AS c,
            (s.g * 2654435761) % 4294967291 AS h,
            (s.g * 2246822519 + 374761393) % 4294967291 AS h2,
            (s.g * 3266489917 + 668265263) % 4294967291 AS h3,
            (s.g * 668265263 + 2654435761) % 4294967291 AS h4
        FROM $from_n
      ) AS a
    ) AS b
    JOIN bench_sla sla ON sla.desk_id = b.d AND sla.priority = b.priority
  ) AS c2
) AS c3;
$([ "$backend" = postgres ] && echo 'ANALYZE bench_t; ANALYZE bench_sla;')

INSERT INTO tickets (id, desk_id, number, reference, subject, description, kind, priority, priority_rank,
    status, requester_employee_id, assignee_id, created_at, updated_at, first_response_due_at,
    first_response_at, resolution_due_at, paused_micros, clock_stopped_at, resolved_at, closed_at,
    time_spent_minutes, version)
SELECT t.g, t.d, t.num, 'D' || t.d || '-' || t.num,
    CASE WHEN t.g % ($n / 5) = $n / 10 THEN 'Xylograph plotter offline'
    ELSE CASE (t.h3 / 7) % 10 WHEN 0 THEN 'VPN drops every hour' WHEN 1 THEN 'Laptop will not boot'
        WHEN 2 THEN 'Password reset' WHEN 3 THEN 'New starter equipment' WHEN 4 THEN 'Printer jams on floor 3'
        WHEN 5 THEN 'Access to the shared drive' WHEN 6 THEN 'Invoice query' WHEN 7 THEN 'Monitor flickers'
        WHEN 8 THEN 'Mailbox full' ELSE 'Software licence renewal' END END,
    CASE (t.h4 / 7) % 5 WHEN 0 THEN 'Reported by phone.' WHEN 1 THEN 'Since this morning.'
        WHEN 2 THEN 'Restarted, no change.' WHEN 3 THEN 'Urgent for the audit.' ELSE 'See the attached notes.' END,
    t.kind, t.priority, sla.prank, t.st, t.req, t.asg,
    $(ts t.c), $(ts "COALESCE(t.csa, t.rsa, t.sta, t.fra, t.c)"), $(ts "t.c + t.fr * 60"), $(ts t.fra),
    $(ts "t.c + t.res * 60"), 0, $(ts t.sta), $(ts t.rsa), $(ts t.csa), t.m0 + t.m1, 1
FROM bench_t t JOIN bench_sla sla ON sla.desk_id = t.d AND sla.priority = t.priority
ORDER BY t.g;

INSERT INTO counters (name, value)
SELECT 'ticket:' || d.key, MAX(t.number) FROM tickets t JOIN desks d ON d.id = t.desk_id GROUP BY d.key;

INSERT INTO ticket_tags (ticket_id, tag)
SELECT g, CASE (h2 / 1000) % 8 WHEN 0 THEN 'hardware' WHEN 1 THEN 'software' WHEN 2 THEN 'network'
    WHEN 3 THEN 'access' WHEN 4 THEN 'billing' WHEN 5 THEN 'onboarding' WHEN 6 THEN 'printer' ELSE 'email' END
FROM bench_t
UNION ALL
SELECT g, '$RARE_TAG' FROM bench_t WHERE g % ($n / 10) = $n / 20;

-- Two entries per ticket: on the day it was created and a day later (at most now), by its
-- assignee or else one of the desk's agents, at that person's rate; 30 % billable.
INSERT INTO time_entries (ticket_id, desk_id, department_id, employee_id, work_date, minutes, billable,
    hourly_cost_rate, cost, cost_currency, billing_rate, billing_currency, billable_amount,
    created_at, updated_at, version)
SELECT e.g, e.d, dk.department_id, e.emp, $(day e.at), e.m, CASE WHEN e.b = 1 THEN $true ELSE $false END,
    comp.hourly_cost_rate, (e.m * comp.hourly_cost_rate + 30) / 60, 'EUR',
    CASE WHEN e.b = 1 THEN dk.billing_rate END, CASE WHEN e.b = 1 THEN dk.currency END,
    CASE WHEN e.b = 1 THEN (e.m * dk.billing_rate + 30) / 60 END,
    $(ts e.at), $(ts e.at), 1
FROM (
  SELECT t.g, t.d, COALESCE(t.asg, t.worker) AS emp, v.k,
      $least(t.c + v.k * 86400 + 1800, $now - 1) AS at,
      CASE WHEN v.k = 0 THEN t.m0 ELSE t.m1 END AS m,
      CASE WHEN v.k = 0 THEN t.b0 ELSE t.b1 END AS b
  FROM bench_t t CROSS JOIN (SELECT 0 AS k UNION ALL SELECT 1) AS v
) AS e
JOIN desks dk ON dk.id = e.d
JOIN compensation comp ON comp.employee_id = e.emp
ORDER BY e.g, e.k;
DROP TABLE bench_t;
DROP TABLE bench_sla;
SQL
  if [ "$backend" = postgres ]; then
    cat <<SQL
SELECT setval(pg_get_serial_sequence('departments', 'id'), $DEPARTMENTS);
SELECT setval(pg_get_serial_sequence('employees', 'id'), $EMPLOYEES);
SELECT setval(pg_get_serial_sequence('compensation', 'id'), (SELECT max(id) FROM compensation));
SELECT setval(pg_get_serial_sequence('desks', 'id'), $DESKS);
SELECT setval(pg_get_serial_sequence('tickets', 'id'), $n);
COMMIT;
VACUUM ANALYZE;
SQL
  else
    cat <<SQL
COMMIT;
ANALYZE;
PRAGMA journal_mode = WAL;
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
  # The first start over seeded data books it into the cost book (as an upgrade does): allow for it.
  local tries=$((${BENCH_START_TIMEOUT:-900} * 5))
  for i in $(seq 1 "$tries"); do
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      tail -n 20 "$WORK/$label.log" >&2
      die "the $label server exited during start-up"
    fi
    [ "$(curl -s --max-time 2 -o /dev/null -w '%{http_code}' "$BASE/health/ready")" = 200 ] && break
    [ "$i" = "$tries" ] && { tail -n 20 "$WORK/$label.log" >&2; die "the $label server was not ready within ${BENCH_START_TIMEOUT:-900} s"; }
    sleep 0.2
  done
  body=$(curl -sS --max-time 30 -X POST "$BASE/api/v1/auth/login" -H 'Content-Type: application/json' \
    -d "{\"email\":\"$ADMIN_EMAIL\",\"password\":\"$ADMIN_PASSWORD\"}")
  TOKEN=$(printf '%s' "$body" | sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p')
  [ -n "$TOKEN" ] || die "sign-in failed ($label): $body"
}

# check NAME URL: the URL must answer 200 (or the figures mean nothing); the body is kept in
# $WORK/NAME.json. Then three requests one at a time: their median is the unloaded latency.
declare -A SINGLE
check() {
  local name=$1 url=$2 code i times=()
  code=$(curl -sS --max-time 300 -o "$WORK/$name.json" -w '%{http_code}' "$url" -H "Authorization: Bearer $TOKEN") || code=000
  if [ "$code" != 200 ]; then
    head -c 600 "$WORK/$name.json" >&2 2>/dev/null || true
    echo >&2
    die "$url answered $code"
  fi
  for i in 1 2 3; do
    times+=("$(curl -sS --max-time 300 -o /dev/null -w '%{time_total}' "$url" -H "Authorization: Bearer $TOKEN")")
  done
  SINGLE[$name]=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 2p | awk '{ printf "%.1f", $1 * 1000 }')
}
count_items() { grep -o "\"$2\":" "$WORK/$1.json" | wc -l | tr -d ' '; }

declare -A RPS P50 P99 ERRS SEED SIZE NREQ
# wrk_run URL DURATION OUT [NAME=VALUE...]: one wrk run with the token and extra environment.
wrk_run() {
  local url=$1 duration=$2 out=$3
  shift 3
  env BENCH_TOKEN="$TOKEN" "$@" wrk -t1 -c"$CONNECTIONS" -d"${duration}s" --timeout "${TIMEOUT}s" -s "$LUA" "$url" >"$out" 2>&1
}
# measure KEY URL SINGLE_MS [NAME=VALUE...]: warm-up, then wrk; records req/s, p50/p99 (ms) and
# answers >= 400 plus socket errors (timeouts included) under KEY. An endpoint that answers in
# SINGLE_MS one at a time and would finish fewer than ~3 requests per connection in
# BENCH_DURATION is measured longer (up to 60 s) without a warm-up (the check warmed it), and the
# requests wrk leaves in flight are given time to finish so they do not load the next measurement.
declare -A DUR
measure() {
  local key=$1 url=$2 single=$3 line duration=$DURATION drain=0.3 need
  shift 3
  need=$(awk -v s="$single" -v c="$CONNECTIONS" 'BEGIN { n = s * c * 3 / 1000; printf "%d", (n == int(n)) ? n : int(n) + 1 }')
  if [ "$need" -gt "$DURATION" ]; then
    duration=$((need > 60 ? 60 : need))
    drain=$(awk -v s="$single" -v c="$CONNECTIONS" 'BEGIN { printf "%.1f", s * c / 1000 + 1 }')
  else
    wrk_run "$url" "$WARMUP" "$WORK/warmup.out" "$@" || true
    sleep 0.3 # let the warm-up's last answers finish before sampling the machine
  fi
  sample_noise
  DUR[$key]=$duration
  wrk_run "$url" "$duration" "$WORK/wrk.out" "$@" || { cat "$WORK/wrk.out" >&2; die "wrk failed ($key)"; }
  sleep "$drain"
  line=$(grep '^RESULT ' "$WORK/wrk.out") || { cat "$WORK/wrk.out" >&2; die "no result from wrk ($key)"; }
  field() { printf '%s\n' "$line" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
  NREQ[$key]=$(field requests)
  RPS[$key]=$(awk -v n="$(field requests)" -v d="$(field duration_us)" 'BEGIN { printf "%.1f", n / (d / 1e6) }')
  if [ "${NREQ[$key]}" -gt 0 ]; then
    P50[$key]=$(awk -v v="$(field p50_us)" 'BEGIN { printf "%.2f", v / 1000 }')
    P99[$key]=$(awk -v v="$(field p99_us)" 'BEGIN { printf "%.2f", v / 1000 }')
  else
    P50[$key]=n/a P99[$key]=n/a
  fi
  ERRS[$key]=$(($(field status_errors) + $(field socket_errors)))
  log "$key: ${RPS[$key]} req/s, p50 ${P50[$key]} ms, p99 ${P99[$key]} ms, errors ${ERRS[$key]} (${NREQ[$key]} requests in $duration s)"
}

ENDPOINTS=(all desk_open assignee tag breached q priority time report28 report365)
declare -A LABEL=(
  [all]="GET /tickets (newest first)"
  [desk_open]="GET /tickets?desk_id=(D$FILTER_DESK)&status=open"
  [assignee]="GET /tickets?assignee_id=(agent)&active=true"
  [tag]="GET /tickets?tag=$RARE_TAG (10 tickets)"
  [breached]="GET /tickets?breached=true&desk_id=(D$FILTER_DESK)"
  [q]="GET /tickets?q=$RARE_WORD (5 tickets)"
  [priority]="GET /tickets?sort=priority&active=true"
  [time]="GET /time-entries?desk_id=(D$FILTER_DESK)&from&to (30 days)"
  [report28]="GET /reports/desks (28 days)"
  [report365]="GET /reports/desks (365 days)"
  [create]="POST /tickets"
)

# --- query plans (what the server runs, spelled with literals) ------------------------------------
plans() { # backend url desk agent today time_from time_to
  local backend=$1 url=$2 desk=$3 agent=$4 today=$5 tfrom=$6 tto=$7 explain now active search
  local d28 d365 end
  now=$(date -u '+%Y-%m-%d %H:%M:%S')
  d28=$(date -u -d "$today -27 days" +%F)
  d365=$(date -u -d "$today -364 days" +%F)
  end=$(date -u -d "$today +1 day" +%F)
  if [ "$backend" = postgres ]; then
    explain="EXPLAIN (ANALYZE, BUFFERS)"
    active="status = ANY('{new,open,pending}'::text[])"
    search="lower(subject || ' ' || description) LIKE '%$RARE_WORD%' ESCAPE '\\'"
  else
    explain="EXPLAIN QUERY PLAN"
    active="status IN ('new', 'open', 'pending')"
    search="id IN (SELECT rowid FROM tickets_search WHERE tickets_search MATCH '\"$RARE_WORD\"')"
  fi
  local secs_c secs_r week_c week_r
  if [ "$backend" = postgres ]; then
    secs_c="CAST(FLOOR(EXTRACT(EPOCH FROM (first_response_at - created_at))) AS BIGINT)"
    secs_r="CAST(FLOOR(EXTRACT(EPOCH FROM (resolved_at - created_at))) AS BIGINT)"
    week_c="CAST(FLOOR(EXTRACT(EPOCH FROM (created_at - TIMESTAMP 'WEEK0'))) AS BIGINT) / 604800"
    week_r="CAST(FLOOR(EXTRACT(EPOCH FROM (resolved_at - TIMESTAMP 'WEEK0'))) AS BIGINT) / 604800"
  else
    secs_c="(unixepoch(first_response_at) - unixepoch(created_at))"
    secs_r="(unixepoch(resolved_at) - unixepoch(created_at))"
    week_c="(unixepoch(created_at) - unixepoch('WEEK0')) / 604800"
    week_r="(unixepoch(resolved_at) - unixepoch('WEEK0')) / 604800"
  fi
  local -a queries=(
    "SELECT * FROM tickets ORDER BY id DESC LIMIT 51"
    "SELECT * FROM tickets WHERE desk_id = $desk AND status = 'open' ORDER BY id DESC LIMIT 51"
    "SELECT * FROM tickets WHERE assignee_id = $agent AND $active ORDER BY id DESC LIMIT 51"
    "SELECT * FROM tickets WHERE id IN (SELECT ticket_id FROM ticket_tags WHERE tag = '$RARE_TAG') ORDER BY id DESC LIMIT 51"
    "SELECT * FROM tickets WHERE desk_id = $desk AND (tickets.resolution_due_at < COALESCE(tickets.clock_stopped_at, '$now') OR tickets.first_response_due_at < COALESCE(tickets.first_response_at, CASE WHEN tickets.status IN ('new', 'open', 'pending') THEN '$now' ELSE COALESCE(tickets.clock_stopped_at, '$now') END)) ORDER BY id DESC LIMIT 51"
    "SELECT * FROM tickets WHERE $search ORDER BY id DESC LIMIT 51"
    "SELECT * FROM tickets WHERE $active ORDER BY priority_rank DESC, id ASC LIMIT 51"
    "SELECT * FROM time_entries WHERE desk_id = $desk AND work_date >= '$tfrom' AND work_date <= '$tto' ORDER BY id ASC LIMIT 51"
  )
  local period from week0
  for period in 28 365; do
    if [ "$period" = 28 ]; then from=$d28; else from=$d365; fi
    week0=$(date -u -d "$from -$(($(date -u -d "$from" +%u) - 1)) days" +%F)
    queries+=(
      "SELECT desk_id, assignee_id, status, CASE WHEN created_at >= '$(date -u -d '1 day ago' '+%F %T')' THEN 0 WHEN created_at >= '$(date -u -d '3 days ago' '+%F %T')' THEN 1 WHEN created_at >= '$(date -u -d '7 days ago' '+%F %T')' THEN 2 WHEN created_at >= '$(date -u -d '30 days ago' '+%F %T')' THEN 3 ELSE 4 END AS bucket, COUNT(*) FROM tickets WHERE status IN ('new', 'open', 'pending') GROUP BY desk_id, assignee_id, status, bucket"
      "SELECT desk_id, assignee_id, ${week_c//WEEK0/$week0 00:00:00} AS week, COUNT(*) FROM tickets WHERE created_at >= '$from 00:00:00' AND created_at < '$end 00:00:00' GROUP BY desk_id, assignee_id, week"
      "SELECT desk_id, assignee_id, ${week_r//WEEK0/$week0 00:00:00} AS week, COUNT(*) FROM tickets WHERE resolved_at >= '$from 00:00:00' AND resolved_at < '$end 00:00:00' GROUP BY desk_id, assignee_id, week"
      "SELECT desk_id, assignee_id, $secs_c AS seconds FROM tickets WHERE first_response_at >= '$from 00:00:00' AND first_response_at < '$end 00:00:00'"
      "SELECT desk_id, assignee_id, $secs_r AS seconds, CASE WHEN resolution_due_at >= COALESCE(clock_stopped_at, resolved_at) AND first_response_due_at >= COALESCE(first_response_at, clock_stopped_at, resolved_at) THEN 1 ELSE 0 END AS met FROM tickets WHERE resolved_at >= '$from 00:00:00' AND resolved_at < '$end 00:00:00'"
      "SELECT desk_id, employee_id, currency, SUM(quantity), SUM(amount) FROM cost_lines WHERE kind = 'labour' AND occurred_on >= '$from' AND occurred_on <= '$today' AND desk_id IS NOT NULL AND employee_id IS NOT NULL GROUP BY desk_id, employee_id, currency"
    )
  done
  local sql
  for sql in "${queries[@]}"; do
    printf '\n-- %s\n' "$sql"
    if [ "$backend" = postgres ]; then
      q "$backend" "$url" "$explain $sql"
    else
      q "$backend" "$url" "$explain $sql"
      # EXPLAIN QUERY PLAN has no timing: run the query once, counting its rows.
      printf '.timer on\nSELECT COUNT(*) AS n FROM (%s);\n' "$sql" | sqlite3 -bail "$url"
    fi
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
PLANS=$OUT_DIR/tickets-plans.txt
: >"$PLANS"
declare -A CREATED NUMBERS ITEMS

for backend in $BACKENDS; do
  case $backend in sqlite | postgres) ;; *) die "unknown backend $backend (sqlite, postgres)" ;; esac
  if [ "$backend" = postgres ]; then
    PG_VERSION=$(psql -X -At "$PG_BASE/postgres" -c 'SHOW server_version') || die "cannot reach PostgreSQL at $PG_BASE"
  fi
  for n in $SIZES; do
    [ "$n" -ge 100 ] && [ $((n % 20)) = 0 ] || die "sizes must be multiples of 20, at least 100"
    label=$backend-$n
    if [ "$backend" = postgres ]; then
      db=bench_tickets_$$_$n
      psql -X -q -v ON_ERROR_STOP=1 "$PG_BASE/postgres" -c "CREATE DATABASE \"$db\"" >/dev/null || die "cannot create a database on $PG_BASE"
      DATABASES+=("$db")
      url=$PG_BASE/$db
    else
      url=$WORK/$label.db
    fi

    log "$label: migrate"
    DATABASE_URL=$url RUST_LOG=warn "$BIN" migrate >"$WORK/$label-migrate.log" 2>&1 || { cat "$WORK/$label-migrate.log" >&2; die "opsdesk migrate failed ($label)"; }

    log "$label: seed $n tickets"
    seed_sql "$backend" "$n" "$(date -u +%s)" >"$WORK/seed.sql"
    t0=$(now_s)
    if [ "$backend" = postgres ]; then
      timeout "$SEED_TIMEOUT" psql -X -q "$url" -f "$WORK/seed.sql" >"$WORK/seed.log" 2>&1 || { cat "$WORK/seed.log" >&2; die "seed failed or took over $SEED_TIMEOUT s ($label)"; }
      SIZE[$label]=$(q postgres "$url" "SELECT round(pg_database_size(current_database()) / 1048576.0, 1)")
    else
      timeout "$SEED_TIMEOUT" sqlite3 "$url" <"$WORK/seed.sql" >"$WORK/seed.log" 2>&1 || { cat "$WORK/seed.log" >&2; die "seed failed or took over $SEED_TIMEOUT s ($label)"; }
      SIZE[$label]=$(awk -v b="$(stat -c %s "$url")" 'BEGIN { printf "%.1f", b / 1048576 }')
    fi
    SEED[$label]=$(elapsed "$t0")
    [ "$(q "$backend" "$url" "SELECT COUNT(*) FROM tickets")" = "$n" ] || die "seed did not produce $n tickets ($label)"
    [ "$(q "$backend" "$url" "SELECT COUNT(*) FROM ticket_tags")" = "$((n + 10))" ] || die "seed did not produce $((n + 10)) tags ($label)"
    [ "$(q "$backend" "$url" "SELECT COUNT(*) FROM time_entries")" = "$((2 * n))" ] || die "seed did not produce $((2 * n)) time entries ($label)"
    [ "$(q "$backend" "$url" "SELECT COUNT(*) FROM counters c JOIN desks d ON c.name = 'ticket:' || d.key WHERE c.value = (SELECT MAX(number) FROM tickets t WHERE t.desk_id = d.id)")" = "$DESKS" ] \
      || die "the ticket counters do not match the seeded numbers ($label)"
    log "$label: seeded in ${SEED[$label]} s, ${SIZE[$label]} MiB; statuses: $(q "$backend" "$url" "SELECT status || '=' || COUNT(*) FROM tickets GROUP BY status ORDER BY status" | tr '\n' ' ')"

    desk=$(q "$backend" "$url" "SELECT id FROM desks WHERE key = 'D$FILTER_DESK'")
    # The desk's agent with the most active tickets; a requester for the creations.
    agent=$(q "$backend" "$url" "SELECT assignee_id FROM tickets WHERE desk_id = $desk AND status IN ('new', 'open', 'pending') AND assignee_id IS NOT NULL GROUP BY assignee_id ORDER BY COUNT(*) DESC, assignee_id LIMIT 1")
    requester=$(q "$backend" "$url" "SELECT id FROM employees WHERE department_id = $DEPARTMENTS ORDER BY id LIMIT 1")
    today=$(date -u +%F)
    tfrom=$(date -u -d "$today -120 days" +%F)
    tto=$(date -u -d "$tfrom +30 days" +%F)
    year_from=$(date -u -d "$today -364 days" +%F)

    start_server "$label" "$url"
    declare -A URL=(
      [all]="$BASE/api/v1/tickets"
      [desk_open]="$BASE/api/v1/tickets?desk_id=$desk&status=open"
      [assignee]="$BASE/api/v1/tickets?assignee_id=$agent&active=true"
      [tag]="$BASE/api/v1/tickets?tag=$RARE_TAG"
      [breached]="$BASE/api/v1/tickets?breached=true&desk_id=$desk"
      [q]="$BASE/api/v1/tickets?q=$RARE_WORD"
      [priority]="$BASE/api/v1/tickets?sort=priority&active=true"
      [time]="$BASE/api/v1/time-entries?desk_id=$desk&from=$tfrom&to=$tto"
      [report28]="$BASE/api/v1/reports/desks"
      [report365]="$BASE/api/v1/reports/desks?from=$year_from&to=$today"
    )
    for ep in "${ENDPOINTS[@]}"; do
      check "$label-$ep" "${URL[$ep]}"
      case $ep in
        time) ITEMS[$label|$ep]=$(count_items "$label-$ep" work_date) ;;
        report*) ITEMS[$label|$ep]=$(count_items "$label-$ep" key) ;;
        *) ITEMS[$label|$ep]=$(grep -o '"number":"D' "$WORK/$label-$ep.json" | wc -l | tr -d ' ') ;;
      esac
      log "$label: $ep answers 200 with ${ITEMS[$label|$ep]} items; one at a time ${SINGLE[$label-$ep]} ms"
    done
    [ "${ITEMS[$label|all]}" = 50 ] || die "the default list has ${ITEMS[$label|all]} tickets, not 50 ($label)"
    [ "${ITEMS[$label|tag]}" = 10 ] || die "the tag filter found ${ITEMS[$label|tag]} tickets, not 10 ($label)"
    [ "${ITEMS[$label|q]}" = 5 ] || die "the search found ${ITEMS[$label|q]} tickets, not 5 ($label)"
    for ep in desk_open assignee breached priority time; do
      [ "${ITEMS[$label|$ep]}" -ge 1 ] || die "$ep is empty ($label): nothing would be measured"
    done
    [ "${ITEMS[$label|report28]}" = "$DESKS" ] || die "the report has ${ITEMS[$label|report28]} desks, not $DESKS ($label)"
    [ "${ITEMS[$label|report365]}" = "$DESKS" ] || die "the year report has ${ITEMS[$label|report365]} desks, not $DESKS ($label)"

    for ep in "${ENDPOINTS[@]}"; do measure "$label|$ep" "${URL[$ep]}" "${SINGLE[$label-$ep]}"; done

    if [ "$n" = "$LARGEST" ]; then
      log "$label: query plans -> $PLANS"
      { printf '==== %s, %s tickets ====\n' "$backend" "$n"; plans "$backend" "$url" "$desk" "$agent" "$today" "$tfrom" "$tto"; echo; } >>"$PLANS" 2>&1 || log "could not explain the queries ($label)"
    fi

    # Creation: POST /tickets to one desk, no Idempotency-Key; every number must be used once.
    body="{\"desk_id\":$desk,\"subject\":\"Bench\",\"requester_employee_id\":$requester}"
    code=$(curl -sS --max-time 60 -o "$WORK/$label-create.json" -w '%{http_code}' -X POST "$BASE/api/v1/tickets" \
      -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -d "$body") || code=000
    [ "$code" = 201 ] || { head -c 600 "$WORK/$label-create.json" >&2; echo >&2; die "POST /api/v1/tickets answered $code ($label)"; }
    measure "$label|create" "$BASE/api/v1/tickets" 0 BENCH_METHOD=POST BENCH_BODY="$body" BENCH_COUNT_STATUS=1
    n2xx=$(($(sed -n 's/.* n2xx=\([0-9-]*\).*/\1/p' "$WORK/warmup.out") + $(sed -n 's/.* n2xx=\([0-9-]*\).*/\1/p' "$WORK/wrk.out") + 1))
    ERRS[$label|create]="${ERRS[$label|create]} (5xx $(sed -n 's/.* n5xx=\([0-9-]*\).*/\1/p' "$WORK/wrk.out"))"
    read -r total distinct lowest highest counter created < <(q "$backend" "$url" \
      "SELECT COUNT(*), COUNT(DISTINCT number), MIN(number), MAX(number), (SELECT value FROM counters WHERE name = 'ticket:D$FILTER_DESK'), SUM(CASE WHEN subject = 'Bench' THEN 1 ELSE 0 END) FROM tickets WHERE desk_id = $desk" | tr '|' ' ')
    CREATED[$label]=$created
    if [ "$total" = "$distinct" ] && [ "$lowest" = 1 ] && [ "$highest" = "$total" ] && [ "$counter" = "$highest" ]; then
      NUMBERS[$label]="gapless 1..$highest, unique"
    else
      NUMBERS[$label]="**not gapless**: $total tickets, $distinct numbers, $lowest..$highest, counter $counter"
    fi
    # wrk stops with up to CONNECTIONS requests in flight (per run: warm-up and measurement); the
    # server finishes them, so a few more tickets exist than wrk counted answers.
    if [ "$created" -lt "$n2xx" ] || [ "$created" -gt $((n2xx + 2 * CONNECTIONS)) ]; then
      NUMBERS[$label]="${NUMBERS[$label]}; **$created created but $n2xx answered 2xx**"
    fi
    log "$label: created $created tickets ($n2xx answered 2xx); desk numbers ${NUMBERS[$label]}"
    unset URL

    stop_pid "$SERVER_PID"
    if [ "$backend" = postgres ]; then drop_database "$db"; else rm -f "$url" "$url-wal" "$url-shm" "$url-journal"; fi
  done
done
ELAPSED=$SECONDS
ALL_ENDPOINTS=("${ENDPOINTS[@]}" create)

# --- report -------------------------------------------------------------------------------------
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.1f", a / b; else print "n/a" }'; }
verdict() { # backend endpoint
  local b=$1 ep=$2 rp50 rs grow word small big
  small="$b-$SMALLEST|$ep" big="$b-$LARGEST|$ep"
  [ -n "${P50[$small]:-}" ] && [ -n "${P50[$big]:-}" ] || return 0
  rp50=$(ratio "${P50[$big]}" "${P50[$small]}")
  rs=$(ratio "${SINGLE[$b-$LARGEST-$ep]:-0}" "${SINGLE[$b-$SMALLEST-$ep]:-0}")
  grow=$(ratio "$LARGEST" "$SMALLEST")
  [ "$ep" = create ] && rs=n/a
  # p50 under load decides; the unloaded median only when wrk finished no request.
  word=$(awk -v r="$rp50" -v s="$rs" -v g="$grow" 'BEGIN {
    x = (r == "n/a") ? s : r
    if (x == "n/a") print "n/a"
    else if (x <= 1.5) print "roughly flat"
    else if (x <= 3) print "grows mildly"
    else if (x > g / 3) print "**grows about as N or faster**"
    else print "**grows with N**" }')
  printf -- '- %s, %s: %s: p50 ×%s (%s → %s ms), one at a time ×%s (%s → %s ms), from %s to %s tickets (×%s).\n' \
    "$b" "${LABEL[$ep]}" "$word" "$rp50" "${P50[$small]}" "${P50[$big]}" "$rs" \
    "${SINGLE[$b-$SMALLEST-$ep]:-n/a}" "${SINGLE[$b-$LARGEST-$ep]:-n/a}" "$SMALLEST" "$LARGEST" "$grow"
}

BACKGROUND_AVG=$((BACKGROUND_SUM / (PHASES > 0 ? PHASES : 1)))
NOISE="background CPU use before each measurement: average ${BACKGROUND_AVG} %, at most ${BACKGROUND_MAX} %"
if [ "$NOISY_PHASES" != 0 ]; then
  NOISE="$NOISE; **other work (over 10 % CPU, or rustc) at the start of $NOISY_PHASES of $PHASES measurements: figures are noisy**"
else
  NOISE="$NOISE: quiet"
fi

{
  echo "# opsdesk tickets benchmark, $STARTED_AT"
  echo
  echo "- Machine: $(nproc) cores ($CPU), $(uname -sr); load average $LOAD_AT_START at start, $(cut -d' ' -f1-3 /proc/loadavg) at end; $NOISE"
  echo "- Build: commit $COMMIT, release; PostgreSQL $PG_VERSION on loopback; SQLite bundled, WAL"
  echo "- Data: $DEPARTMENTS departments, $EMPLOYEES employees with a cost rate, $DESKS desks of $AGENTS agents; N tickets over the last 365 days (~7 % new/open/pending, 70 % assigned), 1 tag each (+ '$RARE_TAG' on 10), 2 time entries each; signed in as admin"
  echo "- Load: wrk -t1 -c$CONNECTIONS -d${DURATION}s per endpoint after ${WARMUP} s of warm-up (timeout ${TIMEOUT} s; endpoints slower than ~${DURATION}/(3×$CONNECTIONS) s one at a time run longer, up to 60 s, without warm-up: see Requests (s)); \"1 at a time\" is the median of 3 sequential requests; server RUST_LOG=warn; run took ${ELAPSED} s"
  echo
  echo "| Backend | N | Endpoint | Items | Requests (s) | Requests/s | p50 ms | p99 ms | 1 at a time ms | Errors |"
  echo "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|"
  for backend in $BACKENDS; do
    for n in $SIZES; do
      for ep in "${ALL_ENDPOINTS[@]}"; do
        key="$backend-$n|$ep"
        printf '| %s | %s | %s | %s | %s (%s) | %s | %s | %s | %s | %s |\n' "$backend" "$n" "${LABEL[$ep]}" "${ITEMS[$key]:--}" \
          "${NREQ[$key]}" "${DUR[$key]}" "${RPS[$key]}" "${P50[$key]}" "${P99[$key]}" "${SINGLE[$backend-$n-$ep]:--}" "${ERRS[$key]}"
      done
    done
  done
  echo
  echo "| Backend | N | Seed + ANALYZE s | Database MiB | Tickets created by POST | Desk D$FILTER_DESK numbers after |"
  echo "|---|---:|---:|---:|---:|---|"
  for backend in $BACKENDS; do
    for n in $SIZES; do
      printf '| %s | %s | %s | %s | %s | %s |\n' "$backend" "$n" "${SEED[$backend-$n]}" "${SIZE[$backend-$n]}" \
        "${CREATED[$backend-$n]}" "${NUMBERS[$backend-$n]}"
    done
  done
  echo
  echo "Growth from $SMALLEST to $LARGEST tickets (the lists return at most 50 rows at every size; \"flat\" is the goal):"
  echo
  for backend in $BACKENDS; do
    for ep in "${ALL_ENDPOINTS[@]}"; do verdict "$backend" "$ep"; done
  done
  echo
  echo "Query plans at $LARGEST tickets: bench/out/tickets-plans.txt."
} | tee "$OUT_DIR/tickets.md"
