-- The one admission pass of a place, atomically (vaxbook.ports.Gate.admission_pass).
-- KEYS: line hash, places hash, holders zset (person -> live pass expiry, for the cap),
--       passes hash (person -> "number:until" of their current place's pass), spent hash;
-- ARGV: person, number, now, until, seconds to keep the line.
-- Returns {number, until as a string} for a live pass, or {number, false} when the person's
-- place is another one (a used-up place moves them to the back first).
local line, places, holders, passes, spent = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local person, number, now = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])

local place = redis.call('HGET', places, person)
if not place then
  redis.call('HSET', places, person, number)  -- a lost place comes back from the signed ticket
elseif tonumber(place) ~= number then
  return {tonumber(place), false}
end
local held = redis.call('HGET', passes, person)
if held then
  local held_number, held_until = string.match(held, '^([^:]+):(.+)$')
  if tonumber(held_number) == number then
    if tonumber(held_until) > now and redis.call('HEXISTS', spent, person .. ':' .. number) == 0 then
      return {number, held_until}
    end
    -- Used up (lapsed unused, or spent by a booking): join again at the back.
    redis.call('HDEL', passes, person)
    redis.call('ZREM', holders, person)
    local given = redis.call('HINCRBY', line, 'issued', 1)
    redis.call('HSET', places, person, given)
    return {given, false}
  end
end
redis.call('HSET', passes, person, number .. ':' .. ARGV[4])
redis.call('ZADD', holders, ARGV[4], person)
for _, key in ipairs(KEYS) do
  redis.call('EXPIRE', key, ARGV[5])
end
return {number, ARGV[4]}
