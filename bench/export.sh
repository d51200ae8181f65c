#!/usr/bin/env bash
# CSV export at scale (issue 15): a list of 10k, 100k and 1M rows (`GET /api/v1/inventory/items`
# with `Accept: text/csv`) streamed whole, on SQLite and on PostgreSQL. For each backend and size
# it migrates a fresh database, seeds the items with set-based SQL, starts `opsdesk serve`
# (release build) and downloads the list twice: as fast as curl reads, and by a slow client
# (BENCH_SLOW_RATE, for BENCH_SLOW_SECS), sampling the server's resident memory every 20 ms. The
# claim measured: the server's memory stays that of one page whatever the size of the list and
# however slowly the client reads (the body is produced only as the client takes it). The file is
# checked: one header line and one line per item. Loopback traffic only; every process, database
# and file it creates is removed on exit. See bench/README.md.
#
#   bash bench/export.sh        # ~5 minutes after the build; table on stdout and in bench/out/export.md
#
# Settings (environment): BENCH_SIZES ("10000 100000 1000000"), BENCH_BACKENDS ("sqlite
# postgres"), BENCH_SLOW_RATE (curl --limit-rate, "2M"), BENCH_SLOW_SECS (10), BENCH_SEED_TIMEOUT
# (s per seed, 1200), BENCH_PG_URL (postgres://postgres@127.0.0.1), BENCH_NO_BUILD=1 (use the
# existing binary).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

SIZES=${BENCH_SIZES:-10000 100000 1000000}
BACKENDS=${BENCH_BACKENDS:-sqlite postgres}
SLOW_RATE=${BENCH_SLOW_RATE:-2M}
SLOW_SECS=${BENCH_SLOW_SECS:-10}
SEED_TIMEOUT=${BENCH_SEED_TIMEOUT:-1200}
PG_BASE=${BENCH_PG_URL:-postgres://postgres@127.0.0.1}
PG_BASE=${PG_BASE%/}
OUT_DIR=$ROOT/bench/out
BIN=${CARGO_TARGET_DIR:-$ROOT/target}/release/opsdesk
ADMIN_EMAIL=bench-admin@example.com
ADMIN_PASSWORD=bench-admin-password-2026
# Unused here, but bench/scale.sh expects them defined.
CONNECTIONS=1 DURATION=1 WARMUP=1 TIMEOUT=30 LUA=

log() { printf '[export %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=bench/scale.sh
source "$(dirname "${BASH_SOURCE[0]}")/scale.sh"
bench_workdir export
command -v curl >/dev/null || die "curl is needed"
case " $BACKENDS " in *" sqlite "*) command -v sqlite3 >/dev/null || install_if_root sqlite3 ;; esac
case " $BACKENDS " in *" postgres "*) command -v psql >/dev/null || install_if_root postgresql-client ;; esac

# N items, SKU-0000001.., names with a comma and a quote now and then (so cells get quoted), in
# EUR, a tenth of them below their reorder point.
seed_sql() { # backend n
  local backend=$1 n=$2 from with true false sku
  if [ "$backend" = postgres ]; then
    with= from="generate_series(1::bigint, $n::bigint) AS s(g)" true=true false=false sku="lpad(CAST(g AS TEXT), 7, '0')"
    echo '\set ON_ERROR_STOP on'
  else
    with="WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < $n)" from=s true=1 false=0
    sku="substr('0000000' || g, -7, 7)"
  fi
  cat <<SQL
$with
INSERT INTO items (sku, name, unit, category, reorder_point, reorder_quantity, currency, active,
                   on_hand, stock_value, below_reorder, created_at, updated_at, version, sale_price)
SELECT 'SKU-' || $sku,
       CASE WHEN g % 7 = 0 THEN 'Bolt, "M' || (g % 20) || '" zinc' ELSE 'Part number ' || g END,
       'each', 'category-' || (g % 50), 10000, 20000, 'EUR', $true,
       CASE WHEN g % 10 = 0 THEN 5000 ELSE 50000 END, (g % 1000) * 1250,
       CASE WHEN g % 10 = 0 THEN $true ELSE $false END,
       CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1, 1000 + g % 90000
FROM $from;
SQL
  [ "$backend" = postgres ] && echo "ANALYZE items;"
  return 0
}

rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

# download LABEL [curl options...]: the list as CSV into $WORK/LABEL.csv while the server's RSS
# is sampled; sets CODE, TIME (s), BYTES, PEAK (KiB, the highest sample).
download() {
  local label=$1 curl_pid rss
  shift
  curl -s "$@" -o "$WORK/$label.csv" -w '%{http_code} %{time_total} %{size_download}' \
    -H "Authorization: Bearer $TOKEN" -H 'Accept: text/csv' "$BASE/api/v1/inventory/items" >"$WORK/$label.out" &
  curl_pid=$!
  PEAK=0
  while kill -0 "$curl_pid" 2>/dev/null; do
    rss=$(rss_kib "$SERVER_PID")
    [ "$rss" -gt "$PEAK" ] && PEAK=$rss
    sleep 0.02
  done
  wait "$curl_pid" || true
  read -r CODE TIME BYTES <"$WORK/$label.out" || true # curl writes no line end
}

declare -A SEED SIZE ROWS
build_and_start
REPORT=()
for backend in $BACKENDS; do
  for n in $SIZES; do
    label=$backend-$n
    fresh_database "$backend" "$label" "opsdesk_export_$$_$n"
    [ "$backend" = postgres ] && PG_VERSION=$(q postgres "$url" "SHOW server_version")
    log "$label: seed $n items"
    seed_sql "$backend" "$n" >"$WORK/seed.sql"
    run_seed "$backend" "$url" "$label"
    start_server "$label" "$url" 18400 18499
    sleep 1
    idle=$(rss_kib "$SERVER_PID")
    sample_noise
    log "$label: download at full speed"
    download "$label-fast"
    [ "$CODE" = 200 ] || die "$label: the export answered $CODE"
    lines=$(wc -l <"$WORK/$label-fast.csv")
    [ "$lines" = $((n + 1)) ] || die "$label: $lines lines for $n items"
    fast_peak=$PEAK fast_time=$TIME fast_bytes=$BYTES
    rm -f "$WORK/$label-fast.csv"
    log "$label: download at $SLOW_RATE/s for at most $SLOW_SECS s"
    download "$label-slow" --limit-rate "$SLOW_RATE" --max-time "$SLOW_SECS"
    slow_peak=$PEAK slow_bytes=$BYTES
    rm -f "$WORK/$label-slow.csv"
    hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$SERVER_PID/status")
    REPORT+=("| $backend | $n | $(awk -v b="$fast_bytes" 'BEGIN { printf "%.1f", b / 1048576 }') | $fast_time | $(awk -v n="$n" -v t="$fast_time" 'BEGIN { printf "%.0f", (t > 0 ? n / t : 0) }') | $(mib "$idle") | $(mib "$fast_peak") | $(mib "$slow_peak") ($(awk -v b="$slow_bytes" 'BEGIN { printf "%.1f", b / 1048576 }') MiB read) | $(mib "$hwm") |")
    finish_size "$backend" "$label"
  done
done
noise_summary

{
  echo "## CSV export: $STARTED_AT, commit $COMMIT"
  echo
  echo "$CPU; load at start $LOAD_AT_START; PostgreSQL $PG_VERSION; $NOISE."
  echo "\`GET /api/v1/inventory/items\` with \`Accept: text/csv\`: every row, streamed a page of 500 at a time."
  echo "RSS sampled every 20 ms; \"slow client\": curl --limit-rate $SLOW_RATE for at most $SLOW_SECS s."
  echo
  echo "| backend | rows | MiB | s | rows/s | idle RSS MiB | peak RSS, full speed | peak RSS, slow client | VmHWM MiB |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
  printf '%s\n' "${REPORT[@]}"
} | tee "$OUT_DIR/export.md"
