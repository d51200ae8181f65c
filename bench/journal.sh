#!/usr/bin/env bash
# The general ledger at scale: the trial balance, profit and loss (whole, by month, by department)
# and balance sheet of last year, a closed (locked) period, and of this year to date, and one
# account's ledger, at about 100k and 1M journal lines, on SQLite and on PostgreSQL (issue 14's
# goal: trial balance and P&L of a closed period at 1M journal lines within 100 ms on PostgreSQL).
# For each backend and size it migrates a fresh database and seeds the producers' tables with
# set-based SQL: the finance data set of bench/finance.sh (invoices, credit notes, bills and
# their payments, customers in USD), a USD rate for every day, and stock received and issued to
# departments. `opsdesk ledger verify` then opens the books as an upgrade does: every document,
# payment and movement is posted by the code that posts new events, the monthly balances are
# recomputed from the lines, debits are compared with credits, and receivables and payables with
# the open documents. The statements are checked against sums taken straight from the journal
# lines, the books are locked up to last year's end through the API, and each endpoint is
# measured with wrk at low concurrency. Loopback traffic only; every process, database and file
# it creates is removed on exit. See bench/README.md.
#
#   bash bench/journal.sh        # ~30 minutes after the build; table on stdout and in bench/out/journal.md
#
# Settings (environment): BENCH_SIZES (invoices, "18000 180000": about 5.6 journal lines each with
# their payments, plus the stock's), BENCH_BACKENDS ("sqlite postgres"), BENCH_DURATION (s per
# endpoint, 8), BENCH_WARMUP (s, 2), BENCH_CONNECTIONS (4), BENCH_TIMEOUT (s, 30),
# BENCH_SEED_TIMEOUT (s per seed, 1200), BENCH_START_TIMEOUT (s, 900), BENCH_PG_URL
# (postgres://postgres@127.0.0.1), BENCH_NO_BUILD=1 (use the existing binary).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

SIZES=${BENCH_SIZES:-18000 180000}
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

# The finance data set (bench/finance_data.sh) and the stock room added to it.
CUSTOMERS=2000
VENDORS=200
DEPARTMENTS=5
EMPLOYEES=50
DESKS=5
SPAN=730 # documents, payments and movements over the last 730 days (day 0 .. day 730 = today)
ITEMS=100

log() { printf '[journal %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=bench/scale.sh
source "$(dirname "${BASH_SOURCE[0]}")/scale.sh"
# shellcheck source=bench/finance_data.sh
source "$(dirname "${BASH_SOURCE[0]}")/finance_data.sh"
bench_workdir journal
require_tools

# --- the stock room and the USD rates, after the finance data -----------------------------------
# Spelled with the day and stamp functions seed_sql defined for the same backend (run it first).
# A rate for every day of the span (0.8500-0.9499 EUR per USD, moving day by day, so a USD
# payment settles at another rate than its invoice and posts an exchange difference). Items:
# 100 in EUR at one location. Movements: N/5 over the span, every third a receipt of 10 units at
# 5.00-500.00 each, the others an issue of 1 unit to a department (a hashed one) at a value of
# 5.00-500.00. (The ledger takes each movement's value_delta; stock levels are not replayed.)
extra_sql() { # backend n start
  local backend=$1 n=$2 start=$3 m=$(($2 / 5)) with_m with_d from_m from_d true created
  if [ "$backend" = postgres ]; then
    with_m= with_d=
    from_m="generate_series(1::bigint, $m::bigint) AS s(g)"
    from_d="generate_series(-5::bigint, $SPAN::bigint) AS s(g)"
    true=true
    echo '\set ON_ERROR_STOP on'
  else
    with_m="WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < $m)"
    with_d="WITH RECURSIVE s(g) AS (SELECT -5 UNION ALL SELECT g + 1 FROM s WHERE g < $SPAN)"
    from_m=s from_d=s true=1
    echo '.bail on'
  fi
  created=$(stamp -400 '08:00:00')
  cat <<SQL
BEGIN;
$with_d
INSERT INTO exchange_rates (currency, base_currency, rate_date, rate, created_at)
SELECT 'USD', 'EUR', $(day s.g), '0.' || CAST(8500 + (s.g * 37 + 500) % 1000 AS TEXT), $created
FROM $from_d
ORDER BY s.g;
INSERT INTO stock_locations (id, code, name, active, created_at, updated_at, version)
VALUES (1, 'MAIN', 'Main store', $true, $created, $created, 1);
$with_m
INSERT INTO items (id, sku, name, unit, currency, created_at, updated_at, version)
SELECT s.g, 'SKU-' || s.g, 'Part ' || s.g, 'each', 'EUR', $created, $created, 1 FROM $from_m WHERE s.g <= $ITEMS;
$with_m
INSERT INTO stock_movements (item_id, kind, quantity, from_location_id, to_location_id, quantity_delta,
    value_delta, unit_cost, value, on_hand_after, department_id, created_at, occurred_on)
SELECT 1 + x.g % $ITEMS, x.kind, x.q, CASE WHEN x.kind = 'issue' THEN 1 END, CASE WHEN x.kind = 'receipt' THEN 1 END,
    CASE WHEN x.kind = 'issue' THEN -x.q ELSE x.q END,
    CASE WHEN x.kind = 'issue' THEN -x.v ELSE x.v END, x.v * 1000 / x.q, x.v, 0,
    CASE WHEN x.kind = 'issue' THEN 1 + $(hash1 "x.g") % $DEPARTMENTS END,
    $(stamp x.dd '14:00:00'), $(day x.dd)
FROM (
  SELECT s.g, (s.g - 1) * $SPAN / $m AS dd, CASE WHEN s.g % 3 = 0 THEN 'receipt' ELSE 'issue' END AS kind,
      CASE WHEN s.g % 3 = 0 THEN 10000 ELSE 1000 END AS q,
      (500 + $(hash2 "s.g") % 49501) * CASE WHEN s.g % 3 = 0 THEN 10 ELSE 1 END AS v
  FROM $from_m
) AS x
ORDER BY x.g;
COMMIT;
SQL
  stock_month_totals_sql "$backend"
  if [ "$backend" = postgres ]; then
    cat <<SQL
SELECT setval(pg_get_serial_sequence('items', 'id'), $ITEMS);
SELECT setval(pg_get_serial_sequence('stock_locations', 'id'), 1);
ANALYZE;
SQL
  else
    echo 'ANALYZE;'
  fi
}

# sum_lines BACKEND URL WHERE: debits and credits (minor units, "debit|credit") of the journal
# lines of posted entries that match WHERE (on journal_lines l joined to accounts a).
sum_lines() {
  q "$1" "$2" "SELECT COALESCE(SUM(l.debit), 0) || '|' || COALESCE(SUM(l.credit), 0) FROM journal_lines l
    JOIN journal_entries e ON e.id = l.entry_id JOIN accounts a ON a.id = l.account_id
    WHERE e.status = 'posted' AND $3"
}
# net_sides BACKEND URL DAY: the trial balance's columns straight from the lines ("debit|credit"):
# each account's debits less credits up to DAY, on the debit side when positive, else the credit.
net_sides() {
  q "$1" "$2" "SELECT COALESCE(SUM(CASE WHEN d > c THEN d - c ELSE 0 END), 0) || '|' || COALESCE(SUM(CASE WHEN c > d THEN c - d ELSE 0 END), 0)
    FROM (SELECT l.account_id, SUM(l.debit) AS d, SUM(l.credit) AS c FROM journal_lines l JOIN journal_entries e ON e.id = l.entry_id
          WHERE e.status = 'posted' AND l.entry_date <= '$3' GROUP BY l.account_id) AS per_account"
}
# minor units as the API spells them (2 decimals, a minus sign for negative amounts)
major() { awk -v v="$1" 'BEGIN { s = (v < 0) ? "-" : ""; v = (v < 0) ? -v : v; printf "%s%d.%02d", s, int(v / 100), v % 100 }'; }
json_field() { # file python-expression-of-r
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

ENDPOINTS=(tb_closed pl_closed pl_months pl_departments bs_closed tb_today pl_ytd bank_ledger)
declare -A LABEL=(
  [tb_closed]="GET /reports/trial-balance?as_of=(last year's end, locked)"
  [pl_closed]="GET /reports/profit-and-loss (last year, locked)"
  [pl_months]="GET /reports/profit-and-loss&group_by=month (last year)"
  [pl_departments]="GET /reports/profit-and-loss&group_by=department (last year)"
  [bs_closed]="GET /reports/balance-sheet?as_of=(last year's end)"
  [tb_today]="GET /reports/trial-balance (today)"
  [pl_ytd]="GET /reports/profit-and-loss (this year to date, compare=previous_year)"
  [bank_ledger]="GET /accounts/{bank}/ledger (this month, first page)"
)

# --- query plans of the largest size ------------------------------------------------------------
plans() { # backend url last_year_end month_start today
  local backend=$1 url=$2 closed=$3 month_start=$4 today=$5 year month
  year=${closed%%-*}
  month=$((10#$(date -u -d "$today" +%m)))
  local -a queries=(
    # A closed period: whole months from the monthly balances.
    "SELECT account_id, SUM(debit), SUM(credit) FROM account_balances WHERE year * 12 + month <= $((year * 12 + 12)) GROUP BY account_id"
    # The month of a cut-off inside a month: the days from the lines.
    "SELECT account_id, SUM(debit), SUM(credit) FROM journal_lines WHERE entry_date >= '$month_start' AND entry_date <= '$today' GROUP BY account_id"
    "SELECT COUNT(*) FROM account_balances WHERE year * 12 + month < $(($(date -u -d "$today" +%Y) * 12 + month))"
  )
  explain_all "$backend" "$url" "${queries[@]}"
}

build_and_start
PLANS=$OUT_DIR/journal-plans.txt
: >"$PLANS"
declare -A ITEMS_OF COUNTS CHECKED OPENED LOCKED

today=$(date -u +%F)
this_year=$(date -u +%Y)
last_year=$((this_year - 1))
closed="$last_year-12-31"
month_start=$(date -u -d "$today" +%Y-%m-01)

for backend in $BACKENDS; do
  case $backend in sqlite | postgres) ;; *) die "unknown backend $backend (sqlite, postgres)" ;; esac
  if [ "$backend" = postgres ]; then
    PG_VERSION=$(psql -X -At "$PG_BASE/postgres" -c 'SHOW server_version') || die "cannot reach PostgreSQL at $PG_BASE"
  fi
  for n in $SIZES; do
    [ "$n" -ge 1000 ] && [ $((n % 20)) = 0 ] || die "sizes must be multiples of 20, at least 1000"
    label=$backend-$n
    fresh_database "$backend" "$label" bench_gl_$$_$n
    start=$(date -u -d "$today -$SPAN days" +%F)
    log "$label: seed $n invoices with their payments, $((n / 5)) stock movements ($start .. $today)"
    { seed_sql "$backend" "$n" "$start"; extra_sql "$backend" "$n" "$start"; } >"$WORK/seed.sql"
    run_seed "$backend" "$url" "$label"
    read -r bad_paid bad_credited bad_status bad_paid_on bad_unpaid_on bad_subtotal bad_counters < <(seed_check "$backend" "$url")
    [ "$bad_paid$bad_credited$bad_status$bad_paid_on$bad_unpaid_on$bad_subtotal$bad_counters" = 0000000 ] \
      || die "the seed is inconsistent ($label): $bad_paid $bad_credited $bad_status $bad_paid_on $bad_unpaid_on $bad_subtotal $bad_counters"

    # The seed wrote the producers' tables behind the server's back, as an upgraded database holds
    # them: the first opening of the books (here by `opsdesk ledger verify`) posts them all by the
    # rules that post new events, then checks the books (exit 1 on any difference).
    t0=$(now_s)
    DATABASE_URL="$url" RUST_LOG=warn "$BIN" ledger verify >"$WORK/$label-verify.txt" 2>&1 || { cat "$WORK/$label-verify.txt" >&2; die "ledger verify failed ($label)"; }
    grep -q 'warn\|WARN' "$WORK/$label-verify.txt" && { cat "$WORK/$label-verify.txt" >&2; die "opening the books skipped records ($label)"; }
    OPENED[$label]="$(elapsed "$t0") s: $(grep -o 'general ledger: .*' "$WORK/$label-verify.txt" | head -n 1)"
    COUNTS[$label]=$(q "$backend" "$url" "SELECT (SELECT COUNT(*) FROM journal_lines) || ' lines in ' || (SELECT COUNT(*) FROM journal_entries) || ' entries (' || (SELECT COUNT(*) FROM journal_lines WHERE entry_date <= '$closed') || ' up to last year''s end), ' || (SELECT COUNT(*) FROM account_balances) || ' balance rows; from ' || (SELECT COUNT(*) FROM invoices) || ' documents, ' || (SELECT COUNT(*) FROM payments) || ' payments, ' || (SELECT COUNT(*) FROM stock_movements) || ' movements'")
    log "$label: seeded in ${SEED[$label]} s, ${SIZE[$label]} MiB; books opened in ${OPENED[$label]}; ${COUNTS[$label]}"

    start_server "$label" "$url" 18700 18799
    # Close last year: the lock date through the API (finance's PUT, guarded by the ETag).
    etag=$(curl -sS -D - -o /dev/null "$BASE/api/v1/books/lock" -H "Authorization: Bearer $TOKEN" | tr -d '\r' | sed -n 's/^[Ee][Tt]ag: //p')
    code=$(curl -sS -o "$WORK/lock.json" -w '%{http_code}' -X PUT "$BASE/api/v1/books/lock" -H "Authorization: Bearer $TOKEN" \
      -H 'Content-Type: application/json' -H "If-Match: $etag" -d "{\"lock_date\":\"$closed\"}")
    [ "$code" = 200 ] || { cat "$WORK/lock.json" >&2; die "locking the books answered $code ($label)"; }
    bank=$(q "$backend" "$url" "SELECT id FROM accounts WHERE code = '1000'")
    declare -A URL=(
      [tb_closed]="$BASE/api/v1/reports/trial-balance?as_of=$closed"
      [pl_closed]="$BASE/api/v1/reports/profit-and-loss?from=$last_year-01-01&to=$closed"
      [pl_months]="$BASE/api/v1/reports/profit-and-loss?from=$last_year-01-01&to=$closed&group_by=month"
      [pl_departments]="$BASE/api/v1/reports/profit-and-loss?from=$last_year-01-01&to=$closed&group_by=department"
      [bs_closed]="$BASE/api/v1/reports/balance-sheet?as_of=$closed"
      [tb_today]="$BASE/api/v1/reports/trial-balance?as_of=$today"
      [pl_ytd]="$BASE/api/v1/reports/profit-and-loss?from=$this_year-01-01&to=$today&compare=previous_year"
      [bank_ledger]="$BASE/api/v1/accounts/$bank/ledger?from=$month_start&to=$today"
    )
    for ep in "${ENDPOINTS[@]}"; do
      check "$label-$ep" "${URL[$ep]}"
      case $ep in tb_* | pl_*) key=account_id ;; bs_*) key=balance ;; *) key=entry_id ;; esac
      ITEMS_OF[$label|$ep]=$(count_items "$label-$ep" "$key" || true)
      log "$label: $ep answers 200 with ${ITEMS_OF[$label|$ep]} rows ($key); one at a time ${SINGLE[$label-$ep]} ms"
    done

    # The statements against the journal lines, summed straight from the database.
    IFS='|' read -r debit credit < <(sum_lines "$backend" "$url" "l.entry_date <= '$closed'")
    [ "$debit" = "$credit" ] || die "the lines up to $closed do not balance: debits $debit, credits $credit ($label)"
    IFS='|' read -r debit credit < <(net_sides "$backend" "$url" "$closed")
    got=$(json_field "$WORK/$label-tb_closed.json" 'r["total_debit"] + "|" + r["total_credit"]')
    [ "$got" = "$(major "$debit")|$(major "$credit")" ] || die "the trial balance says $got, the lines $(major "$debit")|$(major "$credit") ($label)"
    IFS='|' read -r income_debit income_credit < <(sum_lines "$backend" "$url" "a.account_type = 'income' AND l.entry_date >= '$last_year-01-01' AND l.entry_date <= '$closed'")
    IFS='|' read -r expense_debit expense_credit < <(sum_lines "$backend" "$url" "a.account_type = 'expense' AND l.entry_date >= '$last_year-01-01' AND l.entry_date <= '$closed'")
    profit=$(((income_credit - income_debit) - (expense_debit - expense_credit)))
    got_profit=$(json_field "$WORK/$label-pl_closed.json" 'r["totals"]["net_profit"]')
    [ "$got_profit" = "$(major "$profit")" ] || die "last year's net profit is $got_profit in the P&L, $(major "$profit") in the lines ($label)"
    got_bs=$(json_field "$WORK/$label-bs_closed.json" 'r["total_assets"] + "|" + str(__import__("decimal").Decimal(r["total_liabilities"]) + __import__("decimal").Decimal(r["total_equity"]))')
    [ "${got_bs%%|*}" = "${got_bs##*|}" ] || die "the balance sheet does not balance: assets|liabilities+equity $got_bs ($label)"
    CHECKED[$label]="trial balance $(major "$debit") = the lines' net debits and credits per account; net profit $got_profit = the lines' income less expenses; assets ${got_bs%%|*} = liabilities + equity"
    log "$label: ${CHECKED[$label]}"
    LOCKED[$label]=$(json_field "$WORK/lock.json" 'r["lock_date"]')

    for ep in "${ENDPOINTS[@]}"; do measure "$label|$ep" "${URL[$ep]}" "${SINGLE[$label-$ep]}"; done
    if [ "$n" = "$LARGEST" ]; then
      log "$label: query plans -> $PLANS"
      { printf '==== %s, %s invoices ====\n' "$backend" "$n"; plans "$backend" "$url" "$closed" "$month_start" "$today"; echo; } >>"$PLANS" 2>&1 || log "could not explain the queries ($label)"
    fi
    unset URL

    finish_size "$backend" "$label"
  done
done
ELAPSED=$SECONDS

# --- report -------------------------------------------------------------------------------------
noise_summary
goal() { # backend n endpoint: issue 14's goal, trial balance and P&L of a closed period at 1M lines on PostgreSQL
  case $3 in tb_closed | pl_closed) ;; *) echo "-"; return ;; esac
  [ "$1" = postgres ] && [ "$2" = "$LARGEST" ] || { echo "-"; return; }
  awk -v s="${SINGLE[$1-$2-$3]}" 'BEGIN { print ((s + 0 <= 100) ? "met" : "**missed**") }'
}
{
  echo "# opsdesk general ledger benchmark, $STARTED_AT"
  echo
  echo "- Machine: $(nproc) cores ($CPU), $(uname -sr); load average $LOAD_AT_START at start, $(cut -d' ' -f1-3 /proc/loadavg) at end; $NOISE"
  echo "- Build: commit $COMMIT, release; PostgreSQL $PG_VERSION on loopback; SQLite bundled, WAL"
  echo "- Data: bench/finance.sh's data set at N invoices (80 % customers' invoices, 5 % credit notes, 15 % vendors' bills over the last 730 days; 10 % of customers in USD; payments as customers pay) with a USD rate for every day, plus N/5 stock movements (a third receipts, the rest issues to $DEPARTMENTS departments); the books opened by \`opsdesk ledger verify\` (posting every record as an upgrade does); last year locked through PUT /books/lock; signed in as admin"
  echo "- Load: wrk -t1 -c$CONNECTIONS -d${DURATION}s per endpoint after ${WARMUP} s of warm-up (slower endpoints run longer, up to 60 s, without warm-up: see Requests (s)); \"1 at a time\" is the median of 3 sequential requests; server RUST_LOG=warn; run took ${ELAPSED} s"
  echo "- Goal (issue 14): trial balance and P&L of a closed period within 100 ms on PostgreSQL at 1M journal lines (\"Goal\": a request alone, \"1 at a time\")"
  echo
  echo "| Backend | N invoices | Endpoint | Rows | Requests (s) | Requests/s | p50 ms | p99 ms | 1 at a time ms | Errors | CPU % before | Goal |"
  echo "|---|---:|---|---:|---:|---:|---:|---:|---:|---|---:|---|"
  for backend in $BACKENDS; do
    for n in $SIZES; do
      for ep in "${ENDPOINTS[@]}"; do
        key="$backend-$n|$ep"
        printf '| %s | %s | %s | %s | %s (%s) | %s | %s | %s | %s | %s | %s | %s |\n' "$backend" "$n" "${LABEL[$ep]}" "${ITEMS_OF[$key]:--}" \
          "${NREQ[$key]}" "${DUR[$key]}" "${RPS[$key]}" "${P50[$key]}" "${P99[$key]}" "${SINGLE[$backend-$n-$ep]:--}" "${ERRS[$key]}" "${BUSY[$key]}" "$(goal "$backend" "$n" "$ep")"
      done
    done
  done
  echo
  echo "| Backend | N | Seed + ANALYZE s | Database MiB (seeded) | The books | Books opened (history posted, checked) | Checks | Lock date | Server log lines |"
  echo "|---|---:|---:|---:|---|---|---|---|---|"
  for backend in $BACKENDS; do
    for n in $SIZES; do
      printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$backend" "$n" "${SEED[$backend-$n]}" "${SIZE[$backend-$n]}" \
        "${COUNTS[$backend-$n]}" "${OPENED[$backend-$n]}" "${CHECKED[$backend-$n]}" "${LOCKED[$backend-$n]}" "${SERVER_LOG[$backend-$n]}"
    done
  done
  if [ "$SMALLEST" != "$LARGEST" ]; then
    echo
    echo "Growth from $SMALLEST to $LARGEST invoices (×$(ratio "$LARGEST" "$SMALLEST")), one at a time:"
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
  echo "Query plans at $LARGEST invoices: bench/out/journal-plans.txt."
} | tee "$OUT_DIR/journal.md"
