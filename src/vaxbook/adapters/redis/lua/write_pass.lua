-- A booking's or change's pass, atomically (vaxbook.ports.Gate.spend_for_write, unspend_pass).
-- KEYS: spent hash (person:number -> key), holders zset (person -> live pass expiry, the cap),
--       passes hash (person -> "number:until" of their current place's pass);
-- ARGV: field (person:number), key, 'spend' | 'undo', seconds to keep, person, number.
-- spend: as spend_pass.lua, and a first spend takes the person out of the live passes (the
-- write is under way, as release_admission after it did). undo: the key's spend is undone
-- and a live pass of that place counts again.
local spent, holders, passes = KEYS[1], KEYS[2], KEYS[3]
local holder = redis.call('HGET', spent, ARGV[1])
if ARGV[3] == 'undo' then
  if holder == ARGV[2] then
    redis.call('HDEL', spent, ARGV[1])
    local held = redis.call('HGET', passes, ARGV[5])
    if held then
      local held_number, held_until = string.match(held, '^([^:]+):(.+)$')
      if held_number == ARGV[6] then
        redis.call('ZADD', holders, held_until, ARGV[5])
      end
    end
  end
  return 'undone'
end
if not holder then
  redis.call('HSET', spent, ARGV[1], ARGV[2])
  redis.call('EXPIRE', spent, ARGV[4])
  redis.call('ZREM', holders, ARGV[5])
  return 'spent'
end
return holder == ARGV[2] and 'again' or 'refused'
