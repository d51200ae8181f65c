# What the scale benchmarks (bench/tickets.sh, finance.sh, inventory.sh, budgets.sh) share:
# sourced after bench/lib.sh, by a script that defines log, die, BIN, ADMIN_EMAIL, ADMIN_PASSWORD,
# PG_BASE, CONNECTIONS, DURATION, WARMUP, TIMEOUT and LUA, then calls bench_workdir NAME.
#
# bench_workdir NAME: a temporary directory ($WORK) and a clean-up on exit that stops every
# process in PIDS, drops every database in DATABASES and removes $WORK: everything the script
# started, and nothing else.

# require_tools: curl and wrk, and the client of each backend in BACKENDS (installed when root).
require_tools() {
  local tool
  command -v wrk >/dev/null || install_if_root wrk
  command -v sqlite3 >/dev/null || install_if_root sqlite3
  command -v psql >/dev/null || install_if_root postgresql-client
  for tool in curl wrk awk sed timeout; do
    command -v "$tool" >/dev/null || die "$tool is needed (Debian: apt-get install -y wrk sqlite3 postgresql-client curl)"
  done
  case " $BACKENDS " in *" sqlite "*) command -v sqlite3 >/dev/null || die "sqlite3 is needed (apt-get install -y sqlite3)" ;; esac
  case " $BACKENDS " in *" postgres "*) command -v psql >/dev/null || die "psql is needed (apt-get install -y postgresql-client)" ;; esac
}

bench_workdir() {
  WORK=$(mktemp -d "/tmp/opsdesk-$1.XXXXXX")
  PIDS=()
  DATABASES=()
  trap cleanup EXIT
  trap 'exit 130' INT TERM
}

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

now_s() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now_s)" 'BEGIN { printf "%.1f", b - a }'; }

# Other work on the machine skews every figure: before each measurement, while the benchmark is
# idle, sample_noise (bench/lib.sh) samples the machine's CPU use and looks for a compiler; the
# report says how noisy it was, overall and per measurement.
PHASES=0
NOISY_PHASES=0
BACKGROUND_MAX=0
BACKGROUND_SUM=0

# q BACKEND URL SQL: one value (or row, |-separated) from the database
q() {
  if [ "$1" = postgres ]; then psql -X -At -v ON_ERROR_STOP=1 "$2" -c "$3"; else sqlite3 -bail -cmd '.timeout 30000' "$2" "$3"; fi
}

# start_server LABEL URL FIRST_PORT LAST_PORT: `opsdesk serve` on a free port of the range,
# ready and signed in as the admin ($BASE, $TOKEN, $SERVER_PID; its log is $WORK/LABEL.log).
SERVER_PID=
BASE=
TOKEN=
start_server() { # label database_url first_port last_port
  local label=$1 url=$2 port i body
  port=$(free_port "$3" "$4")
  BASE=http://127.0.0.1:$port
  env DATABASE_URL="$url" \
    OPSDESK_BIND="127.0.0.1:$port" \
    OPSDESK_ADMIN_EMAIL="$ADMIN_EMAIL" \
    OPSDESK_ADMIN_PASSWORD="$ADMIN_PASSWORD" \
    OPSDESK_ACCESS_TOKEN_TTL_SECS=7200 \
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

declare -A RPS P50 P99 ERRS SEED SIZE NREQ DUR BUSY SERVER_LOG
# wrk_run LUA URL DURATION OUT [NAME=VALUE...]: one wrk run with the token and extra environment.
wrk_run() {
  local lua=$1 url=$2 duration=$3 out=$4
  shift 4
  env BENCH_TOKEN="$TOKEN" "$@" wrk -t1 -c"$CONNECTIONS" -d"${duration}s" --timeout "${TIMEOUT}s" -s "$lua" "$url" >"$out" 2>&1
}
field() { sed -n "s/.* $1=\([0-9-]*\).*/\1/p" "$2"; } # NAME FILE: a field of wrk's RESULT line
# measure KEY URL SINGLE_MS: warm-up, then wrk; records req/s, p50/p99 (ms), answers >= 400 plus
# socket errors (timeouts included), and the machine's CPU use just before, under KEY. An
# endpoint that answers in SINGLE_MS one at a time and would finish fewer than ~3 requests per
# connection in BENCH_DURATION is measured longer (up to 60 s) without a warm-up (the check warmed
# it), and the requests wrk leaves in flight are given time to finish before the next measurement.
measure() {
  local key=$1 url=$2 single=$3 duration=$DURATION drain=0.3 need before
  need=$(awk -v s="$single" -v c="$CONNECTIONS" 'BEGIN { n = s * c * 3 / 1000; printf "%d", (n == int(n)) ? n : int(n) + 1 }')
  if [ "$need" -gt "$DURATION" ]; then
    duration=$((need > 60 ? 60 : need))
    drain=$(awk -v s="$single" -v c="$CONNECTIONS" 'BEGIN { printf "%.1f", s * c / 1000 + 1 }')
  else
    wrk_run "$LUA" "$url" "$WARMUP" "$WORK/warmup.out" || true
    sleep 0.3 # let the warm-up's last answers finish before sampling the machine
  fi
  before=$BACKGROUND_SUM
  sample_noise
  BUSY[$key]=$((BACKGROUND_SUM - before))
  DUR[$key]=$duration
  wrk_run "$LUA" "$url" "$duration" "$WORK/wrk.out" || { cat "$WORK/wrk.out" >&2; die "wrk failed ($key)"; }
  sleep "$drain"
  record "$key" "$WORK/wrk.out"
}
record() { # KEY FILE: the figures of one wrk RESULT line
  local key=$1 out=$2
  grep -q '^RESULT ' "$out" || { cat "$out" >&2; die "no result from wrk ($key)"; }
  NREQ[$key]=$(field requests "$out")
  RPS[$key]=$(awk -v n="$(field requests "$out")" -v d="$(field duration_us "$out")" 'BEGIN { printf "%.1f", n / (d / 1e6) }')
  if [ "${NREQ[$key]}" -gt 0 ]; then
    P50[$key]=$(awk -v v="$(field p50_us "$out")" 'BEGIN { printf "%.2f", v / 1000 }')
    P99[$key]=$(awk -v v="$(field p99_us "$out")" 'BEGIN { printf "%.2f", v / 1000 }')
  else
    P50[$key]=n/a P99[$key]=n/a
  fi
  ERRS[$key]=$(($(field status_errors "$out") + $(field socket_errors "$out")))
  log "$key: ${RPS[$key]} req/s, p50 ${P50[$key]} ms, p99 ${P99[$key]} ms, errors ${ERRS[$key]} (${NREQ[$key]} requests in ${DUR[$key]} s, CPU busy ${BUSY[$key]} % before)"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.1f", a / b; else print "n/a" }'; }

# fresh_database BACKEND LABEL NAME: a new, migrated database; sets url (and db on PostgreSQL,
# registered for the clean-up).
fresh_database() {
  local backend=$1 label=$2
  if [ "$backend" = postgres ]; then
    db=$3
    psql -X -q -v ON_ERROR_STOP=1 "$PG_BASE/postgres" -c "CREATE DATABASE \"$db\"" >/dev/null || die "cannot create a database on $PG_BASE"
    DATABASES+=("$db")
    url=$PG_BASE/$db
  else
    db=
    url=$WORK/$label.db
  fi
  log "$label: migrate"
  DATABASE_URL=$url RUST_LOG=warn "$BIN" migrate >"$WORK/$label-migrate.log" 2>&1 || { cat "$WORK/$label-migrate.log" >&2; die "opsdesk migrate failed ($label)"; }
}

# run_seed BACKEND URL LABEL: runs $WORK/seed.sql (BENCH_SEED_TIMEOUT at most); its time and the
# database's size go to SEED[LABEL] and SIZE[LABEL].
run_seed() {
  local backend=$1 url=$2 label=$3 t0
  t0=$(now_s)
  if [ "$backend" = postgres ]; then
    timeout "$SEED_TIMEOUT" psql -X -q "$url" -f "$WORK/seed.sql" >"$WORK/seed.log" 2>&1 || { cat "$WORK/seed.log" >&2; die "seed failed or took over $SEED_TIMEOUT s ($label)"; }
    SIZE[$label]=$(q postgres "$url" "SELECT round(pg_database_size(current_database()) / 1048576.0, 1)")
  else
    timeout "$SEED_TIMEOUT" sqlite3 "$url" <"$WORK/seed.sql" >"$WORK/seed.log" 2>&1 || { cat "$WORK/seed.log" >&2; die "seed failed or took over $SEED_TIMEOUT s ($label)"; }
    SIZE[$label]=$(awk -v b="$(stat -c %s "$url")" 'BEGIN { printf "%.1f", b / 1048576 }')
  fi
  SEED[$label]=$(elapsed "$t0")
}

# finish_size BACKEND LABEL: stops the server, keeps what it logged in SERVER_LOG[LABEL] (at warn,
# every line is a warning or an error: a 5xx says why here) and removes the database.
finish_size() {
  local backend=$1 label=$2
  stop_pid "$SERVER_PID"
  SERVER_LOG[$label]=$(grep -c . "$WORK/$label.log" || true)
  if [ "${SERVER_LOG[$label]}" != 0 ]; then
    log "$label: the server logged ${SERVER_LOG[$label]} lines, the first ones:"
    head -n 5 "$WORK/$label.log" | cut -c1-400 >&2
    SERVER_LOG[$label]="${SERVER_LOG[$label]}: $(head -n 1 "$WORK/$label.log" | cut -c1-200 | tr '|' '/')"
  fi
  if [ "$backend" = postgres ]; then drop_database "$db"; else rm -f "$url" "$url-wal" "$url-shm" "$url-journal"; fi
}

# noise_summary: how busy the machine was before the measurements, for the report's header.
noise_summary() {
  local average=$((BACKGROUND_SUM / (PHASES > 0 ? PHASES : 1)))
  NOISE="background CPU use before each measurement: average ${average} %, at most ${BACKGROUND_MAX} %"
  if [ "$NOISY_PHASES" != 0 ]; then
    NOISE="$NOISE; **other work (over 10 % CPU, or rustc) at the start of $NOISY_PHASES of $PHASES measurements: figures are noisy**"
  else
    NOISE="$NOISE: quiet"
  fi
}

# Deterministic pseudo-random numbers for the seeds: multiplicative hashes of an SQL expression.
hash1() { printf '(((%s) * 2654435761) %% 4294967291)' "$1"; }
hash2() { printf '(((%s) * 2246822519 + 374761393) %% 4294967291)' "$1"; }

# build_and_start: the release build (unless BENCH_NO_BUILD=1), then what the report's header
# says of the run: STARTED_AT, LOAD_AT_START, COMMIT, CPU, PG_VERSION (set later), LARGEST and
# SMALLEST of SIZES; SECONDS restarts.
build_and_start() {
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
}

# explain_all BACKEND URL SQL...: each query's plan (PostgreSQL: EXPLAIN ANALYZE with buffers;
# SQLite: EXPLAIN QUERY PLAN, which has no timing, so the query also runs once, timed, counting
# its rows).
explain_all() {
  local backend=$1 url=$2 sql explain="EXPLAIN QUERY PLAN"
  shift 2
  [ "$backend" = postgres ] && explain="EXPLAIN (ANALYZE, BUFFERS)"
  for sql in "$@"; do
    printf '\n-- %s\n' "$sql"
    q "$backend" "$url" "$explain $sql"
    [ "$backend" = sqlite ] && printf '.timer on\nSELECT COUNT(*) AS n FROM (%s);\n' "$sql" | sqlite3 -bail "$url"
  done
  return 0
}

# growth_verdict BACKEND ENDPOINT UNIT GROWTH ROWS: one line of the report on how an endpoint's
# cost grew from the smallest size to the largest (UNIT: what the sizes count, e.g. "invoices";
# GROWTH: what it grows with, e.g. "N"; ROWS: the name of the array of rows answered per
# "BACKEND-SIZE|ENDPOINT"). p50 under load decides; the unloaded median only when wrk finished
# no request.
growth_verdict() {
  local b=$1 ep=$2 unit=$3 growth=$4 rp50 rs grow word small big
  local -n rows_of=$5
  small="$b-$SMALLEST|$ep" big="$b-$LARGEST|$ep"
  [ -n "${P50[$small]:-}" ] && [ -n "${P50[$big]:-}" ] || return 0
  rp50=$(ratio "${P50[$big]}" "${P50[$small]}")
  rs=$(ratio "${SINGLE[$b-$LARGEST-$ep]:-0}" "${SINGLE[$b-$SMALLEST-$ep]:-0}")
  grow=$(ratio "$LARGEST" "$SMALLEST")
  word=$(awk -v r="$rp50" -v s="$rs" -v g="$grow" -v with="$growth" 'BEGIN {
    x = (r == "n/a") ? s : r
    if (x == "n/a") print "n/a"
    else if (x <= 1.5) print "roughly flat"
    else if (x <= 3) print "grows mildly"
    else if (x > g / 3) print "**grows about as " with " or faster**"
    else print "**grows with " with "**" }')
  printf -- '- %s, %s: %s: p50 ×%s (%s → %s ms), one at a time ×%s (%s → %s ms), rows %s → %s, from %s to %s %s (×%s).\n' \
    "$b" "${LABEL[$ep]}" "$word" "$rp50" "${P50[$small]}" "${P50[$big]}" "$rs" \
    "${SINGLE[$b-$SMALLEST-$ep]:-n/a}" "${SINGLE[$b-$LARGEST-$ep]:-n/a}" "${rows_of[$small]:--}" "${rows_of[$big]:--}" \
    "$SMALLEST" "$LARGEST" "$unit" "$grow"
}
