-- Shared by the wrk scripts that post (bench/create_item.lua, issue.lua, movement.lua), loaded
-- with dofile: counts answers by status class on every thread and prints the RESULT line that
-- bench/wrk.lua prints (latencies in microseconds), with n2xx/n4xx/n5xx filled in.
-- A script that needs its own setup() calls counted_setup(thread) from it.

local counted_threads = {}
function counted_setup(thread)
  table.insert(counted_threads, thread)
end
setup = counted_setup

n2xx, n4xx, n5xx = 0, 0, 0
function response(status, headers, body)
  if status >= 500 then
    n5xx = n5xx + 1
  elseif status >= 400 then
    n4xx = n4xx + 1
  elseif status >= 200 and status < 300 then
    n2xx = n2xx + 1
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  local c2, c4, c5 = 0, 0, 0
  for _, thread in ipairs(counted_threads) do
    c2 = c2 + (thread:get("n2xx") or 0)
    c4 = c4 + (thread:get("n4xx") or 0)
    c5 = c5 + (thread:get("n5xx") or 0)
  end
  io.write(string.format(
    "RESULT requests=%d duration_us=%d p50_us=%d p99_us=%d max_us=%d status_errors=%d socket_errors=%d n2xx=%d n4xx=%d n5xx=%d\n",
    summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), latency.max,
    e.status, e.connect + e.read + e.write + e.timeout, c2, c4, c5))
end
