-- A verification call ended: it is no longer in flight, and its latency joins the recent ones.
-- KEYS: in-flight zset, latency list, the client's in-flight zset; ARGV: member, seconds, samples kept.
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('LPUSH', KEYS[2], ARGV[2])
redis.call('LTRIM', KEYS[2], 0, tonumber(ARGV[3]) - 1)
return 1
