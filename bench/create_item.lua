-- wrk script of bench/run.sh's write phases: each request creates an inventory item with a SKU
-- no other request uses (prefix, thread and a per-thread counter), so every answer should be 201.
--   BENCH_TOKEN   sent as "Authorization: Bearer <token>"
--   BENCH_PREFIX  the SKUs' prefix (one per phase, so phases never collide)
-- The URL given to wrk is …/api/v1/inventory/items. done() prints the same RESULT line as
-- bench/wrk.lua, with the answers counted by status class.

local token = os.getenv("BENCH_TOKEN")
local prefix = os.getenv("BENCH_PREFIX") or "W"
local headers = { ["Content-Type"] = "application/json" }
if token and token ~= "" then
  headers["Authorization"] = "Bearer " .. token
end

-- The answers' counting and the RESULT line, shared with the other posting scripts.
dofile(debug.getinfo(1, "S").source:sub(2):match("^(.*)/[^/]*$") .. "/counted.lua")

local next_thread = 1
function setup(thread)
  thread:set("thread_no", next_thread)
  next_thread = next_thread + 1
  counted_setup(thread)
end

local n = 0
function request()
  n = n + 1
  local body = string.format(
    '{"sku":"%s-%d-%d","name":"Bench item %d","reorder_point":"1","reorder_quantity":"5"}',
    prefix, thread_no, n, n)
  return wrk.format("POST", wrk.path, headers, body)
end
