-- One event against a rate limit, atomically: GCRA, the rule of vaxbook.domain.throttle.gcra.
-- KEYS[1] the limited key (its value: the theoretical arrival time, TAT);
-- ARGV: now, limit, period, cost (negative: a refund).
-- Returns false when allowed, else the seconds to wait (as a string: Lua numbers lose
-- their fraction on the way back). The key expires at its TAT: past it, it means nothing.
local now, limit, period, cost = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local interval = period / limit
local stored = redis.call('GET', KEYS[1])
local tat = stored and tonumber(stored) or nil
local new_tat
if cost <= 0 then
  new_tat = math.max((tat or now) + cost * interval, now)
else
  new_tat = math.max(tat or now, now) + cost * interval
  local allowed_at = new_tat - period
  if allowed_at > now then
    return string.format('%.17g', allowed_at - now)
  end
end
local ttl_ms = math.ceil((new_tat - now) * 1000)
if ttl_ms > 0 then
  redis.call('SET', KEYS[1], string.format('%.17g', new_tat), 'PX', ttl_ms)
else
  redis.call('DEL', KEYS[1])
end
return false
