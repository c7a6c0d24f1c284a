-- Put back a place that the ledger's record or a signed ticket proves, after Redis lost its state;
-- it replaces a number the gate handed the person since (the proven place is theirs).
-- KEYS: line hash, places hash; ARGV: person, number.
local number = tonumber(ARGV[2])
redis.call('HSET', KEYS[1], 'opened', '1')
redis.call('HSET', KEYS[2], ARGV[1], number)
if number > tonumber(redis.call('HGET', KEYS[1], 'issued') or '0') then
  redis.call('HSET', KEYS[1], 'issued', number)
end
return 1
