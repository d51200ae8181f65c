-- wrk script of bench/inventory.sh: posts stock movements, alternating a receipt of 10 units and
-- an issue of 1 unit of the same item, from the item's own bin, over all items in a scattered
-- order (so that parallel requests mostly lock different items).
--   BENCH_TOKEN       sent as "Authorization: Bearer <token>"
--   BENCH_ITEMS       the number of items (ids 1..BENCH_ITEMS)
--   BENCH_LOC_BASE    the id of the first bin; item i lives in bin BENCH_LOC_BASE + i % BENCH_BINS
--   BENCH_BINS        the number of those bins
--   BENCH_DEPARTMENT  the department the issues go to
--   BENCH_OFFSET      where in the item order to start (each run takes different items first)
-- The URL given to wrk is …/api/v1/inventory/movements. Run it with one thread (-t1). done()
-- prints the same RESULT line as bench/wrk.lua, with the answers counted by status class.

local token = os.getenv("BENCH_TOKEN")
local headers = { ["Content-Type"] = "application/json" }
if token and token ~= "" then
  headers["Authorization"] = "Bearer " .. token
end

local items = tonumber(os.getenv("BENCH_ITEMS") or "1")
local loc_base = tonumber(os.getenv("BENCH_LOC_BASE") or "1")
local bins = tonumber(os.getenv("BENCH_BINS") or "1")
local department = tonumber(os.getenv("BENCH_DEPARTMENT") or "1")
local offset = tonumber(os.getenv("BENCH_OFFSET") or "0")
local n = 0

function request()
  local k = offset + math.floor(n / 2)
  -- 7919 is prime, so k * 7919 mod items visits every item before repeating one.
  local item = 1 + (k * 7919) % items
  local location = loc_base + item % bins
  local body
  if n % 2 == 0 then
    body = string.format(
      '{"kind":"receipt","item_id":%d,"location_id":%d,"quantity":"10","unit_cost":"4.50"}', item, location)
  else
    body = string.format(
      '{"kind":"issue","item_id":%d,"location_id":%d,"quantity":"1","department_id":%d}', item, location, department)
  end
  n = n + 1
  return wrk.format("POST", wrk.path, headers, body)
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
