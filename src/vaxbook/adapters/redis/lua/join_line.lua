-- The person's one place in the line, the same on every call; nil while in the pre-queue.
-- KEYS: line hash, places hash, pre-queue sorted set;
-- ARGV: person, opened (0/1), seed, issued floor, seconds to keep the line.
--
-- The pre-queue is shuffled without touching its members at opening: each member joins it
-- with a random score (the seed the service draws for that call), and at opening the line
-- only reserves places base+1..base+n for them. A member's place is then base + their
-- rank by score, looked up (O(log n)) when they next ask. Opening therefore costs O(1):
-- numbering a million people at 20:00 one by one would block Redis for seconds.
local line, places, pre = KEYS[1], KEYS[2], KEYS[3]
local person, opened, seed, floor = ARGV[1], ARGV[2] == '1', tonumber(ARGV[3]), tonumber(ARGV[4])

local function kept(result)
  for _, key in ipairs(KEYS) do
    redis.call('EXPIRE', key, ARGV[5])  -- a line is garbage a week after its last arrival
  end
  return result
end

local issued = tonumber(redis.call('HGET', line, 'issued') or '0')
if floor > issued then
  -- Redis lost the line (a restart): never hand out a number a worker has already seen.
  redis.call('HSET', line, 'issued', floor)
  issued = floor
end
local is_open = redis.call('HGET', line, 'opened') == '1'
if opened and not is_open then
  redis.call('HSET', line, 'opened', '1', 'pre_base', issued)
  redis.call('HINCRBY', line, 'issued', redis.call('ZCARD', pre))
  is_open = true
end

local number = redis.call('HGET', places, person)
if number then
  return tonumber(number)
end
if not is_open then
  redis.call('ZADD', pre, 'NX', seed, person)
  return kept(false)
end
local rank = redis.call('ZRANK', pre, person)
local given
if rank then
  given = tonumber(redis.call('HGET', line, 'pre_base') or '0') + rank + 1
else
  given = redis.call('HINCRBY', line, 'issued', 1)
end
redis.call('HSET', places, person, given)
return kept(given)
