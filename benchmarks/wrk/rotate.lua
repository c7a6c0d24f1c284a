-- wrk script: every request carries the next credential from a file (one per line, fields
-- separated by tabs), so a worker's per-token caches see what many people would send.
--   wrk -s benchmarks/wrk/rotate.lua URL -- MODE FILE      (MODE: status | booking | anchor)
-- status:  device <TAB> ticket                 GET  /api/line/status
-- booking: device <TAB> pass <TAB> slot <TAB> key   POST /api/bookings (each line once)
-- anchor:  device <TAB> token                  GET  /  (the anchor apps answer any path)
-- done() prints one line, WRK_JSON {...}, that vaxbook-bench wrk reads.
local threads = {}
local mode, rows, next_row, codes = "status", {}, 0, {}
codes_out = ""

function setup(thread)
  thread:set("thread_index", #threads)
  table.insert(threads, thread)
end

function init(args)
  mode = args[1]
  for line in io.lines(args[2]) do
    local fields = {}
    for field in string.gmatch(line, "[^\t]+") do table.insert(fields, field) end
    table.insert(rows, fields)
  end
  -- Threads start far apart (vaxbook-bench wrk runs one thread: each row is used once).
  next_row = thread_index * 7919
end

function request()
  local row = rows[(next_row % #rows) + 1]
  next_row = next_row + 1
  local headers = {["X-Device-Id"] = row[1], ["Authorization"] = "Bearer " .. row[2]}
  if mode == "booking" then
    headers["Content-Type"] = "application/json"
    headers["Idempotency-Key"] = row[4]
    return wrk.format("POST", "/api/bookings", headers, '{"slot_id": ' .. row[3] .. '}')
  elseif mode == "status" then
    return wrk.format("GET", "/api/line/status", headers)
  end
  return wrk.format("GET", "/", headers)
end

function response(status, headers, body)
  codes[status] = (codes[status] or 0) + 1
  codes_out = codes_text()
end

-- wrk copies only plain values between threads: the codes travel as "201=5,409=1".
function codes_text()
  local parts = {}
  for status, n in pairs(codes) do table.insert(parts, status .. "=" .. n) end
  return table.concat(parts, ",")
end

function done(summary, latency, requests)
  local counted = {}
  for _, thread in ipairs(threads) do
    local text = thread:get("codes_out") or ""
    for status, n in string.gmatch(text, "(%d+)=(%d+)") do
      counted[status] = (counted[status] or 0) + tonumber(n)
    end
  end
  local parts = {}
  for status, n in pairs(counted) do table.insert(parts, string.format('"%s": %d', status, n)) end
  io.write(string.format(
    'WRK_JSON {"requests": %d, "seconds": %.3f, "errors": %d, "timeouts": %d, "codes": {%s}, ' ..
    '"p50_ms": %.2f, "p99_ms": %.2f, "max_ms": %.2f}\n',
    summary.requests, summary.duration / 1e6,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status,
    summary.errors.timeout, table.concat(parts, ", "),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
