#!/usr/bin/env bash
# Inventory at scale: the stock valuation (today and six months ago), the low-stock report, one
# item's ledger, the below-reorder item list, and posting movements, with 10k items and a ledger
# of 1M movements, on SQLite and on PostgreSQL. For each backend and ledger size it migrates a
# fresh database, seeds it with set-based SQL, serves it and measures each endpoint with wrk at
# low concurrency. Loopback traffic only; every process, database and file it creates is removed
# on exit. See bench/README.md.
#
#   bash bench/inventory.sh      # ~4 minutes after the build; table on stdout and in bench/out/inventory.md
#
# Settings (environment): BENCH_ITEMS (10000), BENCH_MOVEMENTS ("1000000"; several sizes, e.g.
# "10000 100000 1000000", show how the costs grow with the ledger), BENCH_BACKENDS
# ("sqlite postgres"), BENCH_DURATION (s per endpoint, 8), BENCH_WARMUP (s, 2),
# BENCH_CONNECTIONS (4), BENCH_TIMEOUT (s, wrk's per-request timeout, 30), BENCH_SEED_TIMEOUT
# (s per seed, 1200), BENCH_PG_URL (postgres://postgres@127.0.0.1), BENCH_NO_BUILD=1 (use the
# existing binary).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

ITEMS=${BENCH_ITEMS:-10000}
SIZES=${BENCH_MOVEMENTS:-1000000}
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
MOVE_LUA=$ROOT/bench/movement.lua
BIN=${CARGO_TARGET_DIR:-$ROOT/target}/release/opsdesk
ADMIN_EMAIL=bench-admin@example.com
ADMIN_PASSWORD=bench-admin-password-2026

# The data set (see seed_sql): the same items and locations at every size; the ledger grows.
DEPARTMENTS=5
BINS=10          # per warehouse: WH1 bins are locations 3..12, WH2 bins 13..22
LOC_A=3          # item i is received into and mostly issued from bin LOC_A + i % BINS (WH1) ...
LOC_B=13         # ... and keeps some stock in bin LOC_B + i % BINS (WH2)
LEDGER_ITEM=7    # the item whose ledger is listed
SPAN=$((365 * 86400)) # movements are spread evenly over the last 365 days

log() { printf '[inventory %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# --- shared parts (bench/scale.sh): the work directory and clean-up, the server, measuring ---
# shellcheck source=bench/scale.sh
source "$(dirname "${BASH_SOURCE[0]}")/scale.sh"
bench_workdir inventory
require_tools

# --- seeding ------------------------------------------------------------------------------------
# One SQL text for both backends; shell functions spell what differs.
#
# Items 1..ITEMS (SKU-000001...), each with its own unit cost (0.50-200.49 EUR, whole cents, the
# same on every receipt, so the moving average is exact and issues are valued as the server
# values them), a step size u = 1..5 units, bin A in WH1 and bin B in WH2. Movement g (1..K)
# belongs to item 1 + (g-1) % ITEMS (so every item's movements are spread over the year, in id
# order) and is that item's j-th, j = (g-1) / ITEMS. Each item's ledger repeats one cycle of 20:
# 2 receipts of 12u into A, 15 issues of u (from A or B) to a department, 2 transfers of 4u A -> B,
# and 1 count adjustment of one unit at A (down in even cycles, up in odd ones): 10 % receipts,
# 75 % issues, 10 % transfers, 5 % adjustments; each cycle adds 9u units, and no location is
# ever negative at any point. on_hand_after is the running balance (closed form from the cycle;
# checked against a window sum). Items, totals, stock levels and the
# monthly rollup (stock_month_totals) are then summed from the ledger.
# Every 20th item (5 %) gets a reorder point above what it holds (below_reorder = true); the
# others a quarter of it.
seed_sql() {
  local backend=$1 k=$2 now=$3 t0 with_k with_i with_l from_k from_i from_l true pad6 ts
  t0=$((now - SPAN))
  if [ "$backend" = postgres ]; then
    with_k= with_i= with_l=
    from_k="generate_series(1::bigint, $k::bigint) AS s(g)"
    from_i="generate_series(1::bigint, $ITEMS::bigint) AS s(g)"
    from_l="generate_series(1::bigint, $((2 + 2 * BINS))::bigint) AS s(g)"
    true=true
    pad6() { printf "lpad(CAST((%s) AS TEXT), 6, '0')" "$1"; }
    ts() { printf "(to_timestamp(%s) AT TIME ZONE 'UTC')" "$1"; }
    day_of_ts() { printf "CAST(to_timestamp(%s) AT TIME ZONE 'UTC' AS DATE)" "$1"; }
    month_start() { printf "CAST(date_trunc('month', %s) AS DATE)" "$1"; }
    echo '\set ON_ERROR_STOP on'
    echo "SET work_mem = '256MB'; SET maintenance_work_mem = '1GB'; SET synchronous_commit = off;"
  else
    with_k="WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < $k)"
    with_i="WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < $ITEMS)"
    with_l="WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < $((2 + 2 * BINS)))"
    from_k=s from_i=s from_l=s
    true=1
    pad6() { printf "printf('%%06d', %s)" "$1"; }
    ts() { printf "datetime(%s, 'unixepoch')" "$1"; }
    day_of_ts() { printf "date(%s, 'unixepoch')" "$1"; }
    month_start() { printf "date(%s, 'start of month')" "$1"; }
    echo '.bail on'
    echo 'PRAGMA journal_mode = DELETE;'
    echo 'PRAGMA synchronous = OFF;'
    echo 'PRAGMA cache_size = -1048576;'
    echo 'PRAGMA temp_store = MEMORY;'
  fi
  local created
  created=$(ts "$t0 - 86400 * 30")
  cat <<SQL
BEGIN;
INSERT INTO departments (id, code, name, active, created_at, updated_at, version)
SELECT id, 'STK' || id, 'Stock user ' || id, $true, $created, $created, 1
FROM (SELECT 1 AS id UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5) AS d;
$with_l
INSERT INTO stock_locations (id, code, name, parent_id, active, created_at, updated_at, version)
SELECT s.g,
    CASE WHEN s.g <= 2 THEN 'WH' || s.g ELSE 'WH' || (1 + (s.g - 3) / $BINS) || '-B' || (1 + (s.g - 3) % $BINS) END,
    CASE WHEN s.g <= 2 THEN 'Warehouse ' || s.g ELSE 'Bin ' || (1 + (s.g - 3) % $BINS) || ' of warehouse ' || (1 + (s.g - 3) / $BINS) END,
    CASE WHEN s.g > 2 THEN 1 + (s.g - 3) / $BINS END,
    $true, $created, $created, 1
FROM $from_l;
$with_i
INSERT INTO items (id, sku, name, unit, category, reorder_point, reorder_quantity, currency, active, on_hand,
    stock_value, below_reorder, created_at, updated_at, version)
SELECT s.g, 'SKU-' || $(pad6 s.g),
    CASE s.g % 8 WHEN 0 THEN 'Filter' WHEN 1 THEN 'Bearing' WHEN 2 THEN 'Cable' WHEN 3 THEN 'Fuse'
        WHEN 4 THEN 'Valve' WHEN 5 THEN 'Belt' WHEN 6 THEN 'Sensor' ELSE 'Gasket' END || ' type ' || s.g,
    'pcs',
    CASE s.g % 8 WHEN 0 THEN 'filters' WHEN 1 THEN 'mechanical' WHEN 2 THEN 'electrical' WHEN 3 THEN 'electrical'
        WHEN 4 THEN 'plumbing' WHEN 5 THEN 'mechanical' WHEN 6 THEN 'electronics' ELSE 'plumbing' END,
    0, 20000 * (1 + s.g % 5), 'EUR', $true, 0, 0, $true, $created, $created, 1
FROM $from_i;

-- The cycle of 20 movements: kind, size in steps u, from/to (A or B), running total after (in u).
CREATE TEMP TABLE bench_slot (slot INTEGER PRIMARY KEY, kind TEXT, qu INTEGER, src TEXT, dst TEXT, cum INTEGER);
INSERT INTO bench_slot (slot, kind, qu, src, dst, cum) VALUES
    (0, 'receipt', 12, NULL, 'A', 12), (1, 'issue', 1, 'A', NULL, 11), (2, 'issue', 1, 'A', NULL, 10),
    (3, 'transfer', 4, 'A', 'B', 10), (4, 'issue', 1, 'B', NULL, 9), (5, 'issue', 1, 'A', NULL, 8),
    (6, 'issue', 1, 'B', NULL, 7), (7, 'issue', 1, 'A', NULL, 6), (8, 'issue', 1, 'B', NULL, 5),
    (9, 'issue', 1, 'A', NULL, 4), (10, 'receipt', 12, NULL, 'A', 16), (11, 'issue', 1, 'A', NULL, 15),
    (12, 'issue', 1, 'B', NULL, 14), (13, 'transfer', 4, 'A', 'B', 14), (14, 'issue', 1, 'A', NULL, 13),
    (15, 'issue', 1, 'B', NULL, 12), (16, 'issue', 1, 'A', NULL, 11), (17, 'issue', 1, 'B', NULL, 10),
    (18, 'issue', 1, 'A', NULL, 9), (19, 'adjustment', 0, NULL, NULL, 9);

$with_k
INSERT INTO stock_movements (id, item_id, kind, quantity, from_location_id, to_location_id, quantity_delta,
    value_delta, unit_cost, value, on_hand_after, department_id, reason, created_at, occurred_on)
SELECT x.g, x.item, x.kind,
    1000 * x.units,
    CASE WHEN x.slot = 19 THEN (CASE WHEN x.cyc % 2 = 0 THEN x.la END)
        WHEN x.src = 'A' THEN x.la WHEN x.src = 'B' THEN x.lb END,
    CASE WHEN x.slot = 19 THEN (CASE WHEN x.cyc % 2 = 1 THEN x.la END)
        WHEN x.dst = 'A' THEN x.la WHEN x.dst = 'B' THEN x.lb END,
    1000 * x.units * x.sign, x.cost * x.units * x.sign, 100 * x.cost, x.cost * x.units,
    1000 * (x.u * (9 * x.cyc + x.cum) - x.cyc % 2 + CASE WHEN x.slot = 19 THEN x.sign ELSE 0 END),
    CASE WHEN x.kind = 'issue' THEN 1 + x.item % $DEPARTMENTS END,
    CASE WHEN x.slot = 19 THEN 'Cycle count' END,
    $(ts "$t0 + (x.g - 1) * $SPAN / $k"), $(day_of_ts "$t0 + (x.g - 1) * $SPAN / $k")
FROM (
  SELECT y.*,
      CASE WHEN y.slot = 19 THEN 1 ELSE y.qu * y.u END AS units,
      CASE WHEN y.slot = 19 THEN (CASE WHEN y.cyc % 2 = 0 THEN -1 ELSE 1 END)
          WHEN y.kind = 'receipt' THEN 1 WHEN y.kind = 'issue' THEN -1 ELSE 0 END AS sign
  FROM (
    SELECT z.*, b.kind, b.qu, b.src, b.dst, b.cum
    FROM (
      SELECT s.g, 1 + (s.g - 1) % $ITEMS AS item, ((s.g - 1) / $ITEMS) % 20 AS slot, ((s.g - 1) / $ITEMS) / 20 AS cyc,
          1 + (1 + (s.g - 1) % $ITEMS) % 5 AS u,
          50 + ((1 + (s.g - 1) % $ITEMS) * 7919) % 20000 AS cost,
          $LOC_A + (1 + (s.g - 1) % $ITEMS) % $BINS AS la, $LOC_B + (1 + (s.g - 1) % $ITEMS) % $BINS AS lb
      FROM $from_k
    ) AS z JOIN bench_slot b ON b.slot = z.slot
  ) AS y
) AS x
ORDER BY x.g;

CREATE TEMP TABLE bench_tot AS
SELECT item_id, SUM(quantity_delta) AS q, SUM(value_delta) AS v, MAX(created_at) AS at, COUNT(*) AS n
FROM stock_movements GROUP BY item_id;
UPDATE items SET on_hand = t.q, stock_value = t.v, updated_at = t.at, version = 1 + t.n
FROM bench_tot AS t WHERE t.item_id = items.id;
UPDATE items SET reorder_point = CASE WHEN id % 20 = 0 THEN on_hand + 5000 * (1 + id % 5) ELSE (on_hand / 4000) * 1000 END;
UPDATE items SET below_reorder = (on_hand <= reorder_point);
INSERT INTO stock_levels (item_id, location_id, quantity)
SELECT item_id, loc, SUM(d) FROM (
  SELECT item_id, to_location_id AS loc, quantity AS d FROM stock_movements WHERE to_location_id IS NOT NULL
  UNION ALL
  SELECT item_id, from_location_id, -quantity FROM stock_movements WHERE from_location_id IS NOT NULL
) AS x GROUP BY item_id, loc ORDER BY item_id, loc;
-- The monthly rollup the server keeps on write (inventory::repo::insert_movement), as the
-- 000030 migration fills it from an existing ledger.
INSERT INTO stock_month_totals (item_id, month, quantity_delta, value_delta)
SELECT item_id, $(month_start occurred_on), SUM(quantity_delta), SUM(value_delta)
FROM stock_movements GROUP BY item_id, $(month_start occurred_on);
DROP TABLE bench_tot;
DROP TABLE bench_slot;
SQL
  if [ "$backend" = postgres ]; then
    cat <<SQL
SELECT setval(pg_get_serial_sequence('departments', 'id'), $DEPARTMENTS);
SELECT setval(pg_get_serial_sequence('stock_locations', 'id'), $((2 + 2 * BINS)));
SELECT setval(pg_get_serial_sequence('items', 'id'), $ITEMS);
SELECT setval(pg_get_serial_sequence('stock_movements', 'id'), $k);
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

# ledger_check BACKEND URL: items whose totals differ from their ledger, items whose stock levels
# do not add up to what they hold, negative stock levels, wrong reorder flags, running balances
# that differ from the ledger's running sum, (item, month) rows of stock_month_totals that differ
# from the ledger's sums (all must be 0), then the items flagged low.
ledger_check() {
  local backend=$1 url=$2 true=true month
  [ "$backend" = sqlite ] && true=1
  if [ "$backend" = postgres ]; then month="CAST(date_trunc('month', occurred_on) AS DATE)"; else month="date(occurred_on, 'start of month')"; fi
  q "$backend" "$url" "SELECT
    (SELECT COUNT(*) FROM items i LEFT JOIN (SELECT item_id, SUM(quantity_delta) AS q, SUM(value_delta) AS v FROM stock_movements GROUP BY item_id) t
        ON t.item_id = i.id WHERE i.on_hand <> COALESCE(t.q, 0) OR i.stock_value <> COALESCE(t.v, 0)),
    (SELECT COUNT(*) FROM items i LEFT JOIN (SELECT item_id, SUM(quantity) AS q FROM stock_levels GROUP BY item_id) l
        ON l.item_id = i.id WHERE i.on_hand <> COALESCE(l.q, 0)),
    (SELECT COUNT(*) FROM stock_levels WHERE quantity < 0),
    (SELECT COUNT(*) FROM items WHERE below_reorder <> (on_hand <= reorder_point)),
    (SELECT COUNT(*) FROM (SELECT on_hand_after, SUM(quantity_delta) OVER (PARTITION BY item_id ORDER BY id) AS running
        FROM stock_movements) AS r WHERE r.running <> r.on_hand_after),
    (SELECT COUNT(*) FROM (SELECT item_id, m FROM (
        SELECT item_id, month AS m, quantity_delta AS q, value_delta AS v FROM stock_month_totals
        UNION ALL
        SELECT item_id, $month, -quantity_delta, -value_delta FROM stock_movements) AS d
      GROUP BY item_id, m HAVING SUM(q) <> 0 OR SUM(v) <> 0) AS x),
    (SELECT COUNT(*) FROM items WHERE below_reorder = $true)" | tr '|' ' '
}

ENDPOINTS=(valuation valuation_past low ledger below)
declare -A LABEL=(
  [valuation]="GET /reports/stock-valuation (today)"
  [valuation_past]="GET /reports/stock-valuation?as_of=(6 months ago)"
  [low]="GET /reports/low-stock"
  [ledger]="GET /inventory/items/{id}/movements (one item)"
  [below]="GET /inventory/items?below_reorder_point=true"
  [post]="POST /inventory/movements (receipt 10 / issue 1)"
)

# --- query plans (what the server runs, spelled with literals) ------------------------------------
# The valuation's queries (inventory::repo::valuation_at): today, the items' totals after a look
# for a movement dated later; a past day, the rollup's months before its month and that month's
# movements. Then, for comparison in the same run, the query it ran before the rollup (the whole
# ledger up to the day, summed), six months back.
plans() { # backend url today past
  local backend=$1 url=$2 today=$3 past=$4 past_month
  past_month=$(date -u -d "$past" +%Y-%m-01)
  local true=true
  [ "$backend" = sqlite ] && true=1
  local -a queries=(
    "SELECT id FROM stock_movements WHERE occurred_on > '$today' LIMIT 1"
    "SELECT id, on_hand, stock_value FROM items WHERE on_hand <> 0 OR stock_value <> 0 ORDER BY id"
    "SELECT item_id, CAST(SUM(quantity_delta) AS BIGINT) AS on_hand, CAST(SUM(value_delta) AS BIGINT) AS value FROM (SELECT item_id, quantity_delta, value_delta FROM stock_month_totals WHERE month < '$past_month' UNION ALL SELECT item_id, quantity_delta, value_delta FROM stock_movements WHERE occurred_on >= '$past_month' AND occurred_on <= '$past') AS t GROUP BY item_id HAVING SUM(quantity_delta) <> 0 OR SUM(value_delta) <> 0 ORDER BY item_id"
    "SELECT item_id, CAST(SUM(quantity_delta) AS BIGINT) AS on_hand, CAST(SUM(value_delta) AS BIGINT) AS value FROM stock_movements WHERE occurred_on <= '$past' GROUP BY item_id ORDER BY item_id"
    "SELECT * FROM items WHERE id = $LEDGER_ITEM LIMIT 1"
    "SELECT * FROM items WHERE active = $true AND below_reorder = $true ORDER BY id LIMIT 501"
    "SELECT * FROM stock_movements WHERE item_id = $LEDGER_ITEM ORDER BY id LIMIT 51"
    "SELECT * FROM items WHERE below_reorder = $true ORDER BY id LIMIT 51"
  )
  explain_all "$backend" "$url" "${queries[@]}"
}

build_and_start
PLANS=$OUT_DIR/inventory-plans.txt
: >"$PLANS"
declare -A ROWS CHECKED AFTER POSTED LOW

[ "$ITEMS" -ge 20 ] || die "BENCH_ITEMS must be at least 20"
[ $((ITEMS % 7919)) != 0 ] || die "BENCH_ITEMS must not be a multiple of 7919 (bench/movement.lua)"
for backend in $BACKENDS; do
  case $backend in sqlite | postgres) ;; *) die "unknown backend $backend (sqlite, postgres)" ;; esac
  if [ "$backend" = postgres ]; then
    PG_VERSION=$(psql -X -At "$PG_BASE/postgres" -c 'SHOW server_version') || die "cannot reach PostgreSQL at $PG_BASE"
  fi
  for k in $SIZES; do
    [ "$k" -ge "$ITEMS" ] || die "BENCH_MOVEMENTS must be at least BENCH_ITEMS (every item gets a receipt first)"
    label=$backend-$k
    fresh_database "$backend" "$label" bench_inv_$$_$k

    log "$label: seed $ITEMS items, $k movements"
    seed_sql "$backend" "$k" "$(date -u +%s)" >"$WORK/seed.sql"
    run_seed "$backend" "$url" "$label"
    [ "$(q "$backend" "$url" "SELECT COUNT(*) FROM stock_movements")" = "$k" ] || die "seed did not produce $k movements ($label)"
    log "$label: seeded in ${SEED[$label]} s, ${SIZE[$label]} MiB; kinds $(q "$backend" "$url" "SELECT kind || '=' || COUNT(*) FROM stock_movements GROUP BY kind ORDER BY kind" | tr '\n' ' ')"
    t0=$(now_s)
    read -r bad_totals bad_levels negative bad_flags bad_running bad_months low < <(ledger_check "$backend" "$url")
    if [ "$bad_totals$bad_levels$negative$bad_flags$bad_running$bad_months" = 000000 ]; then
      CHECKED[$label]="consistent; $low items low"
    else
      CHECKED[$label]="**inconsistent**: totals $bad_totals, levels $bad_levels, negative $negative, flags $bad_flags, running $bad_running, month rows $bad_months"
      die "the seed is inconsistent ($label): ${CHECKED[$label]}"
    fi
    LOW[$label]=$low
    log "$label: seed checked in $(elapsed "$t0") s: ${CHECKED[$label]}"

    today=$(date -u +%F)
    past=$(date -u -d "$today -182 days" +%F)
    start_server "$label" "$url" 18500 18599
    declare -A URL=(
      [valuation]="$BASE/api/v1/reports/stock-valuation"
      [valuation_past]="$BASE/api/v1/reports/stock-valuation?as_of=$past"
      [low]="$BASE/api/v1/reports/low-stock"
      [ledger]="$BASE/api/v1/inventory/items/$LEDGER_ITEM/movements"
      [below]="$BASE/api/v1/inventory/items?below_reorder_point=true"
    )
    for ep in "${ENDPOINTS[@]}"; do
      check "$label-$ep" "${URL[$ep]}"
      case $ep in
        ledger) ROWS[$label|$ep]=$(count_items "$label-$ep" on_hand_after) ;;
        *) ROWS[$label|$ep]=$(count_items "$label-$ep" sku) ;;
      esac
      [ "${ROWS[$label|$ep]}" -ge 1 ] || die "$ep is empty ($label): nothing would be measured"
      log "$label: $ep answers 200 with ${ROWS[$label|$ep]} rows; one at a time ${SINGLE[$label-$ep]} ms"
    done
    [ "${ROWS[$label|low]}" = "$low" ] || die "the low-stock report has ${ROWS[$label|low]} items, not $low ($label)"
    [ "${ROWS[$label|valuation]}" = "$ITEMS" ] || die "the valuation has ${ROWS[$label|valuation]} items, not $ITEMS ($label)"

    for ep in "${ENDPOINTS[@]}"; do measure "$label|$ep" "${URL[$ep]}" "${SINGLE[$label-$ep]}"; done

    # At every size: the valuation's plans, and the whole-ledger sum it replaced, timed alone.
    log "$label: query plans -> $PLANS"
    { printf '==== %s, %s items, %s movements ====\n' "$backend" "$ITEMS" "$k"; plans "$backend" "$url" "$today" "$past"; echo; } >>"$PLANS" 2>&1 || log "could not explain the queries ($label)"

    # Posting: receipts of 10 and issues of 1 from bench/movement.lua, a warm-up then the
    # measurement; afterwards the ledger must still explain every item's totals and stock levels.
    lua_env=(BENCH_ITEMS="$ITEMS" BENCH_LOC_BASE="$LOC_A" BENCH_BINS="$BINS" BENCH_DEPARTMENT=1)
    wrk_run "$MOVE_LUA" "$BASE/api/v1/inventory/movements" "$WARMUP" "$WORK/post-warmup.out" "${lua_env[@]}" BENCH_OFFSET=0 || true
    sleep 0.5
    offset=$(($(field requests "$WORK/post-warmup.out") / 2 + CONNECTIONS))
    before=$BACKGROUND_SUM
    sample_noise
    BUSY[$label|post]=$((BACKGROUND_SUM - before))
    DUR[$label|post]=$DURATION
    wrk_run "$MOVE_LUA" "$BASE/api/v1/inventory/movements" "$DURATION" "$WORK/post.out" "${lua_env[@]}" BENCH_OFFSET="$offset" \
      || { cat "$WORK/post.out" >&2; die "wrk failed ($label post)"; }
    sleep 1
    record "$label|post" "$WORK/post.out"
    m2=$(field n2xx "$WORK/post.out") m4=$(field n4xx "$WORK/post.out") m5=$(field n5xx "$WORK/post.out")
    RPS[$label|post]=$(awk -v n="$m2" -v d="$(field duration_us "$WORK/post.out")" 'BEGIN { printf "%.1f", n / (d / 1e6) }')
    ERRS[$label|post]="${ERRS[$label|post]} (2xx $m2, 4xx $m4, 5xx $m5)"
    warm2=$(field n2xx "$WORK/post-warmup.out")
    POSTED[$label]=$(q "$backend" "$url" "SELECT COUNT(*) FROM stock_movements WHERE id > $k")
    read -r bad_totals bad_levels negative bad_flags bad_running bad_months low < <(ledger_check "$backend" "$url")
    if [ "$bad_totals$bad_levels$negative$bad_flags$bad_running$bad_months" = 000000 ]; then
      AFTER[$label]="no negative level; every item's on_hand and stock_value = its ledger's sums; levels add up; month rollup = ledger"
    else
      AFTER[$label]="**broken**: totals $bad_totals, levels $bad_levels, negative $negative, flags $bad_flags, running $bad_running, month rows $bad_months"
    fi
    if [ "${POSTED[$label]}" -lt "$((m2 + ${warm2:-0}))" ] || [ "${POSTED[$label]}" -gt "$((m2 + ${warm2:-0} + 2 * CONNECTIONS))" ]; then
      AFTER[$label]="${AFTER[$label]}; **${POSTED[$label]} posted but $((m2 + ${warm2:-0})) answered 2xx**"
    fi
    log "$label: posted ${POSTED[$label]} movements ($m2 + ${warm2:-0} answered 2xx): ${AFTER[$label]}"
    unset URL

    finish_size "$backend" "$label"
  done
done
ELAPSED=$SECONDS
ALL_ENDPOINTS=("${ENDPOINTS[@]}" post)

# --- report -------------------------------------------------------------------------------------
noise_summary

{
  echo "# opsdesk inventory benchmark, $STARTED_AT"
  echo
  echo "- Machine: $(nproc) cores ($CPU), $(uname -sr); load average $LOAD_AT_START at start, $(cut -d' ' -f1-3 /proc/loadavg) at end; $NOISE"
  echo "- Build: commit $COMMIT, release; PostgreSQL $PG_VERSION on loopback; SQLite bundled, WAL"
  echo "- Data: $ITEMS items (EUR, 5 % at or under their reorder point), 2 warehouses of $BINS bins; a ledger of K movements over the last 365 days (10 % receipts, 75 % issues to departments, 10 % transfers, 5 % count adjustments), stock levels and item totals summed from it; signed in as admin"
  echo "- Load: wrk -t1 -c$CONNECTIONS -d${DURATION}s per endpoint after ${WARMUP} s of warm-up (timeout ${TIMEOUT} s; endpoints slower than ~${DURATION}/(3×$CONNECTIONS) s one at a time run longer, up to 60 s, without warm-up: see Requests (s)); \"1 at a time\" is the median of 3 sequential requests; \"CPU %\" is the machine's CPU use in the half second before the measurement (other work); server RUST_LOG=warn; run took ${ELAPSED} s"
  echo
  echo "| Backend | Movements | Endpoint | Rows | Requests (s) | Requests/s | p50 ms | p99 ms | 1 at a time ms | Errors | CPU % before |"
  echo "|---|---:|---|---:|---:|---:|---:|---:|---:|---|---:|"
  for backend in $BACKENDS; do
    for k in $SIZES; do
      for ep in "${ALL_ENDPOINTS[@]}"; do
        key="$backend-$k|$ep"
        printf '| %s | %s | %s | %s | %s (%s) | %s | %s | %s | %s | %s | %s |\n' "$backend" "$k" "${LABEL[$ep]}" "${ROWS[$key]:--}" \
          "${NREQ[$key]}" "${DUR[$key]}" "${RPS[$key]}" "${P50[$key]}" "${P99[$key]}" "${SINGLE[$backend-$k-$ep]:--}" "${ERRS[$key]}" "${BUSY[$key]}"
      done
    done
  done
  echo
  echo "POST rows: Requests/s counts 2xx answers only (movements/s)."
  echo
  echo "| Backend | Movements | Seed + ANALYZE s | Database MiB | Seed check | Movements posted | After posting | Server log lines |"
  echo "|---|---:|---:|---:|---|---:|---|---|"
  for backend in $BACKENDS; do
    for k in $SIZES; do
      printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$backend" "$k" "${SEED[$backend-$k]}" "${SIZE[$backend-$k]}" \
        "${CHECKED[$backend-$k]}" "${POSTED[$backend-$k]}" "${AFTER[$backend-$k]}" "${SERVER_LOG[$backend-$k]}"
    done
  done
  if [ "$SMALLEST" != "$LARGEST" ]; then
    echo
    echo "Growth from $SMALLEST to $LARGEST movements ($ITEMS items at every size: the valuation returns $ITEMS rows, the other reads at most 50):"
    echo
    for backend in $BACKENDS; do
      for ep in "${ALL_ENDPOINTS[@]}"; do growth_verdict "$backend" "$ep" movements "the ledger" ROWS; done
    done
  fi
  echo
  echo "Query plans at every size (with the whole-ledger sum the valuation ran before its monthly rollup, timed alone): bench/out/inventory-plans.txt."
} | tee "$OUT_DIR/inventory.md"
