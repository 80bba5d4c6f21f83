"""The Redis store's Lua scripts: each write of scorecards/stores/redis.py is one of them,
so it is atomic. Redis does not roll back a script that fails half-way, so each
checks every key it will touch before writing any. Key layout: see redis.py.
"""

WRITE_FACTS = """
-- KEYS[1] the fact-refs set, then per fact: its latest hash, its history zset
-- ARGV[1] max items (-1: no limit), ARGV[2] max age in microseconds (-1: no limit),
-- then per fact: ref, source, score, record
local function check_type(key, wanted)
  local kind = redis.call('TYPE', key).ok
  if kind ~= 'none' and kind ~= wanted then
    return redis.error_reply('key ' .. key .. ' holds a ' .. kind .. ', not a ' .. wanted)
  end
end
local count = (#KEYS - 1) / 2
local failure = check_type(KEYS[1], 'set')
if failure then return failure end
for i = 1, count do
  failure = check_type(KEYS[2 * i], 'hash') or check_type(KEYS[2 * i + 1], 'zset')
  if failure then return failure end
end
local function split(record)
  local space = string.find(record, ' ', 1, true)
  return string.sub(record, 1, space - 1), string.sub(record, space + 1)
end
local touched = {}
for i = 1, count do
  local latest, history = KEYS[2 * i], KEYS[2 * i + 1]
  local ref, source = ARGV[4 * i - 1], ARGV[4 * i]
  local score, record = ARGV[4 * i + 1], ARGV[4 * i + 2]
  local stamp, values = split(record)
  local current = redis.call('HGET', latest, source)
  local current_stamp, current_values
  if current then current_stamp, current_values = split(current) end
  -- the latest values collected again: no history point, only the latest moves
  if not (current and values == current_values and stamp >= current_stamp) then
    redis.call('ZREMRANGEBYSCORE', history, score, score)
    redis.call('ZADD', history, score, record)
    touched[history] = true
  end
  if not current or stamp >= current_stamp then
    redis.call('HSET', latest, source, record)
  end
  redis.call('SADD', KEYS[1], ref)
end
local max_items, max_age = tonumber(ARGV[1]), tonumber(ARGV[2])
for history in pairs(touched) do
  if max_items >= 0 then
    redis.call('ZREMRANGEBYRANK', history, 0, -(max_items + 1))
  end
  if max_age >= 0 then
    local newest = redis.call('ZRANGE', history, -1, -1, 'WITHSCORES')
    if newest[2] then
      local cutoff = tonumber(newest[2]) - max_age
      redis.call('ZREMRANGEBYSCORE', history, '-inf', string.format('(%.0f', cutoff))
    end
  end
end
return count
"""

CONFIRM = """
-- KEYS: the latest hash of each ref; ARGV[1] the results source, ARGV[2] the timestamp
for i = 1, #KEYS do
  local kind = redis.call('TYPE', KEYS[i]).ok
  if kind ~= 'none' and kind ~= 'hash' then
    return redis.error_reply('key ' .. KEYS[i] .. ' holds a ' .. kind .. ', not a hash')
  end
end
local confirmed = 0
for i = 1, #KEYS do
  local current = redis.call('HGET', KEYS[i], ARGV[1])
  if current then
    local space = string.find(current, ' ', 1, true)
    if string.sub(current, 1, space - 1) < ARGV[2] then
      redis.call('HSET', KEYS[i], ARGV[1], ARGV[2] .. string.sub(current, space))
      confirmed = confirmed + 1
    end
  end
end
return confirmed
"""

CREATE_RUN = """
-- KEYS: run hash, errors list, runs zset; ARGV: id, score, errors count, errors..., field pairs...
if redis.call('EXISTS', KEYS[1]) == 1 then
  return redis.error_reply('run ' .. ARGV[1] .. ' already exists')
end
local errors = tonumber(ARGV[3])
for i = 4, 3 + errors do redis.call('RPUSH', KEYS[2], ARGV[i]) end
for i = 4 + errors, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
redis.call('ZADD', KEYS[3], ARGV[2], ARGV[1])
return 1
"""

RECORD_BATCH = """
-- KEYS: run hash, batches set, errors list
-- ARGV: run id, batch id, entities done, entities failed, batch failed (0/1), max errors,
--       then the error lines to add
if redis.call('EXISTS', KEYS[1]) == 0 then
  return redis.error_reply('no run ' .. ARGV[1])
end
if redis.call('SADD', KEYS[2], ARGV[2]) == 1 then
  redis.call('HINCRBY', KEYS[1], 'entities_done', ARGV[3])
  redis.call('HINCRBY', KEYS[1], 'entities_failed', ARGV[4])
  if ARGV[5] == '1' then
    redis.call('HINCRBY', KEYS[1], 'batches_failed', 1)
  else
    redis.call('HINCRBY', KEYS[1], 'batches_done', 1)
  end
  for i = 7, #ARGV do
    if redis.call('LLEN', KEYS[3]) < tonumber(ARGV[6]) then
      redis.call('RPUSH', KEYS[3], ARGV[i])
    end
  end
end
return {redis.call('HGETALL', KEYS[1]), redis.call('LRANGE', KEYS[3], 0, -1)}
"""

UPDATE_RUN = """
-- KEYS: run hash, errors list
-- ARGV: run id, pairs to set count, pairs..., fields to delete count, fields...,
--       replace errors (0/1), errors...
if redis.call('EXISTS', KEYS[1]) == 0 then
  return redis.error_reply('no run ' .. ARGV[1])
end
local at = 2
local pairs_count = tonumber(ARGV[at])
for i = at + 1, at + 2 * pairs_count, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
at = at + 2 * pairs_count + 1
local deletes = tonumber(ARGV[at])
for i = at + 1, at + deletes do redis.call('HDEL', KEYS[1], ARGV[i]) end
at = at + deletes + 1
if ARGV[at] == '1' then
  redis.call('DEL', KEYS[2])
  for i = at + 1, #ARGV do redis.call('RPUSH', KEYS[2], ARGV[i]) end
end
return {redis.call('HGETALL', KEYS[1]), redis.call('LRANGE', KEYS[2], 0, -1)}
"""

RECORD_RETRY = """
if redis.call('EXISTS', KEYS[1]) == 0 then
  return redis.error_reply('no run ' .. ARGV[1])
end
return redis.call('HINCRBY', KEYS[1], 'retries', 1)
"""

# A lease is a key holding its holder, expiring with the lease (Redis's clock decides).
ACQUIRE_LEASE = """
-- KEYS[1] the lease; ARGV[1] holder, ARGV[2] milliseconds
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] then
  return holder
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return false
"""

RELEASE_LEASE = """
-- KEYS[1] the lease; ARGV[1] holder
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""
