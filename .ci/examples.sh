#!/usr/bin/env bash
# Runs the documentation's examples as tests: every ```sh block of README.md and then of docs/*.md
# (in name order), in the order they appear, in one shell, against a fresh `opsdesk serve`.
#
# Usage:   .ci/examples.sh BINARY BACKEND [PG_ADMIN_URL]
#   BINARY        the opsdesk binary (e.g. target/debug/opsdesk)
#   BACKEND       sqlite or postgres (a fresh database either way)
#   PG_ADMIN_URL  for postgres: a URL of a role that may create databases
#                 (default postgres://postgres@127.0.0.1:5432/postgres)
#
# How an example says what it promises: after a curl command, a comment line
#     # => 201 .number == "IT-1" and .status == "new"
# checks the last HTTP answer: its status, and (optional) a jq expression on its JSON body that
# must be true. Blocks fenced as ```console (installing, building, Docker) are not run.
#
# The examples are written for a server started as the README says: admin@opsdesk.local with the
# password 'a long admin passphrase', on http://127.0.0.1:8080. This script starts exactly that,
# on a free port, and runs the examples with their base address pointed at it.
set -euo pipefail
shopt -s inherit_errexit

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
binary="${1:?usage: $0 BINARY sqlite|postgres [PG_ADMIN_URL]}"
backend="${2:?usage: $0 BINARY sqlite|postgres [PG_ADMIN_URL]}"
pg_admin="${3:-postgres://postgres@127.0.0.1:5432/postgres}"
binary="$(cd "$(dirname "$binary")" && pwd)/$(basename "$binary")"

for tool in curl jq; do
    command -v "$tool" >/dev/null || { echo "examples.sh: $tool is required" >&2; exit 2; }
done

work="$(mktemp -d)"
server_pid=""
database=""
cleanup() {
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
    if [ -n "$database" ]; then
        psql "$pg_admin" -qc "DROP DATABASE IF EXISTS $database WITH (FORCE)" >/dev/null 2>&1 || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
case "$backend" in
    sqlite) url="$work/examples.db" ;;
    postgres)
        database="opsdesk_examples_$$"
        psql "$pg_admin" -qc "CREATE DATABASE $database" >/dev/null
        url="${pg_admin%/*}/$database"
        ;;
    *) echo "examples.sh: backend is sqlite or postgres" >&2; exit 2 ;;
esac

DATABASE_URL="$url" OPSDESK_BIND="127.0.0.1:$port" \
    OPSDESK_ADMIN_EMAIL="admin@opsdesk.local" OPSDESK_ADMIN_PASSWORD="a long admin passphrase" RUST_LOG=warn \
    "$binary" serve >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do
    curl -s -o /dev/null "http://127.0.0.1:$port/health/ready" && break
    sleep 0.1
done

# The examples, in order: README.md, then docs/*.md.
sources=("$root/README.md")
if [ -d "$root/docs" ]; then
    while IFS= read -r file; do sources+=("$file"); done < <(find "$root/docs" -name '*.md' | sort)
fi

script="$work/examples.sh"
cat >"$script" <<'PRELUDE'
set -euo pipefail
shopt -s inherit_errexit
# curl as the reader runs it, keeping the last answer's status, headers and body for the checks.
curl() {
    local args=() include=0
    for arg in "$@"; do
        case "$arg" in
            -si | -is) args+=(-s); include=1 ;;
            -i) include=1 ;;
            *) args+=("$arg") ;;
        esac
    done
    command curl "${args[@]}" -D "$EXAMPLES_WORK/headers" -o "$EXAMPLES_WORK/body" -w '%{http_code}' >"$EXAMPLES_WORK/status"
    if [ "$include" = 1 ]; then cat "$EXAMPLES_WORK/headers"; fi
    cat "$EXAMPLES_WORK/body"
}
__expect() {
    local where="$1" status="$2" filter
    filter="$(cat)"
    local got
    got="$(cat "$EXAMPLES_WORK/status")"
    if [ "$got" != "$status" ] || { [ -n "$filter" ] && ! jq -e "$filter" "$EXAMPLES_WORK/body" >/dev/null 2>&1; }; then
        {
            echo "EXAMPLE FAILED at $where: expected $status${filter:+ with $filter}, got $got"
            cat "$EXAMPLES_WORK/headers"
            cat "$EXAMPLES_WORK/body"
            echo
        } >&2
        exit 1
    fi
    echo "ok $where: $status${filter:+ $filter}" >>"$EXAMPLES_WORK/passed"
}
PRELUDE

checks=0
for source in "${sources[@]}"; do
    name="${source#"$root"/}"
    awk -v name="$name" -v base="http://127.0.0.1:$port" '
        /^```sh[[:space:]]*$/ { inside = 1; block++; next }
        /^```/ && inside { inside = 0; next }
        inside {
            gsub("http://127\\.0\\.0\\.1:8080", base)
            if (match($0, /^[[:space:]]*# => [0-9][0-9][0-9]/)) {
                line = $0
                sub(/^[[:space:]]*# => /, "", line)
                status = substr(line, 1, 3)
                filter = substr(line, 5)
                printf "__expect %s %s <<'"'"'__JQ__'"'"'\n%s\n__JQ__\n", name ":" NR, status, filter
                next
            }
            print
        }
    ' "$source" >>"$script"
    checks=$((checks + $(grep -cE '^[[:space:]]*# => [0-9]{3}' "$source" || true)))
done

echo "examples.sh: $backend, $(grep -c '^__expect ' "$script") checks from ${#sources[@]} file(s), server on port $port"
if ! EXAMPLES_WORK="$work" bash "$script" >"$work/output" 2>"$work/errors"; then
    echo "--- the examples' output (last lines)" >&2
    tail -c 2000 "$work/output" >&2
    echo >&2
    echo "--- what failed" >&2
    tail -n 40 "$work/errors" >&2
    echo "--- server log (last lines)" >&2
    tail -n 20 "$work/server.log" >&2
    exit 1
fi
passed="$(wc -l <"$work/passed" 2>/dev/null || echo 0)"
echo "examples.sh: $backend: $passed of $checks checks passed, every example ran"
[ "$passed" -eq "$checks" ]
