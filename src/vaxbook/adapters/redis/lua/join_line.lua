-- The person's one place in the line, the same on every call; nil while in the pre-queue.
-- KEYS: line hash, places hash, pre-queue set;
-- ARGV: person, opened (0/1), seed, issued floor, seconds to keep the line.
-- The first call after opening shuffles the pre-queue into places 1..n before anyone else.
local line, places, pre = KEYS[1], KEYS[2], KEYS[3]
local person, opened, seed, floor = ARGV[1], ARGV[2] == '1', tonumber(ARGV[3]), tonumber(ARGV[4])
local issued = tonumber(redis.call('HGET', line, 'issued') or '0')
if floor > issued then
  -- Redis lost the line (a restart): never hand out a number a worker has already seen.
  redis.call('HSET', line, 'issued', floor)
end
if opened and redis.call('HGET', line, 'opened') ~= '1' then
  redis.call('HSET', line, 'opened', '1')
  local members = redis.call('SMEMBERS', pre)
  -- Sorted first so that the seed alone decides the order, then a Fisher-Yates shuffle
  -- driven by a Park-Miller generator (exact in Lua's doubles).
  table.sort(members)
  local x = seed % 2147483646 + 1
  for i = #members, 2, -1 do
    x = (x * 48271) % 2147483647
    local j = x % i + 1
    members[i], members[j] = members[j], members[i]
  end
  for _, member in ipairs(members) do
    if redis.call('HEXISTS', places, member) == 0 then
      redis.call('HSET', places, member, redis.call('HINCRBY', line, 'issued', 1))
    end
  end
  redis.call('DEL', pre)
end
local function kept(result)
  for _, key in ipairs(KEYS) do
    redis.call('EXPIRE', key, ARGV[5])  -- a line is garbage a week after its last arrival
  end
  return result
end
local number = redis.call('HGET', places, person)
if number then
  return tonumber(number)
end
if redis.call('HGET', line, 'opened') ~= '1' then
  redis.call('SADD', pre, person)
  return kept(false)
end
local given = redis.call('HINCRBY', line, 'issued', 1)
redis.call('HSET', places, person, given)
return kept(given)
