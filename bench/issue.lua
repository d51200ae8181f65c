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

-- The answers' counting and the RESULT line, shared with the other posting scripts.
dofile(debug.getinfo(1, "S").source:sub(2):match("^(.*)/[^/]*$") .. "/counted.lua")
