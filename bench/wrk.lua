-- One wrk script for every phase of bench/run.sh, driven by the environment:
--   BENCH_TOKEN     sent as "Authorization: Bearer <token>" when set
--   BENCH_METHOD    request method (default GET)
--   BENCH_BODY      request body, sent as application/json when set
--   BENCH_DELAY_MS  pause before each request on each connection; with C connections this
--                   holds the rate near C * 1000 / (BENCH_DELAY_MS + latency) requests/s
--   BENCH_COUNT_STATUS=1  also count 2xx/4xx/5xx answers (costs client CPU: low-rate phases only)
-- done() prints one machine-readable RESULT line (latencies in microseconds) for run.sh.

local token = os.getenv("BENCH_TOKEN")
if token and token ~= "" then
  wrk.headers["Authorization"] = "Bearer " .. token
end

wrk.method = os.getenv("BENCH_METHOD") or "GET"

local body = os.getenv("BENCH_BODY")
if body and body ~= "" then
  wrk.body = body
  wrk.headers["Content-Type"] = "application/json"
end

local pause = tonumber(os.getenv("BENCH_DELAY_MS") or "0") or 0
if pause > 0 then
  function delay()
    return pause
  end
end

if os.getenv("BENCH_COUNT_STATUS") == "1" then
  -- Answers counted by status class, and the RESULT line with the counts.
  dofile(debug.getinfo(1, "S").source:sub(2):match("^(.*)/[^/]*$") .. "/counted.lua")
else
  function done(summary, latency, requests)
    local e = summary.errors
    -- status_errors: answers with a status above 399; n2xx/n4xx/n5xx are -1 when not counted.
    io.write(string.format(
      "RESULT requests=%d duration_us=%d p50_us=%d p99_us=%d max_us=%d status_errors=%d socket_errors=%d n2xx=-1 n4xx=-1 n5xx=-1\n",
      summary.requests, summary.duration,
      latency:percentile(50), latency:percentile(99), latency.max,
      e.status, e.connect + e.read + e.write + e.timeout))
  end
end
