-- Mark a pass used by one write (its idempotency key), or undo that mark, atomically.
-- KEYS: spent hash (person:number -> key); ARGV: field, key, 'spend' | 'undo', seconds to keep.
local holder = redis.call('HGET', KEYS[1], ARGV[1])
if ARGV[3] == 'undo' then
  if holder == ARGV[2] then
    redis.call('HDEL', KEYS[1], ARGV[1])
  end
  return 'undone'
end
if not holder then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
  redis.call('EXPIRE', KEYS[1], ARGV[4])
  return 'spent'
end
return holder == ARGV[2] and 'again' or 'refused'
