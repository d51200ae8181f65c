#!/usr/bin/env bash
# The cost book at scale: one budget's variance, the all-departments budget report, the department
# cost report (last year: a closed period, read from the rollups; this year to date) and customer
# profitability (last year), at N time entries (about 1.15 N cost lines) with N/10 bill lines and
# N/20 stock issues, on SQLite and on PostgreSQL (DESIGN.md's goal: each under 500 ms on
# PostgreSQL at 1M time entries and 100k invoice lines; a closed period stays flat as N grows).
# For each backend and size it migrates a fresh database, seeds the producers' tables with
# set-based SQL, opens the books with `opsdesk ledger verify` (booking the seeded data as an
# upgrade does, then recomputing every rollup from the lines), checks one department's actuals
# and last year's cost against the producers' tables, serves it and measures each endpoint
# with wrk at low concurrency. Loopback traffic only; every process, database and file it creates
# is removed on exit. See bench/README.md.
#
#   bash bench/budgets.sh        # ~10 minutes after the build; table on stdout and in bench/out/budgets.md
#
# Settings (environment): BENCH_SIZES (time entries, "100000 1000000"; multiples of 400),
# BENCH_BACKENDS ("sqlite postgres"), BENCH_DURATION (s per endpoint, 8), BENCH_WARMUP (s, 2),
# BENCH_CONNECTIONS (4), BENCH_TIMEOUT (s, 30), BENCH_SEED_TIMEOUT (s per seed, 1200),
# BENCH_PG_URL (postgres://postgres@127.0.0.1), BENCH_NO_BUILD=1 (use the existing binary).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

SIZES=${BENCH_SIZES:-100000 1000000}
BACKENDS=${BENCH_BACKENDS:-sqlite postgres}
DURATION=${BENCH_DURATION:-8}
WARMUP=${BENCH_WARMUP:-2}
CONNECTIONS=${BENCH_CONNECTIONS:-4}
TIMEOUT=${BENCH_TIMEOUT:-30}
SEED_TIMEOUT=${BENCH_SEED_TIMEOUT:-1200}
PG_BASE=${BENCH_PG_URL:-postgres://postgres@127.0.0.1}
PG_BASE=${PG_BASE%/}
OUT_DIR=$ROOT/bench/out
LUA=$ROOT/bench/wrk.lua
BIN=${CARGO_TARGET_DIR:-$ROOT/target}/release/opsdesk
ADMIN_EMAIL=bench-admin@example.com
ADMIN_PASSWORD=bench-admin-password-2026

DEPARTMENTS=20 # one desk each
EMPLOYEES=200  # 10 per department
VENDORS=50
CUSTOMERS=50
ITEMS=100
CHECKED_DEPARTMENT=7 # its actuals are recomputed from the ledgers and compared with the report

log() { printf '[budgets %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# --- shared parts (bench/scale.sh): the work directory and clean-up, the server, measuring ---
# shellcheck source=bench/scale.sh
source "$(dirname "${BASH_SOURCE[0]}")/scale.sh"
bench_workdir budgets
require_tools

# --- seeding ------------------------------------------------------------------------------------
# One SQL text for both backends; shell functions spell what differs. Pseudo-random choices come
# from multiplicative hashes of ordinals (deterministic: the same data every run).
#
# Everything happens between 1 January of last year (day 0) and today (day D). Tickets: N/10, one
# desk each of 20 (desk d belongs to department d), created evenly over the span. Time entries:
# 10 per ticket on the ticket's day and the 9 following (capped at today), 15-240 minutes by one
# of the desk department's 10 employees, costed half-up at the employee's rate (30.00-79.99 an
# hour) like the server. Bills: N/40 from 50 vendors, issued evenly over the span, 4 lines each
# (N/10 lines) of 10.00-499.99 before tax, each charged to a department (hashed) and one of
# services, software, travel, facilities, other; 5 % are drafts (committed), 2 % void. Stock:
# N/20 issues of 1 unit worth 5.00-500.00 from 100 items, to a department (hashed), over the
# span. (Only the issues' values matter to budgets; the ledger's running balances are not
# replayed.) Customers: 50; every other ticket is one of theirs. Budgets: an approved budget per
# department for last year and for this year, every category planned in each month.
CATEGORY="CASE %s %% 5 WHEN 0 THEN 'services' WHEN 1 THEN 'software' WHEN 2 THEN 'travel' WHEN 3 THEN 'facilities' ELSE 'other' END"

seed_sql() { # backend n start span_days this_year
  local backend=$1 n=$2 start=$3 span=$4 this_year=$5 t=$(($2 / 10)) b=$(($2 / 40)) m=$(($2 / 20))
  local with with_t with_b with_m from from_t from_b from_m true false least
  if [ "$backend" = postgres ]; then
    with_t= with_b= with_m= with=
    from_t="generate_series(1::bigint, $t::bigint) AS s(g)"
    from_b="generate_series(1::bigint, $b::bigint) AS s(g)"
    from_m="generate_series(1::bigint, $m::bigint) AS s(g)"
    from="generate_series(1::bigint, $EMPLOYEES::bigint) AS s(g)"
    true=true false=false least=LEAST
    day() { printf "(DATE '%s' + CAST((%s) AS INTEGER))" "$start" "$1"; }
    stamp() { printf "(DATE '%s' + CAST((%s) AS INTEGER) + TIME '%s')" "$start" "$1" "$2"; }
    echo '\set ON_ERROR_STOP on'
    echo "SET work_mem = '256MB'; SET maintenance_work_mem = '1GB'; SET synchronous_commit = off;"
  else
    with_t="WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < $t)"
    with_b="WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < $b)"
    with_m="WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < $m)"
    with="WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < $EMPLOYEES)"
    from_t=s from_b=s from_m=s from=s
    true=1 false=0 least=min
    local jd
    jd=$(sqlite3 :memory: "SELECT julianday('$start')")
    day() { printf "date(%s + (%s))" "$jd" "$1"; }
    stamp() { printf "(date(%s + (%s)) || ' %s')" "$jd" "$1" "$2"; }
    echo '.bail on'
    echo 'PRAGMA journal_mode = DELETE;'
    echo 'PRAGMA synchronous = OFF;'
    echo 'PRAGMA cache_size = -1048576;'
    echo 'PRAGMA temp_store = MEMORY;'
  fi
  local created
  created=$(stamp -30 '08:00:00')
  cat <<SQL
BEGIN;
-- Organisation: departments, employees with a cost rate, one desk per department.
$with
INSERT INTO departments (id, code, name, active, created_at, updated_at, version)
SELECT s.g, 'D' || s.g, 'Department ' || s.g, $true, $created, $created, 1 FROM $from WHERE s.g <= $DEPARTMENTS;
$with
INSERT INTO employees (id, employee_number, first_name, last_name, work_email, job_title,
    department_id, employment_type, status, start_date, created_at, updated_at, version)
SELECT s.g, 'E' || (100000 + s.g), 'Worker', 'Number' || s.g, 'worker' || s.g || '@example.com', 'Engineer',
    1 + (s.g - 1) % $DEPARTMENTS, 'full_time', 'active', '2015-01-01', $created, $created, 1
FROM $from;
INSERT INTO compensation (employee_id, effective_from, hourly_cost_rate, currency, created_at)
SELECT id, '2015-01-01', 3000 + (id * 7919) % 5000, 'EUR', $created FROM employees ORDER BY id;
INSERT INTO desks (id, key, name, department_id, billing_rate, currency, active, created_at, updated_at, version)
SELECT id, 'B' || id, 'Desk ' || id, id, 12000, 'EUR', $true, $created, $created, 1 FROM departments;

-- Tickets and their time entries.
$with_t
INSERT INTO tickets (id, desk_id, number, reference, subject, description, kind, priority, priority_rank, status,
    requester_name, requester_email, created_at, updated_at, first_response_due_at, first_response_at,
    resolution_due_at, resolved_at, closed_at, version)
SELECT x.g, x.desk, x.num, 'B' || x.desk || '-' || x.num, 'Work order ' || x.g, 'Planned work.', 'task', 'normal', 2,
    CASE WHEN x.dd >= $((span - 10)) THEN 'open' ELSE 'closed' END, 'Requester', 'requester@example.com',
    $(stamp x.dd '08:00:00'), $(stamp x.dd '09:00:00'), $(stamp x.dd '12:00:00'), $(stamp x.dd '09:00:00'),
    $(stamp "x.dd + 1" '08:00:00'),
    CASE WHEN x.dd < $((span - 10)) THEN $(stamp "x.dd + 9" '16:00:00') END,
    CASE WHEN x.dd < $((span - 10)) THEN $(stamp "x.dd + 10" '09:00:00') END, 1
FROM (
  SELECT s.g, 1 + (s.g - 1) % $DEPARTMENTS AS desk, (s.g - 1) / $DEPARTMENTS + 1 AS num, (s.g - 1) * $span / $t AS dd
  FROM $from_t
) AS x
ORDER BY x.g;
INSERT INTO time_entries (ticket_id, desk_id, department_id, employee_id, work_date, minutes, billable,
    hourly_cost_rate, cost, cost_currency, created_at, updated_at, version)
SELECT y.ticket, y.desk, y.desk, y.emp, $(day y.wd), y.m, $false,
    3000 + (y.emp * 7919) % 5000, (y.m * (3000 + (y.emp * 7919) % 5000) + 30) / 60, 'EUR',
    $(stamp y.wd '17:00:00'), $(stamp y.wd '17:00:00'), 1
FROM (
  SELECT t.id AS ticket, t.desk_id AS desk, k.k,
      t.desk_id + $DEPARTMENTS * ((t.id + k.k) % ($EMPLOYEES / $DEPARTMENTS)) AS emp,
      15 + $(hash1 "t.id * 10 + k.k") % 226 AS m,
      $least((t.id - 1) * $span / $t + k.k, $span) AS wd
  FROM tickets t CROSS JOIN (SELECT 0 AS k UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4
      UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9) AS k
) AS y
ORDER BY y.ticket, y.k;

-- Vendors and their bills, four lines each.
$with
INSERT INTO parties (id, kind, name, email, currency, payment_terms_days, active, created_at, updated_at, version)
SELECT s.g, 'vendor', 'Vendor ' || s.g, 'bills' || s.g || '@example.com', 'EUR', 30, $true, $created, $created, 1
FROM $from WHERE s.g <= $VENDORS;
$with_b
INSERT INTO invoices (id, kind, status, vendor_id, number, vendor_reference, currency, issue_date, due_date,
    subtotal, tax_total, total, paid_total, credited_total, void_reason, issued_at, voided_at, created_at, updated_at, version)
SELECT x.g, 'payable', x.status, 1 + x.g % $VENDORS,
    CASE WHEN x.status <> 'draft' THEN 'BILL-B' || x.g END, 'V' || x.g, 'EUR',
    $(day x.dd), $(day "x.dd + 30"), 0, 0, 0, 0, 0,
    CASE WHEN x.status = 'void' THEN 'Duplicate' END,
    CASE WHEN x.status <> 'draft' THEN $(stamp x.dd '10:00:00') END,
    CASE WHEN x.status = 'void' THEN $(stamp x.dd '11:00:00') END,
    $(stamp x.dd '09:00:00'), $(stamp x.dd '10:00:00'), 1
FROM (
  SELECT s.g, (s.g - 1) * $span / $b AS dd,
      CASE WHEN s.g % 20 = 0 THEN 'draft' WHEN s.g % 50 = 1 THEN 'void' ELSE 'issued' END AS status
  FROM $from_b
) AS x
ORDER BY x.g;
INSERT INTO invoice_lines (invoice_id, position, description, quantity, unit_price, discount, tax_rate, net,
    department_id, budget_category)
SELECT y.invoice, y.k, 'Service ' || y.k, 1000, y.cents * 100, 0, 0, y.cents,
    1 + $(hash2 "y.invoice * 4 + y.k") % $DEPARTMENTS, $(printf "$CATEGORY" "(y.invoice + y.k)")
FROM (
  SELECT i.id AS invoice, k.k, 1000 + $(hash1 "i.id * 4 + k.k") % 49000 AS cents
  FROM invoices i CROSS JOIN (SELECT 1 AS k UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4) AS k
) AS y
ORDER BY y.invoice, y.k;
UPDATE invoices SET subtotal = (SELECT SUM(net) FROM invoice_lines l WHERE l.invoice_id = invoices.id),
    total = (SELECT SUM(net) FROM invoice_lines l WHERE l.invoice_id = invoices.id);

-- Customers: every other ticket is one of theirs (its time is their labour in profitability).
$with
INSERT INTO parties (id, kind, name, email, currency, payment_terms_days, active, created_at, updated_at, version)
SELECT $VENDORS + s.g, 'customer', 'Customer ' || s.g, 'ap' || s.g || '@example.com', 'EUR', 30, $true, $created, $created, 1
FROM $from WHERE s.g <= $CUSTOMERS;
UPDATE tickets SET requester_customer_id = $VENDORS + 1 + id % $CUSTOMERS WHERE id % 2 = 0;

-- A stock room: items and issues to departments.
INSERT INTO stock_locations (id, code, name, active, created_at, updated_at, version)
VALUES (1, 'MAIN', 'Main store', $true, $created, $created, 1);
$with
INSERT INTO items (id, sku, name, unit, currency, created_at, updated_at, version)
SELECT s.g, 'SKU-' || s.g, 'Part ' || s.g, 'each', 'EUR', $created, $created, 1 FROM $from WHERE s.g <= $ITEMS;
$with_m
INSERT INTO stock_movements (item_id, kind, quantity, from_location_id, quantity_delta, value_delta, unit_cost, value,
    on_hand_after, department_id, created_at, occurred_on)
SELECT 1 + x.g % $ITEMS, 'issue', 1000, 1, -1000, -x.v, x.v * 1000, x.v, 0,
    1 + $(hash1 "x.g") % $DEPARTMENTS, $(stamp x.dd '14:00:00'), $(day x.dd)
FROM (SELECT s.g, (s.g - 1) * $span / $m AS dd, 500 + $(hash2 "s.g") % 49501 AS v FROM $from_m) AS x
ORDER BY x.g;

-- Approved budgets for last year and this year: every category, each month.
INSERT INTO budgets (id, department_id, fiscal_year, revision, currency, status, exceed_policy, created_at, updated_at, version)
SELECT d.id + y.k * $DEPARTMENTS, d.id, $this_year - 1 + y.k, 1, 'EUR', 'approved', 'warn', $created, $created, 1
FROM departments d CROSS JOIN (SELECT 0 AS k UNION ALL SELECT 1) AS y ORDER BY 1;
INSERT INTO budget_lines (budget_id, category, month, planned)
SELECT b.id, c.category, mo.month, 100000 + ((b.id * 31 + mo.month * 7) % 50) * 10000
FROM budgets b
CROSS JOIN (SELECT 'labour' AS category UNION ALL SELECT 'materials' UNION ALL SELECT 'services' UNION ALL SELECT 'software'
    UNION ALL SELECT 'travel' UNION ALL SELECT 'facilities' UNION ALL SELECT 'other') AS c
CROSS JOIN (SELECT 1 AS month UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6
    UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9 UNION ALL SELECT 10 UNION ALL SELECT 11 UNION ALL SELECT 12) AS mo;
COMMIT;
SQL
  open_balances_sql
  stock_month_totals_sql "$backend"
  if [ "$backend" = postgres ]; then
    cat <<SQL
SELECT setval(pg_get_serial_sequence('departments', 'id'), $DEPARTMENTS);
SELECT setval(pg_get_serial_sequence('employees', 'id'), $EMPLOYEES);
SELECT setval(pg_get_serial_sequence('desks', 'id'), $DEPARTMENTS);
SELECT setval(pg_get_serial_sequence('tickets', 'id'), $t);
SELECT setval(pg_get_serial_sequence('parties', 'id'), $VENDORS);
SELECT setval(pg_get_serial_sequence('invoices', 'id'), $b);
SELECT setval(pg_get_serial_sequence('items', 'id'), $ITEMS);
SELECT setval(pg_get_serial_sequence('stock_locations', 'id'), 1);
SELECT setval(pg_get_serial_sequence('budgets', 'id'), $((2 * DEPARTMENTS)));
VACUUM ANALYZE;
SQL
  else
    echo 'ANALYZE;'
  fi
}

# expected_actual BACKEND URL DEPARTMENT YEAR TODAY: the department's actual for the year up to
# today in minor units, summed straight from the ledgers (the rules in docs/05-budgets.md).
expected_actual() {
  local backend=$1 url=$2 d=$3 year=$4 today=$5
  q "$backend" "$url" "SELECT
    (SELECT COALESCE(SUM(cost), 0) FROM time_entries WHERE department_id = $d AND work_date >= '$year-01-01' AND work_date <= '$today')
    + (SELECT COALESCE(-SUM(value_delta), 0) FROM stock_movements WHERE kind = 'issue' AND department_id = $d
         AND occurred_on >= '$year-01-01' AND occurred_on <= '$today')
    + (SELECT COALESCE(SUM(l.net), 0) FROM invoice_lines l JOIN invoices i ON i.id = l.invoice_id
         WHERE l.department_id = $d AND i.kind = 'payable' AND i.status NOT IN ('draft', 'void')
           AND i.issue_date >= '$year-01-01' AND i.issue_date <= '$today')"
}
# minor units (2 decimals) as the API spells them
major() { awk -v v="$1" 'BEGIN { printf "%d.%02d", int(v / 100), v % 100 }'; }

declare -A LABEL=(
  [variance]="GET /budgets/{id}/variance (this year, one department)"
  [variance_last]="GET /budgets/{id}/variance (last year, one department)"
  [report]="GET /reports/budgets?year=(this year, 20 departments)"
  [report_last]="GET /reports/budgets?year=(last year, 20 departments)"
  [costs_last]="GET /reports/department-costs (last year by month, 20 departments)"
  [costs]="GET /reports/department-costs (this year to date by month)"
  [profit_last]="GET /reports/customer-profitability (last year)"
)
ENDPOINTS=(variance variance_last report report_last costs_last costs profit_last)

# --- query plans of the largest size ------------------------------------------------------------
plans() { # backend url year today: the cost book's reads behind a report of this year to today
  local backend=$1 url=$2 year=$3 today=$4 year_m month_m month_start end
  if [ "$backend" = postgres ]; then
    year_m="CAST(EXTRACT(YEAR FROM occurred_on) AS BIGINT)" month_m="CAST(EXTRACT(MONTH FROM occurred_on) AS BIGINT)"
  else
    year_m="CAST(strftime('%Y', occurred_on) AS INTEGER)" month_m="CAST(strftime('%m', occurred_on) AS INTEGER)"
  fi
  end=$(date -u -d "$today +1 day" +%F)
  month_start=$(date -u -d "$today" +%Y-%m-01)
  local -a queries=(
    # The months that are over, from the department rollup (base amounts).
    "SELECT dimension_id, year, month, kind, category, SUM(base_amount) FROM cost_rollups WHERE dimension = 'department' AND year * 12 + month - 1 BETWEEN $((year * 12)) AND $((year * 12 + 10#$(date -u -d "$today" +%m) - 2)) GROUP BY dimension_id, year, month, kind, category"
    # The days of the month of the cut-off, from the lines.
    "SELECT department_id, $year_m, $month_m, kind, category, SUM(base_amount) FROM cost_lines WHERE occurred_on >= '$month_start' AND occurred_on < '$end' AND department_id IS NOT NULL AND base_amount IS NOT NULL GROUP BY department_id, $year_m, $month_m, kind, category"
  )
  explain_all "$backend" "$url" "${queries[@]}"
}

build_and_start
PLANS=$OUT_DIR/budgets-plans.txt
: >"$PLANS"
declare -A ITEMS COUNTS CHECKED ROLLUP

today=$(date -u +%F)
this_year=$(date -u +%Y)
start="$((this_year - 1))-01-01"
span=$(( ($(date -u -d "$today" +%s) - $(date -u -d "$start" +%s)) / 86400 ))

for backend in $BACKENDS; do
  case $backend in sqlite | postgres) ;; *) die "unknown backend $backend (sqlite, postgres)" ;; esac
  if [ "$backend" = postgres ]; then
    PG_VERSION=$(psql -X -At "$PG_BASE/postgres" -c 'SHOW server_version') || die "cannot reach PostgreSQL at $PG_BASE"
  fi
  for n in $SIZES; do
    [ "$n" -ge 4000 ] && [ $((n % 400)) = 0 ] || die "sizes must be multiples of 400, at least 4000"
    label=$backend-$n
    fresh_database "$backend" "$label" bench_bud_$$_$n
    log "$label: seed $n time entries ($start .. $today)"
    seed_sql "$backend" "$n" "$start" "$span" "$this_year" >"$WORK/seed.sql"
    run_seed "$backend" "$url" "$label"
    # The seed wrote the ledgers behind the server's back, as an upgraded database holds them:
    # the first opening of the books (here by `opsdesk ledger verify`, which then recomputes every
    # rollup from the lines) books them all, by the rules that book new events.
    t0=$(now_s)
    DATABASE_URL="$url" RUST_LOG=warn "$BIN" ledger verify >"$WORK/$label-verify.txt" 2>&1 || { cat "$WORK/$label-verify.txt" >&2; die "ledger verify failed ($label)"; }
    ROLLUP[$label]="$(elapsed "$t0") s: $(head -n 1 "$WORK/$label-verify.txt")"
    [ "$(q "$backend" "$url" "SELECT COUNT(*) FROM time_entries")" = "$n" ] || die "seed did not produce $n time entries ($label)"
    [ "$(q "$backend" "$url" "SELECT COUNT(*) FROM invoice_lines")" = "$((n / 10))" ] || die "seed did not produce $((n / 10)) invoice lines ($label)"
    COUNTS[$label]=$(q "$backend" "$url" "SELECT (SELECT COUNT(*) FROM tickets) || ' tickets, ' || (SELECT COUNT(*) FROM invoices) || ' bills, ' || (SELECT COUNT(*) FROM invoice_lines) || ' bill lines, ' || (SELECT COUNT(*) FROM stock_movements) || ' stock issues'")
    log "$label: seeded in ${SEED[$label]} s, ${SIZE[$label]} MiB: $n time entries, ${COUNTS[$label]}; books opened (older data booked, rollups verified) in ${ROLLUP[$label]}"

    start_server "$label" "$url" 18600 18699
    variance_id=$((CHECKED_DEPARTMENT + DEPARTMENTS))
    declare -A URL=(
      [variance]="$BASE/api/v1/budgets/$variance_id/variance"
      [variance_last]="$BASE/api/v1/budgets/$CHECKED_DEPARTMENT/variance"
      [report]="$BASE/api/v1/reports/budgets?year=$this_year"
      [report_last]="$BASE/api/v1/reports/budgets?year=$((this_year - 1))"
      [costs_last]="$BASE/api/v1/reports/department-costs?from=$((this_year - 1))-01-01&to=$((this_year - 1))-12-31&group_by=month"
      [costs]="$BASE/api/v1/reports/department-costs?from=$this_year-01-01&to=$today&group_by=month"
      [profit_last]="$BASE/api/v1/reports/customer-profitability?from=$((this_year - 1))-01-01&to=$((this_year - 1))-12-31"
    )
    for ep in "${ENDPOINTS[@]}"; do
      check "$label-$ep" "${URL[$ep]}"
      case $ep in costs*) key=department_id ;; profit*) key=customer_id ;; *) key=budget_id ;; esac
      ITEMS[$label|$ep]=$(count_items "$label-$ep" "$key" || true)
      log "$label: $ep answers 200 with ${ITEMS[$label|$ep]} rows ($key); one at a time ${SINGLE[$label-$ep]} ms"
    done
    [ "${ITEMS[$label|report]}" = "$DEPARTMENTS" ] || die "the report has ${ITEMS[$label|report]} departments, not $DEPARTMENTS ($label)"
    # The checked department's actual, from the API and from the ledgers.
    expected=$(major "$(expected_actual "$backend" "$url" "$CHECKED_DEPARTMENT" "$this_year" "$today")")
    got=$(sed -n 's/.*"currency":"EUR","as_of":"[0-9-]*","lines":.*\],"planned":"[0-9.]*","actual":"\([0-9.]*\)".*/\1/p' "$WORK/$label-variance.json")
    if [ "$got" = "$expected" ]; then
      CHECKED[$label]="department $CHECKED_DEPARTMENT: $got, as summed from the ledgers"
    else
      die "department $CHECKED_DEPARTMENT's actual is '$got' in the variance but $expected in the ledgers ($label)"
    fi
    # Last year's department cost (rollups only: a closed period) against the ledgers.
    expected_last=$(major "$(expected_actual "$backend" "$url" "$CHECKED_DEPARTMENT" "$((this_year - 1))" "$((this_year - 1))-12-31")")
    got_last=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(next(d["total"] for d in r["departments"] if d["department_id"] == int(sys.argv[2])))' "$WORK/$label-costs_last.json" "$CHECKED_DEPARTMENT")
    [ "$got_last" = "$expected_last" ] || die "department $CHECKED_DEPARTMENT cost $got_last last year in the report but $expected_last in the ledgers ($label)"
    CHECKED[$label]="${CHECKED[$label]}; last year's department cost $got_last, as summed from the ledgers"
    log "$label: ${CHECKED[$label]}"

    for ep in "${ENDPOINTS[@]}"; do measure "$label|$ep" "${URL[$ep]}" "${SINGLE[$label-$ep]}"; done
    if [ "$n" = "$LARGEST" ]; then
      log "$label: query plans -> $PLANS"
      { printf '==== %s, %s time entries ====\n' "$backend" "$n"; plans "$backend" "$url" "$this_year" "$today"; echo; } >>"$PLANS" 2>&1 || log "could not explain the queries ($label)"
    fi
    unset URL

    finish_size "$backend" "$label"
  done
done
ELAPSED=$SECONDS

# --- report -------------------------------------------------------------------------------------
noise_summary
goal() { # backend n endpoint: DESIGN.md's goal, on PostgreSQL at 1M time entries: a request under 500 ms
  [ "$1" = postgres ] && [ "$2" -ge 1000000 ] || { echo "-"; return; }
  awk -v s="${SINGLE[$1-$2-$3]}" 'BEGIN { print ((s + 0 < 500) ? "met" : "**missed**") }'
}
{
  echo "# opsdesk budgets benchmark, $STARTED_AT"
  echo
  echo "- Machine: $(nproc) cores ($CPU), $(uname -sr); load average $LOAD_AT_START at start, $(cut -d' ' -f1-3 /proc/loadavg) at end; $NOISE"
  echo "- Build: commit $COMMIT, release; PostgreSQL $PG_VERSION on loopback; SQLite bundled, WAL"
  echo "- Data: $DEPARTMENTS departments with a desk and 10 employees each; $CUSTOMERS customers asking for every other ticket; N time entries on N/10 tickets, N/40 bills with N/10 lines charged to departments (5 % draft, 2 % void), N/20 stock issues to departments, all from 1 January last year to today; approved budgets for every department last year and this year; signed in as admin"
  echo "- Load: wrk -t1 -c$CONNECTIONS -d${DURATION}s per endpoint after ${WARMUP} s of warm-up (slower endpoints run longer, up to 60 s, without warm-up: see Requests (s)); \"1 at a time\" is the median of 3 sequential requests; server RUST_LOG=warn; run took ${ELAPSED} s"
  echo "- Goal (issue 7): variance and the report under 500 ms on PostgreSQL at 1M time entries and 100k invoice lines (\"Goal\": a request alone, \"1 at a time\"; p50 and p99 are with $CONNECTIONS in parallel on the same cores as the database)"
  echo
  echo "| Backend | N time entries | Endpoint | Rows | Requests (s) | Requests/s | p50 ms | p99 ms | 1 at a time ms | Errors | CPU % before | Goal |"
  echo "|---|---:|---|---:|---:|---:|---:|---:|---:|---|---:|---|"
  for backend in $BACKENDS; do
    for n in $SIZES; do
      for ep in "${ENDPOINTS[@]}"; do
        key="$backend-$n|$ep"
        printf '| %s | %s | %s | %s | %s (%s) | %s | %s | %s | %s | %s | %s | %s |\n' "$backend" "$n" "${LABEL[$ep]}" "${ITEMS[$key]:--}" \
          "${NREQ[$key]}" "${DUR[$key]}" "${RPS[$key]}" "${P50[$key]}" "${P99[$key]}" "${SINGLE[$backend-$n-$ep]:--}" "${ERRS[$key]}" "${BUSY[$key]}" "$(goal "$backend" "$n" "$ep")"
      done
    done
  done
  echo
  echo "| Backend | N | Seed + ANALYZE s | Database MiB | Rows besides the time entries | Books opened (older data booked, rollups verified) | Check against the ledgers | Server log lines |"
  echo "|---|---:|---:|---:|---|---|---|---|"
  for backend in $BACKENDS; do
    for n in $SIZES; do
      printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$backend" "$n" "${SEED[$backend-$n]}" "${SIZE[$backend-$n]}" \
        "${COUNTS[$backend-$n]}" "${ROLLUP[$backend-$n]}" "${CHECKED[$backend-$n]}" "${SERVER_LOG[$backend-$n]}"
    done
  done
  if [ "$SMALLEST" != "$LARGEST" ]; then
    echo
    echo "Growth from $SMALLEST to $LARGEST time entries (×$(ratio "$LARGEST" "$SMALLEST")), one at a time:"
    echo
    for backend in $BACKENDS; do
      for ep in "${ENDPOINTS[@]}"; do
        printf -- '- %s, %s: ×%s (%s → %s ms)\n' "$backend" "${LABEL[$ep]}" \
          "$(ratio "${SINGLE[$backend-$LARGEST-$ep]:-0}" "${SINGLE[$backend-$SMALLEST-$ep]:-0}")" \
          "${SINGLE[$backend-$SMALLEST-$ep]:-n/a}" "${SINGLE[$backend-$LARGEST-$ep]:-n/a}"
      done
    done
  fi
  echo
  echo "Query plans at $LARGEST time entries: bench/out/budgets-plans.txt."
} | tee "$OUT_DIR/budgets.md"
