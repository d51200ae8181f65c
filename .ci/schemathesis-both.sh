#!/usr/bin/env bash
# Runs .ci/schemathesis.sh against `opsdesk serve` on a fresh SQLite file and on a fresh
# PostgreSQL database, one after the other, each loaded with `opsdesk demo` first. Usage: schemathesis-both.sh OPSDESK_BINARY PG_ADMIN_URL
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
binary="$(realpath "$1")"
pg_admin_url="$2"
work="$(mktemp -d)"
# Reports (JUnit, NDJSON) stay after the run, for whoever reads a failed CI.
report_root="$(pwd)/target/schemathesis-report"
mkdir -p "$report_root"
server_pid=""
pg_database="opsdesk_schemathesis_$$"

cleanup() {
    if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
    psql "$pg_admin_url" -qtAc "DROP DATABASE IF EXISTS $pg_database WITH (FORCE)" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

run_backend() {
    local name="$1" database_url="$2" port="$3"
    local base="http://127.0.0.1:$port"
    echo "--- Schemathesis on $name"
    # The demo company gives the fuzzer real records to reach (desks, tickets, time entries,
    # people), not only 404s on an empty database.
    # The demo runs first, so it creates the first admin (as serve would): it gets the admin settings.
    export OPSDESK_ADMIN_EMAIL="admin@example.com" OPSDESK_ADMIN_PASSWORD="ci-admin-password-$$"
    DATABASE_URL="$database_url" RUST_LOG=warn "$binary" demo >"$work/$name-demo.log" 2>&1
    DATABASE_URL="$database_url" OPSDESK_BIND="127.0.0.1:$port" \
        OPSDESK_LOGIN_MAX_FAILURES=1000000 OPSDESK_LOGIN_MAX_FAILURES_PER_ADDRESS=1000000 OPSDESK_LOGIN_SLOWDOWN_AFTER=1000000 \
        OPSDESK_ACCESS_TOKEN_TTL_SECS=3600 RUST_LOG=warn \
        "$binary" serve >"$work/$name.log" 2>&1 &
    server_pid=$!
    for _ in $(seq 1 100); do
        curl -fsS "$base/health/ready" >/dev/null 2>&1 && break
        sleep 0.1
    done
    local token
    token="$(curl -fsS -X POST "$base/api/v1/auth/login" -H 'Content-Type: application/json' \
        -d "{\"email\":\"admin@example.com\",\"password\":\"ci-admin-password-$$\"}" \
        | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')"
    local status=0
    SCHEMATHESIS_REPORT_DIR="$report_root/$name" bash "$here/schemathesis.sh" "$base" "$token" || status=$?
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
    if grep -q "panicked" "$work/$name.log"; then
        echo "the server panicked during the run on $name:" >&2
        grep -A5 "panicked" "$work/$name.log" >&2
        status=1
    fi
    return "$status"
}

run_backend sqlite "$work/schemathesis.db" 18231
psql "$pg_admin_url" -qtAc "CREATE DATABASE $pg_database" >/dev/null
run_backend postgres "${pg_admin_url%/*}/$pg_database" 18232
