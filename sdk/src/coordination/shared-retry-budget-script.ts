import { RedisScript } from './redis-client.js';

/** Largest count a bucket field may hold; anything else read back is corrupt or foreign (ignored, counted). */
export const MAX_BUCKET_COUNT = 1e12;

/**
 * One exchange of a replica with the fleet's retry budget, atomic on the server (Redis' own clock, so replicas'
 * clocks do not matter):
 * 1. adds the replica's report to the current window bucket: `total − acknowledged`, at most the unsynced count
 *    (a report repeated after a lost answer adds nothing; an outage's counts older than the window add nothing);
 * 2. sums the window's buckets (the same buckets as the local sliding window);
 * 3. marks the replica alive and forgets replicas (and their claims) silent for `holdMs`;
 * 4. claims the replica's share of the headroom: `min(headroom − others' reservations, ⌈headroom / replicas⌉)`
 *    where headroom = `ratio × calls + floor − retries`, so all reservations together never exceed the headroom;
 *    up to that fair share, never less than the `remaining` the replica reported (what it may still grant of the
 *    claim it knows). The replica's reservation, which the others' claims leave aside, is the larger of the new
 *    claim and that `remaining`: it may grant from the old claim until it hears the new one (or on, if the
 *    answer is lost), so a claim that shrinks frees its difference only at the replica's next exchange.
 * Values read back that are not counts are ignored (a corrupt hash or field is replaced where written) and
 * counted in the answer: `{calls, retries, replicas, claim, invalid}`.
 *
 * KEYS: bucket prefix, replicas (sorted set by last exchange), replica state (hash `<id>:c|r|q`). The bucket
 * keys (`<bucket prefix>:<bucket>`) are derived in the script: a standalone Redis (as the coordinator uses).
 * ARGV: id, bucketMs, buckets, ratio, floor, totalCalls, totalRetries, unsyncedCalls, unsyncedRetries, holdMs,
 * remaining.
 */
export const RETRY_BUDGET_EXCHANGE = new RedisScript(`
local MAX = ${MAX_BUCKET_COUNT}
local prefix, replicasKey, stateKey = KEYS[1], KEYS[2], KEYS[3]
local id = ARGV[1]
local bucketMs, buckets = tonumber(ARGV[2]), tonumber(ARGV[3])
local ratio, floor = tonumber(ARGV[4]), tonumber(ARGV[5])
local totalCalls, totalRetries = tonumber(ARGV[6]), tonumber(ARGV[7])
local unsyncedCalls, unsyncedRetries = tonumber(ARGV[8]), tonumber(ARGV[9])
local holdMs = tonumber(ARGV[10])
local remaining = math.min(tonumber(ARGV[11]), MAX)
local invalid = 0

local function failed(reply)
  return type(reply) == 'table' and reply.err ~= nil
end
-- A count: a string of digits within MAX; missing is 0; anything else is 0 and counted.
local function count(value)
  if value == false or value == nil then return 0 end
  if type(value) == 'string' and #value <= 13 and string.match(value, '^%d+$') then
    local n = tonumber(value)
    if n <= MAX then return n end
  end
  invalid = invalid + 1
  return 0
end
-- A key of ours holding another type is replaced (it can only be corrupt or foreign).
local function own(key, reply)
  if failed(reply) then
    invalid = invalid + 1
    redis.call('DEL', key)
    return true
  end
  return false
end

-- Integers as digits (Lua would print a large number as 1.7e+15).
local function digits(n)
  return string.format('%d', n)
end

local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local epoch = math.floor(now / bucketMs)

-- 1. The report, added once.
local seen = redis.pcall('HMGET', stateKey, id .. ':c', id .. ':r')
if own(stateKey, seen) then seen = {false, false} end
local addCalls = math.max(0, math.min(totalCalls - count(seen[1]), unsyncedCalls))
local addRetries = math.max(0, math.min(totalRetries - count(seen[2]), unsyncedRetries))
local bucket = prefix .. ':' .. digits(epoch)
if addCalls > 0 or addRetries > 0 then
  for field, n in pairs({c = addCalls, r = addRetries}) do
    if n > 0 and own(bucket, redis.pcall('HINCRBY', bucket, field, digits(n))) then
      redis.call('HINCRBY', bucket, field, digits(n))
    end
  end
  redis.call('PEXPIRE', bucket, digits(math.ceil(bucketMs * (buckets + 1))))
end

-- 2. The window.
local calls, retries = 0, 0
for e = epoch - buckets + 1, epoch do
  local counts = redis.pcall('HMGET', prefix .. ':' .. digits(e), 'c', 'r')
  if failed(counts) then
    invalid = invalid + 1
  else
    calls = calls + count(counts[1])
    retries = retries + count(counts[2])
  end
end

-- 3. The replicas alive.
if own(replicasKey, redis.pcall('ZADD', replicasKey, digits(now), id)) then
  redis.call('ZADD', replicasKey, digits(now), id)
end
local cutoff = '(' .. digits(now - holdMs)
for _, gone in ipairs(redis.call('ZRANGEBYSCORE', replicasKey, '-inf', cutoff)) do
  redis.call('HDEL', stateKey, gone .. ':c', gone .. ':r', gone .. ':q')
end
redis.call('ZREMRANGEBYSCORE', replicasKey, '-inf', cutoff)
local members = redis.call('ZRANGE', replicasKey, 0, -1)

-- 4. The claim.
local claimed = 0
for _, member in ipairs(members) do
  if member ~= id then
    claimed = claimed + count(redis.call('HGET', stateKey, member .. ':q'))
  end
end
local headroom = ratio * calls + floor - retries
local fair = math.ceil(headroom / #members - 1e-9)
local claim = math.max(0, math.floor(math.min(fair, math.max(headroom - claimed, remaining)) + 1e-9))
local reserved = math.max(claim, remaining)
redis.call('HSET', stateKey,
  id .. ':c', digits(totalCalls), id .. ':r', digits(totalRetries), id .. ':q', digits(reserved))
redis.call('PEXPIRE', stateKey, digits(holdMs * 2))
redis.call('PEXPIRE', replicasKey, digits(holdMs * 2))
return {calls, retries, #members, claim, invalid}
`);

/** Removes a replica from the fleet's retry budget (its claim is released at once). KEYS: replicas, state. */
export const RETRY_BUDGET_LEAVE = new RedisScript(`
redis.pcall('ZREM', KEYS[1], ARGV[1])
redis.pcall('HDEL', KEYS[2], ARGV[1] .. ':c', ARGV[1] .. ':r', ARGV[1] .. ':q')
return 1
`);
