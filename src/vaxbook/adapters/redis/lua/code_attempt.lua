-- One try at a verification request's code (or one given back, cost -1): the request's count of
-- tries, which lapses `ttl` seconds after its first (not pushed back by later tries).
-- KEYS[1] the request's count; ARGV: cost, ttl seconds
local counted = redis.call('INCRBY', KEYS[1], ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[2], 'NX')
return counted
