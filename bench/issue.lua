-- wrk script of bench/finance.sh: issues distinct drafts, one per request, in id order.
--   BENCH_TOKEN     sent as "Authorization: Bearer <token>"
--   BENCH_FIRST_ID  the first draft's id; each request takes the next id
-- The URL given to wrk is the invoices collection (…/api/v1/invoices); each request is
-- POST <path>/<id>/issue with an empty body. Run it with one thread (-t1): the counter lives in
-- the thread's Lua state. done() prints the same RESULT line as bench/wrk.lua, with the answers
-- counted by status class.

local token = os.getenv("BENCH_TOKEN")
local headers = { ["Content-Length"] = "0" }
if token and token ~= "" then
  headers["Authorization"] = "Bearer " .. token
end

local next_id = tonumber(os.getenv("BENCH_FIRST_ID") or "1")
local base = wrk.path

function request()
  local id = next_id
  next_id = next_id + 1
  return wrk.format("POST", base .. "/" .. id .. "/issue", headers, "")
end

local threads = {}
function setup(thread)
  table.insert(threads, thread)
end

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
  for _, thread in ipairs(threads) do
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
