"""Schemathesis hooks for opsdesk (loaded by .ci/schemathesis.sh through SCHEMATHESIS_HOOKS).

Idempotency-Key: the contract (DESIGN.md, API conventions) is "one key per distinct request": the
same key with the same request replays the first response, the same key with a *different* request
is a client error (422, as in draft-ietf-httpapi-idempotency-key-header). Schemathesis draws header
values from a small space and happily reuses e.g. "0" for different bodies, so every such reuse
shows up as "schema-valid request rejected" although the server does exactly what it documents.
A JSON schema cannot say "unique per request", so we make the generated client honour it: a
well-formed key is replaced by one derived from the request itself (same request -> same key, so
replays are still exercised; different request -> different key). Malformed keys (empty, too
long, non-ASCII) are left as generated, so negative testing of the header still reaches the server.
No check is disabled or relaxed by this.

It is a generation-time hook (`map_case`) on purpose: editing headers in `before_call` makes
Schemathesis re-validate the case, and its "missing Authorization" probes then went out with the
token again and were reported as ST203 although the server was never asked without credentials.
"""

import hashlib
import json
import os

import schemathesis

_RUN_ID = os.environ.get("OPSDESK_ST_RUN_ID", "")


def _well_formed(value):
    """Whether the server will take `value` as a key (src/http/idempotency.rs): 1..255 characters
    of printable ASCII or tab, as the HTTP parser leaves them, i.e. without leading or trailing
    spaces and tabs. Anything the server takes must be made unique here: a generated "0\t0" once
    passed through unchanged, was taken as a key for two different requests and reported as a
    schema-valid request rejected (422)."""
    if not isinstance(value, str):
        return False
    value = value.strip(" \t")
    return 1 <= len(value) <= 255 and all(32 <= ord(c) < 127 or c == "\t" for c in value)


def _fingerprint(case):
    def plain(value):
        return None if value is None or type(value).__name__ == "NotSet" else value

    # Headers that change what the request means (If-Match) are part of it; the credentials and
    # the key itself are not.
    headers = {
        k.lower(): v for k, v in (plain(case.headers) or {}).items() if k.lower() not in ("authorization", "idempotency-key")
    }
    material = json.dumps(
        [case.method.upper(), case.formatted_path, case.media_type, plain(case.query), headers, plain(case.body)],
        default=repr,
        sort_keys=True,
    )
    return hashlib.sha256(material.encode("utf-8", "surrogatepass")).hexdigest()[:40]


@schemathesis.hook
def map_case(context, case):
    headers = case.headers
    if headers:
        for name in list(headers):
            if name.lower() == "idempotency-key" and _well_formed(headers[name]):
                headers[name] = f"st-{_RUN_ID}-{_fingerprint(case)}"
    return case


@schemathesis.serializer("application/x-ndjson")
def ndjson(ctx, value):
    """A bulk import's JSON lines body (POST /api/v1/imports): the schema says a string, which is
    sent as it is; anything else generated for it (negative cases) is sent as one JSON line, so
    the server, not the client, decides what it makes of it."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8", "surrogatepass")
    return (json.dumps(value, default=repr) + "\n").encode("utf-8", "surrogatepass")
