-- A verification call starts, unless its client already holds its share of the method.
-- KEYS: the method's in-flight zset, the client's in-flight zset (members stamped with
-- the real time, so calls of a worker that died are forgotten);
-- ARGV: member, now, forget calls stamped before this, share, seconds to keep the client's set.
local mine = KEYS[2]
redis.call('ZREMRANGEBYSCORE', mine, '-inf', ARGV[3])
if redis.call('ZCARD', mine) >= tonumber(ARGV[4]) then
  return 0
end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('ZADD', mine, ARGV[2], ARGV[1])
redis.call('EXPIRE', mine, ARGV[5])
return 1
