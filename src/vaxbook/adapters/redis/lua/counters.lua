-- Advance the admitted counter by the elapsed time and read both counters, atomically.
-- The token bucket of vaxbook.domain.queue.advance_admitted: whichever worker asks first
-- advances it, so no leader is needed and a dead worker stalls nothing.
-- KEYS: line hash, holders zset (person -> pass expiry);
-- ARGV: now, rate, cap (-1: none), issued floor, admitted floor, floors durable (0/1).
-- A line never counted here (Redis lost it, or its first use) is only started from floors
-- that include the durable copy: asked with floors that do not, it answers {-1, -1} and
-- writes nothing, and the caller asks again with the durable copy's.
local line, holders = KEYS[1], KEYS[2]
local now, rate, cap = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local v = redis.call('HMGET', line, 'issued', 'admitted', 'tokens', 'tick', 'waiting')
if not v[4] and ARGV[6] == '0' then
  return {-1, -1}
end
redis.call('ZREMRANGEBYSCORE', holders, '-inf', now)
local active = redis.call('ZCARD', holders)
-- The floors are what this worker last saw: after Redis lost the line they restore it.
local issued = math.max(v[1] and tonumber(v[1]) or 0, tonumber(ARGV[4]))
local admitted = math.max(v[2] and tonumber(v[2]) or 0, tonumber(ARGV[5]))
local burst = math.max(rate, 1)
local tokens = v[3] and tonumber(v[3]) or burst
local tick = v[4] and tonumber(v[4]) or nil
local elapsed = 0
if tick then
  elapsed = math.max(now - tick, 0)
end
-- Only the people waiting since the last call may use what the elapsed time earned;
-- beyond them at most the burst goes out: an idle, unpolled line banks nothing more.
local waiting = v[5] and tonumber(v[5]) or 0
local available = math.min(tokens + elapsed * rate, burst + math.max(waiting, 0))
local step = math.min(math.floor(available), issued - admitted)
if cap >= 0 then
  step = math.min(step, cap - active)
end
step = math.max(step, 0)
admitted = admitted + step
tokens = math.min(available - step, burst)
-- A worker whose clock is a little behind must not wind the bucket back.
-- %.17g keeps every bit of the double, so the bucket loses nothing between calls.
redis.call('HSET', line, 'issued', issued, 'admitted', admitted, 'waiting', issued - admitted,
  'tokens', string.format('%.17g', tokens), 'tick', string.format('%.17g', math.max(now, tick or now)))
return {issued, admitted}
