-- One verification per person per hold, and the first device keeps the person for the hold.
-- KEYS[1] the person's hash; ARGV: device, now, hold_seconds, reference.
-- Times are compared as values (the caller's clock decides); the TTL only collects garbage.
-- The same verification again (same device, same provider reference) within the hold is 'ok'
-- and changes nothing: the client retrying an answer it lost must not wait out the hold.
local device, now, hold, reference = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
local held = redis.call('HMGET', KEYS[1], 'device', 'device_until', 'verified_until', 'reference')
local device_until = held[2] and tonumber(held[2]) or 0
if held[1] and device_until > now and held[1] ~= device then
  return {'device', tostring(device_until)}
end
local verified_until = held[3] and tonumber(held[3]) or 0
if verified_until > now then
  if held[1] == device and device_until > now and held[4] == reference then
    return {'ok', ''}
  end
  return {'held', tostring(verified_until - now)}
end
redis.call('HSET', KEYS[1], 'device', device, 'device_until', tostring(now + hold),
  'verified_until', tostring(now + hold), 'reference', reference)
redis.call('EXPIRE', KEYS[1], math.ceil(hold) + 60)
return {'ok', ''}
