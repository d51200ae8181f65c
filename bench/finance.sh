#!/usr/bin/env bash
# Finance at scale: receivables and payables aging (today and a year ago), customer
# profitability, the overdue and per-customer invoice lists, and invoice issuing, at 10k, 100k and
# 1M invoices, on SQLite and on PostgreSQL. For each backend and size it migrates a fresh
# database, seeds it with set-based SQL, serves it and measures each endpoint with wrk at low
# concurrency. Loopback traffic only; every process, database and file it creates is removed on
# exit. See bench/README.md.
#
#   bash bench/finance.sh        # ~15 minutes after the build; table on stdout and in bench/out/finance.md
#
# Settings (environment): BENCH_SIZES ("10000 100000 1000000"; multiples of 20),
# BENCH_BACKENDS ("sqlite postgres"), BENCH_DURATION (s per endpoint, 8), BENCH_WARMUP (s, 2),
# BENCH_CONNECTIONS (4), BENCH_TIMEOUT (s, wrk's per-request timeout, 30), BENCH_ISSUE_DRAFTS
# (drafts made for the issue phase, 30000), BENCH_SEED_TIMEOUT (s per seed, 1200),
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
DRAFTS=${BENCH_ISSUE_DRAFTS:-30000}
SEED_TIMEOUT=${BENCH_SEED_TIMEOUT:-1200}
PG_BASE=${BENCH_PG_URL:-postgres://postgres@127.0.0.1}
PG_BASE=${PG_BASE%/}
OUT_DIR=$ROOT/bench/out
LUA=$ROOT/bench/wrk.lua
ISSUE_LUA=$ROOT/bench/issue.lua
BIN=${CARGO_TARGET_DIR:-$ROOT/target}/release/opsdesk
ADMIN_EMAIL=bench-admin@example.com
ADMIN_PASSWORD=bench-admin-password-2026

# The data set (see seed_sql): the same parties and organisation at every size; invoices grow.
CUSTOMERS=2000
VENDORS=200
DEPARTMENTS=5 # one per desk
EMPLOYEES=50  # 10 per department
DESKS=5       # S1..S5
SPAN=730      # invoices are issued evenly over the last 730 days (day 0 .. day 730 = today)
LIST_CUSTOMER=7 # the customer of the per-customer list (EUR, like 90 % of customers)

log() { printf '[finance %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# --- shared parts (bench/scale.sh): the work directory and clean-up, the server, measuring ---
# shellcheck source=bench/scale.sh
source "$(dirname "${BASH_SOURCE[0]}")/scale.sh"
bench_workdir finance
require_tools

# --- seeding: seed_sql, drafts_sql and seed_check (bench/finance_data.sh) ---------------------------
# shellcheck source=bench/finance_data.sh
source "$(dirname "${BASH_SOURCE[0]}")/finance_data.sh"

ENDPOINTS=(ar_today ar_year ap_today profit overdue customer)
declare -A LABEL=(
  [ar_today]="GET /reports/receivables-aging (today)"
  [ar_year]="GET /reports/receivables-aging?as_of=(a year ago)"
  [ap_today]="GET /reports/payables-aging (today)"
  [profit]="GET /reports/customer-profitability (last 365 days)"
  [overdue]="GET /invoices?overdue=true"
  [customer]="GET /invoices?customer_id=(one customer)"
  [issue]="POST /invoices/{id}/issue (distinct drafts)"
)

# --- query plans (what the server runs, spelled with literals) ------------------------------------
plans() { # backend url today year_ago from customer
  local backend=$1 url=$2 today=$3 year_ago=$4 from=$5 customer=$6 ids
  local days_due days_paid credit_voided voided
  if [ "$backend" = postgres ]; then
    days_paid="(paid_on - issue_date)"
    ids=$(q "$backend" "$url" "SELECT string_agg(id::text, ',') FROM (SELECT id FROM invoices WHERE customer_id = $customer ORDER BY id DESC LIMIT 51) AS p")
  else
    days_paid="CAST(julianday(paid_on) - julianday(issue_date) AS INTEGER)"
    ids=$(q "$backend" "$url" "SELECT group_concat(id, ',') FROM (SELECT id FROM invoices WHERE customer_id = $customer ORDER BY id DESC LIMIT 51)")
  fi
  aging_sql() { # kind as_of
    local kind=$1 d=$2 days party=i.customer_id cv v
    [ "$kind" = payable ] && party=i.vendor_id
    if [ "$backend" = postgres ]; then
      days="(CAST('$d' AS DATE) - i.due_date)" cv="CAST(c.voided_at AS DATE)" v="CAST(i.voided_at AS DATE)"
    else
      days="CAST(julianday('$d') - julianday(i.due_date) AS INTEGER)" cv="date(c.voided_at)" v="date(i.voided_at)"
    fi
    printf '%s' "SELECT party_id, currency, bucket, CAST(SUM(balance) AS BIGINT) AS amount, COUNT(*) AS invoices FROM ( SELECT $party AS party_id, i.currency, CAST(CASE WHEN $days <= 0 THEN 0 WHEN $days <= 30 THEN 1 WHEN $days <= 60 THEN 2 WHEN $days <= 90 THEN 3 ELSE 4 END AS BIGINT) AS bucket, i.total - COALESCE((SELECT SUM(p.amount) FROM payments p WHERE p.invoice_id = i.id AND p.paid_on <= '$d'), 0) - COALESCE((SELECT SUM(c.total) FROM invoices c WHERE c.credited_invoice_id = i.id AND c.status <> 'draft' AND c.issue_date <= '$d' AND (c.voided_at IS NULL OR $cv > '$d')), 0) AS balance FROM invoices i WHERE i.issue_date <= '$d' AND i.status <> 'draft' AND (i.paid_on IS NULL OR i.paid_on > '$d') AND (i.voided_at IS NULL OR $v > '$d') AND i.kind = '$kind' ) owed WHERE balance > 0 GROUP BY party_id, currency, bucket ORDER BY party_id, currency, bucket"
  }
  local in_ids="invoice_id IN ($ids)"
  [ "$backend" = postgres ] && in_ids="invoice_id = ANY('{$ids}'::bigint[])"
  local -a queries=(
    "$(aging_sql receivable "$today")"
    "$(aging_sql receivable "$year_ago")"
    "$(aging_sql payable "$today")"
    "SELECT customer_id AS party_id, currency, CAST(SUM(CASE WHEN kind = 'credit_note' THEN -subtotal ELSE subtotal END) AS BIGINT) AS amount FROM invoices WHERE kind IN ('receivable', 'credit_note') AND status NOT IN ('draft', 'void') AND issue_date >= '$from' AND issue_date <= '$today' GROUP BY customer_id, currency"
    "SELECT t.requester_customer_id AS customer_id, e.cost_currency AS currency, CAST(SUM(e.minutes) AS BIGINT) AS minutes, CAST(SUM(e.cost) AS BIGINT) AS cost FROM time_entries e JOIN tickets t ON t.id = e.ticket_id WHERE t.requester_customer_id IS NOT NULL AND e.work_date >= '$from' AND e.work_date <= '$today' GROUP BY t.requester_customer_id, e.cost_currency"
    "SELECT customer_id AS party_id, COUNT(*) AS invoices, CAST(SUM($days_paid) AS BIGINT) AS total_days FROM invoices WHERE kind = 'receivable' AND status = 'paid' AND paid_on >= '$from' AND paid_on <= '$today' GROUP BY customer_id"
    "SELECT stock_movements.ticket_id, items.currency, stock_movements.value_delta FROM stock_movements INNER JOIN items ON items.id = stock_movements.item_id WHERE stock_movements.ticket_id IS NOT NULL AND stock_movements.created_at >= '$from 00:00:00' AND stock_movements.created_at < '$today 23:59:59'"
    "SELECT * FROM parties WHERE id = 1 AND kind = 'customer' LIMIT 1"
    "SELECT * FROM invoices WHERE status IN ('issued', 'partially_paid') AND due_date < '$today' ORDER BY id DESC LIMIT 51"
    "SELECT * FROM invoices WHERE customer_id = $customer ORDER BY id DESC LIMIT 51"
    "SELECT * FROM invoice_lines WHERE $in_ids ORDER BY invoice_id, position"
    "SELECT invoice_line_id, id FROM time_entries WHERE $in_ids ORDER BY id"
  )
  explain_all "$backend" "$url" "${queries[@]}"
}

build_and_start
PLANS=$OUT_DIR/finance-plans.txt
: >"$PLANS"
declare -A ITEMS CHECKED ISSUED NUMBERS COUNTS

for backend in $BACKENDS; do
  case $backend in sqlite | postgres) ;; *) die "unknown backend $backend (sqlite, postgres)" ;; esac
  if [ "$backend" = postgres ]; then
    PG_VERSION=$(psql -X -At "$PG_BASE/postgres" -c 'SHOW server_version') || die "cannot reach PostgreSQL at $PG_BASE"
  fi
  for n in $SIZES; do
    [ "$n" -ge 1000 ] && [ $((n % 20)) = 0 ] || die "sizes must be multiples of 20, at least 1000"
    label=$backend-$n
    fresh_database "$backend" "$label" bench_fin_$$_$n

    today=$(date -u +%F)
    start=$(date -u -d "$today -$SPAN days" +%F)
    log "$label: seed $n invoices ($start .. $today)"
    seed_sql "$backend" "$n" "$start" >"$WORK/seed.sql"
    run_seed "$backend" "$url" "$label"
    [ "$(q "$backend" "$url" "SELECT COUNT(*) FROM invoices")" = "$n" ] || die "seed did not produce $n invoices ($label)"
    [ "$(q "$backend" "$url" "SELECT COUNT(*) FROM time_entries")" = "$((n / 2))" ] || die "seed did not produce $((n / 2)) time entries ($label)"
    COUNTS[$label]=$(q "$backend" "$url" "SELECT (SELECT COUNT(*) FROM invoice_lines) || ' lines, ' || (SELECT COUNT(*) FROM payments) || ' payments, ' || (SELECT COUNT(*) FROM tickets) || ' tickets, ' || (SELECT COUNT(*) FROM time_entries) || ' time entries'")
    log "$label: seeded in ${SEED[$label]} s, ${SIZE[$label]} MiB: $n invoices, ${COUNTS[$label]}"
    log "$label: statuses $(q "$backend" "$url" "SELECT kind || '/' || status || '=' || COUNT(*) FROM invoices GROUP BY kind, status ORDER BY kind, status" | tr '\n' ' ')"
    t0=$(now_s)
    read -r bad_paid bad_credited bad_status bad_paid_on bad_unpaid_on bad_subtotal bad_counters < <(seed_check "$backend" "$url")
    if [ "$bad_paid$bad_credited$bad_status$bad_paid_on$bad_unpaid_on$bad_subtotal$bad_counters" = 0000000 ]; then
      CHECKED[$label]="consistent"
    else
      CHECKED[$label]="**inconsistent**: paid $bad_paid, credited $bad_credited, status $bad_status, paid_on $bad_paid_on/$bad_unpaid_on, subtotal $bad_subtotal, counters $bad_counters"
      die "the seed is inconsistent ($label): ${CHECKED[$label]}"
    fi
    log "$label: seed checked in $(elapsed "$t0") s: ${CHECKED[$label]}"

    year_ago=$(date -u -d "$today -365 days" +%F)
    profit_from=$(date -u -d "$today -364 days" +%F)

    start_server "$label" "$url" 18400 18499
    declare -A URL=(
      [ar_today]="$BASE/api/v1/reports/receivables-aging"
      [ar_year]="$BASE/api/v1/reports/receivables-aging?as_of=$year_ago"
      [ap_today]="$BASE/api/v1/reports/payables-aging"
      [profit]="$BASE/api/v1/reports/customer-profitability"
      [overdue]="$BASE/api/v1/invoices?overdue=true"
      [customer]="$BASE/api/v1/invoices?customer_id=$LIST_CUSTOMER"
    )
    for ep in "${ENDPOINTS[@]}"; do
      check "$label-$ep" "${URL[$ep]}"
      case $ep in
        ar_* | ap_*) ITEMS[$label|$ep]=$(count_items "$label-$ep" party_id) ;;
        profit) ITEMS[$label|$ep]=$(count_items "$label-$ep" customer_id) ;;
        *) ITEMS[$label|$ep]=$(count_items "$label-$ep" number) ;;
      esac
      [ "${ITEMS[$label|$ep]}" -ge 1 ] || die "$ep is empty ($label): nothing would be measured"
      log "$label: $ep answers 200 with ${ITEMS[$label|$ep]} rows; one at a time ${SINGLE[$label-$ep]} ms"
    done
    grep -q '"labour_cost":"[1-9]' "$WORK/$label-profit.json" || die "no labour cost in the profitability report ($label)"

    for ep in "${ENDPOINTS[@]}"; do measure "$label|$ep" "${URL[$ep]}" "${SINGLE[$label-$ep]}"; done

    if [ "$n" = "$LARGEST" ]; then
      log "$label: query plans -> $PLANS"
      { printf '==== %s, %s invoices ====\n' "$backend" "$n"; plans "$backend" "$url" "$today" "$year_ago" "$profit_from" "$LIST_CUSTOMER"; echo; } >>"$PLANS" 2>&1 || log "could not explain the queries ($label)"
    fi

    # Issuing: DRAFTS fresh drafts (SQL), then POST /invoices/{id}/issue for distinct ids from
    # bench/issue.lua: a warm-up on the first ids, the measurement on the next. Afterwards this
    # year's INV numbers must be unique and gapless and end at the counter.
    first=$((n + 1))
    drafts_sql "$backend" "$first" "$DRAFTS" >"$WORK/drafts.sql"
    if [ "$backend" = postgres ]; then
      psql -X -q "$url" -f "$WORK/drafts.sql" >"$WORK/drafts.log" 2>&1 || { cat "$WORK/drafts.log" >&2; die "drafts failed ($label)"; }
    else
      sqlite3 "$url" <"$WORK/drafts.sql" >"$WORK/drafts.log" 2>&1 || { cat "$WORK/drafts.log" >&2; die "drafts failed ($label)"; }
    fi
    year=$(date -u +%Y)
    counter_before=$(q "$backend" "$url" "SELECT value FROM counters WHERE name = 'invoice:INV:$year'")
    last=$((n + DRAFTS))
    wrk_run "$ISSUE_LUA" "$BASE/api/v1/invoices" "$WARMUP" "$WORK/issue-warmup.out" BENCH_FIRST_ID="$first" || true
    sleep 0.5
    warm=$(field requests "$WORK/issue-warmup.out")
    first=$((first + ${warm:-0} + 2 * CONNECTIONS + 10))
    before=$BACKGROUND_SUM
    sample_noise
    BUSY[$label|issue]=$((BACKGROUND_SUM - before))
    DUR[$label|issue]=$DURATION
    wrk_run "$ISSUE_LUA" "$BASE/api/v1/invoices" "$DURATION" "$WORK/issue.out" BENCH_FIRST_ID="$first" \
      || { cat "$WORK/issue.out" >&2; die "wrk failed ($label issue)"; }
    sleep 1
    record "$label|issue" "$WORK/issue.out"
    i2=$(field n2xx "$WORK/issue.out") i4=$(field n4xx "$WORK/issue.out") i5=$(field n5xx "$WORK/issue.out")
    RPS[$label|issue]=$(awk -v n="$i2" -v d="$(field duration_us "$WORK/issue.out")" 'BEGIN { printf "%.1f", n / (d / 1e6) }')
    ERRS[$label|issue]="${ERRS[$label|issue]} (2xx $i2, 4xx $i4, 5xx $i5)"
    [ "$((first + NREQ[$label|issue]))" -le "$last" ] || log "$label: the issue phase ran out of drafts (raise BENCH_ISSUE_DRAFTS)"
    read -r total distinct lowest highest counter issued < <(q "$backend" "$url" \
      "SELECT COUNT(*), COUNT(DISTINCT number), MIN(CAST(substr(number, 10) AS INTEGER)), MAX(CAST(substr(number, 10) AS INTEGER)), (SELECT value FROM counters WHERE name = 'invoice:INV:$year'), (SELECT COUNT(*) FROM invoices WHERE id > $n AND status <> 'draft') FROM invoices WHERE number LIKE 'INV-$year-%'" | tr '|' ' ')
    ISSUED[$label]=$issued
    if [ "$total" = "$distinct" ] && [ "$lowest" = 1 ] && [ "$highest" = "$total" ] && [ "$counter" = "$highest" ] \
      && [ "$counter" = "$((counter_before + issued))" ]; then
      NUMBERS[$label]="INV-$year: gapless 1..$highest, unique, counter $counter_before → $counter"
    else
      NUMBERS[$label]="**INV-$year not gapless**: $total invoices, $distinct numbers, $lowest..$highest, counter $counter_before → $counter, $issued issued"
    fi
    warm2=$(field n2xx "$WORK/issue-warmup.out")
    if [ "$issued" -lt "$((i2 + ${warm2:-0}))" ] || [ "$issued" -gt "$((i2 + ${warm2:-0} + 2 * CONNECTIONS))" ]; then
      NUMBERS[$label]="${NUMBERS[$label]}; **$issued issued but $((i2 + ${warm2:-0})) answered 2xx**"
    fi
    log "$label: issued $issued drafts (${i2} + ${warm2:-0} answered 2xx): ${NUMBERS[$label]}"
    unset URL

    finish_size "$backend" "$label"
  done
done
ELAPSED=$SECONDS
ALL_ENDPOINTS=("${ENDPOINTS[@]}" issue)

# --- report -------------------------------------------------------------------------------------
noise_summary

{
  echo "# opsdesk finance benchmark, $STARTED_AT"
  echo
  echo "- Machine: $(nproc) cores ($CPU), $(uname -sr); load average $LOAD_AT_START at start, $(cut -d' ' -f1-3 /proc/loadavg) at end; $NOISE"
  echo "- Build: commit $COMMIT, release; PostgreSQL $PG_VERSION on loopback; SQLite bundled, WAL"
  echo "- Data: $CUSTOMERS customers (10 % USD), $VENDORS vendors; N invoices over the last $SPAN days (80 % receivable, 15 % payable, 5 % credit notes; 1-3 lines; mostly paid, some partially paid, overdue, void, draft), their payments; N/10 customer tickets with N/2 time entries; signed in as admin"
  echo "- Load: wrk -t1 -c$CONNECTIONS -d${DURATION}s per endpoint after ${WARMUP} s of warm-up (timeout ${TIMEOUT} s; endpoints slower than ~${DURATION}/(3×$CONNECTIONS) s one at a time run longer, up to 60 s, without warm-up: see Requests (s)); \"1 at a time\" is the median of 3 sequential requests; \"CPU %\" is the machine's CPU use in the half second before the measurement (other work); server RUST_LOG=warn; run took ${ELAPSED} s"
  echo
  echo "| Backend | N | Endpoint | Rows | Requests (s) | Requests/s | p50 ms | p99 ms | 1 at a time ms | Errors | CPU % before |"
  echo "|---|---:|---|---:|---:|---:|---:|---:|---:|---|---:|"
  for backend in $BACKENDS; do
    for n in $SIZES; do
      for ep in "${ALL_ENDPOINTS[@]}"; do
        key="$backend-$n|$ep"
        printf '| %s | %s | %s | %s | %s (%s) | %s | %s | %s | %s | %s | %s |\n' "$backend" "$n" "${LABEL[$ep]}" "${ITEMS[$key]:--}" \
          "${NREQ[$key]}" "${DUR[$key]}" "${RPS[$key]}" "${P50[$key]}" "${P99[$key]}" "${SINGLE[$backend-$n-$ep]:--}" "${ERRS[$key]}" "${BUSY[$key]}"
      done
    done
  done
  echo
  echo "Issue rows: Requests/s counts 2xx answers only (issues/s)."
  echo
  echo "| Backend | N | Seed + ANALYZE s | Database MiB | Rows besides the invoices | Seed check | Drafts issued | Numbers after | Server log lines |"
  echo "|---|---:|---:|---:|---|---|---:|---|---|"
  for backend in $BACKENDS; do
    for n in $SIZES; do
      printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$backend" "$n" "${SEED[$backend-$n]}" "${SIZE[$backend-$n]}" \
        "${COUNTS[$backend-$n]}" "${CHECKED[$backend-$n]}" "${ISSUED[$backend-$n]}" "${NUMBERS[$backend-$n]}" "${SERVER_LOG[$backend-$n]}"
    done
  done
  if [ "$SMALLEST" != "$LARGEST" ]; then
    echo
    echo "Growth from $SMALLEST to $LARGEST invoices (lists return at most 50 rows, reports at most one row per party and currency, at every size):"
    echo
    for backend in $BACKENDS; do
      for ep in "${ALL_ENDPOINTS[@]}"; do growth_verdict "$backend" "$ep" invoices "N" ITEMS; done
    done
  fi
  echo
  echo "Query plans at $LARGEST invoices: bench/out/finance-plans.txt."
} | tee "$OUT_DIR/finance.md"
