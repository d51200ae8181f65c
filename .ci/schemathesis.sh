#!/usr/bin/env bash
# Contract-fuzz a running opsdesk server with Schemathesis, every check enabled.
#
# Usage:   .ci/schemathesis.sh [BASE_URL [TOKEN]]
#   BASE_URL  the server's origin, e.g. http://127.0.0.1:8080 (no /api/v1); or $OPSDESK_BASE_URL.
#   TOKEN     an access token of an ADMIN user; or $OPSDESK_TOKEN. Get one with
#               curl -s -X POST "$BASE_URL/api/v1/auth/login" -H 'Content-Type: application/json' \
#                    -d '{"email":"admin@example.com","password":"…"}' | jq -r .access_token
# Optional environment:
#   SCHEMATHESIS_MAX_EXAMPLES  test cases per operation and phase (default 100)
#   SCHEMATHESIS_SEED          random seed (default 20260101); same seed + fresh database = same run
#   SCHEMATHESIS_TIMEOUT       hard limit for the whole run in seconds (default 600)
#   SCHEMATHESIS_REPORT_DIR    where JUnit and NDJSON reports go (default ./schemathesis-report)
# Exit status: 0 no failure; 1 Schemathesis found failures, errored, timed out, or the token died
# during the run; 2 bad usage, server unreachable, or the token does not work before the run.
#
# Serve a FRESH database (SQLite file or PostgreSQL database) for each run: the fuzzer creates
# users and API keys. Start the server with
#   OPSDESK_LOGIN_MAX_FAILURES=1000000 OPSDESK_LOGIN_MAX_FAILURES_PER_ADDRESS=1000000 OPSDESK_LOGIN_SLOWDOWN_AFTER=1000000
# (the fuzzer fails hundreds of sign-ins; throttled answers are 429, which is allowed, but they
# would hide the real behaviour of /auth/login), and with an access-token lifetime longer than the
# run (the default 900 s covers the default limits; OPSDESK_ACCESS_TOKEN_TTL_SECS raises it).
# Do not give the admin a password that appears as an example in the OpenAPI document
# ("a long passphrase"), see below.
#
# Can the run lock itself out? Every operation is fuzzed, none is excluded, because none can:
#   - DELETE /users/{id}, and PATCH /users/{id} with active=false or roles without admin, on the
#     caller's own account answer 409 (auth/users/api.rs guard_admin_lockout). Other users the
#     fuzzer deactivates do not matter.
#   - POST /auth/password revokes all of the caller's tokens, but only after verifying
#     current_password, which the fuzzer cannot know (hence the note on example passwords).
#   - POST /auth/logout revokes the refresh-token family it is given; the run holds no refresh
#     token, and access tokens are not affected by it.
# But a token that stops working mid-run would turn every later answer into 401, which the
# checks accept, i.e. a silent pass. So the token is verified before AND after the run, and a dead
# token after the run fails it.
#
# Files beside this script: schemathesis.toml (credentials through the OpenAPI security scheme,
# and the one status added to positive_data_acceptance, with its reason) and
# schemathesis_hooks.py (makes generated Idempotency-Keys unique per distinct request; see there).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
base_url="${1:-${OPSDESK_BASE_URL:-}}"
token="${2:-${OPSDESK_TOKEN:-}}"
max_examples="${SCHEMATHESIS_MAX_EXAMPLES:-100}"
seed="${SCHEMATHESIS_SEED:-20260101}"
time_limit="${SCHEMATHESIS_TIMEOUT:-600}"
report_dir="${SCHEMATHESIS_REPORT_DIR:-schemathesis-report}"

die() { echo "schemathesis.sh: $*" >&2; exit 2; }

[[ -n "$base_url" && -n "$token" ]] || die "usage: $0 BASE_URL TOKEN (or set OPSDESK_BASE_URL and OPSDESK_TOKEN)"
base_url="${base_url%/}"
[[ "$base_url" == */api/v1 ]] && die "BASE_URL is the origin (e.g. http://127.0.0.1:8080), without /api/v1"
command -v curl >/dev/null || die "curl is required"
command -v schemathesis >/dev/null || die "schemathesis is not installed (pip install 'schemathesis>=4,<5')"
st_version="$(schemathesis --version | grep -oE '[0-9]+\.[0-9]+(\.[0-9]+)?' | head -n1)"
[[ "${st_version%%.*}" == 4 ]] || die "schemathesis 4.x is required (found ${st_version:-unknown}); the config and flags below are 4.x's"

# HTTP status of an authenticated GET /api/v1/auth/me.
token_status() {
  curl -s -o /dev/null -w '%{http_code}' --max-time 10 -H "Authorization: Bearer $token" "$base_url/api/v1/auth/me" || true
}

for _ in $(seq 1 30); do
  [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$base_url/health/ready" || true)" == 200 ]] && break
  sleep 1
done
[[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$base_url/health/ready" || true)" == 200 ]] \
  || die "$base_url/health/ready does not answer 200"
status="$(token_status)"
[[ "$status" == 200 ]] || die "the token is not accepted (GET /api/v1/auth/me answered $status)"
if ! curl -s --max-time 10 -H "Authorization: Bearer $token" "$base_url/api/v1/auth/me" | grep -q '"effective_roles":\[[^]]*"admin"'; then
  echo "schemathesis.sh: warning: the token is not an admin's; admin-only operations will only be tested for 403" >&2
fi

mkdir -p "$report_dir"
echo "schemathesis $st_version against $base_url: --checks all, --max-examples $max_examples, --seed $seed, limit ${time_limit}s"
set +e
OPSDESK_ST_TOKEN="$token" \
OPSDESK_ST_RUN_ID="$(date +%s)-$$" \
SCHEMATHESIS_HOOKS=schemathesis_hooks \
PYTHONPATH="$here${PYTHONPATH:+:$PYTHONPATH}" \
timeout --signal=INT --kill-after=30 "$time_limit" \
  schemathesis --config-file "$here/schemathesis.toml" run "$base_url/api/v1/openapi.json" \
    --url "$base_url" \
    --checks all \
    --max-examples "$max_examples" \
    --seed "$seed" \
    --workers 1 \
    --continue-on-failure \
    --generation-database none \
    --request-timeout 15 \
    --wait-for-schema 30 \
    --no-color \
    --report junit,ndjson --report-dir "$report_dir"
st_status=$?
set -e

if [[ $st_status -eq 124 ]]; then
  echo "schemathesis.sh: FAILED: the run did not finish within ${time_limit}s" >&2
  st_status=1
fi
status="$(token_status)"
if [[ "$status" != 200 ]]; then
  echo "schemathesis.sh: FAILED: the token stopped working during the run (GET /api/v1/auth/me answered $status);" \
       "every request after that point was unauthenticated, so the results above do not count" >&2
  st_status=1
fi
if [[ $st_status -ne 0 ]]; then
  echo "schemathesis.sh: FAILED (reports in $report_dir)" >&2
  exit 1
fi
echo "schemathesis.sh: no failures"
