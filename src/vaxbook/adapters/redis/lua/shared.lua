-- What `share` keeps, with the milliseconds it has left (Redis's clock, not the workers').
-- KEYS[1] the shared value. Returns false, or {value, milliseconds left}.
local value = redis.call('GET', KEYS[1])
if not value then
  return false
end
return {value, redis.call('PTTL', KEYS[1])}
