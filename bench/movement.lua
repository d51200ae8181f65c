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

-- The answers' counting and the RESULT line, shared with the other posting scripts.
dofile(debug.getinfo(1, "S").source:sub(2):match("^(.*)/[^/]*$") .. "/counted.lua")
