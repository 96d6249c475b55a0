import { RedisScript } from './redis-client.js';

/**
 * The server's clock in ms (with µs), so replicas' clocks never matter. Scripts that call TIME are fine since
 * Redis 5 (effects replication, the only mode in 7).
 */
const SERVER_NOW = `
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + tonumber(clock[2]) / 1000
`;

/**
 * The bucket in KEYS[1] now (ARGV: limit, intervalMs, burst): `tokens` refilled up to the server's now and `at`,
 * their time; `kind` its Redis type ('none': a fresh, full bucket); `reset` 1 when the key holds a value that is
 * not a bucket of ours (wrong type, tokens out of [0, burst], a time in the future).
 */
const READ_BUCKET = `
local limit, interval, burst = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
${SERVER_NOW}
local perMs = limit / interval
local tokens, at, reset = burst, now, 0
local kind = redis.call('TYPE', KEYS[1]).ok
if kind == 'hash' then
  local saved = redis.call('HMGET', KEYS[1], 't', 'at')
  local t, a = tonumber(saved[1]), tonumber(saved[2])
  if t and a and t >= 0 and t <= burst and a <= now + interval then
    if now > a then tokens = math.min(burst, t + (now - a) * perMs) else tokens, at = t, a end
  else
    reset = 1
  end
elseif kind ~= 'none' then
  reset = 1
end
`;

/** Writes `tokens` at `at` with a TTL of the time it takes to refill (then the bucket equals a fresh one). */
const SAVE_BUCKET = `
redis.call('HSET', KEYS[1], 't', tokens, 'at', at)
redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) / perMs) + 1)
`;

/**
 * One permit of a token bucket shared by the fleet, atomic on the server. The semantics of `TokenBucketPermits`:
 * holds up to `burst` tokens, refills `limit` per `intervalMs` continuously, takes one if one is whole.
 *
 * KEYS[1]: the bucket, a hash { t = tokens, at = server ms of t }. ARGV: limit, intervalMs, burst.
 * Returns { granted 0|1, retryAfterMs (0 when granted), reset 0|1 }: reset = the key held a value that is not a
 * bucket of ours: it was deleted and started afresh.
 */
export const TOKEN_BUCKET = new RedisScript(`
${READ_BUCKET}
if reset == 1 then redis.call('DEL', KEYS[1]) end
if tokens < 1 then return { 0, math.ceil((1 - tokens) / perMs), reset } end
tokens = tokens - 1
${SAVE_BUCKET}
return { 1, 0, reset }
`);

/**
 * Gives back a token {@link TOKEN_BUCKET} granted to a caller that had given up: one more, capped at `burst`.
 * Same KEYS and ARGV. A bucket that is gone (expired: full again) or not ours is left as it is. Returns 1 when a
 * token went back, else 0.
 */
export const TOKEN_BUCKET_RELEASE = new RedisScript(`
${READ_BUCKET}
if reset == 1 or kind == 'none' then return 0 end
tokens = math.min(burst, tokens + 1)
${SAVE_BUCKET}
return 1
`);

/**
 * One permit of an exact sliding window shared by the fleet ("at most `limit` in any `intervalMs`"), atomic on
 * the server. The semantics of `SlidingWindowPermits`: a permit granted at t counts while t > now - intervalMs.
 *
 * KEYS[1]: the window, a sorted set of the permits granted (member: a unique id, score: server ms), trimmed on
 * every call. ARGV: limit, intervalMs, member (unique: a permit given back is the `ZREM` of it). Returns { granted 0|1, retryAfterMs, reset 0|1 } as above (reset:
 * not a sorted set, or a permit from the future). A grant sets a TTL of `intervalMs` (every permit in it is then
 * past).
 */
export const SLIDING_WINDOW = new RedisScript(`
local limit, interval = tonumber(ARGV[1]), tonumber(ARGV[2])
${SERVER_NOW}
local reset = 0
local kind = redis.call('TYPE', KEYS[1]).ok
if kind == 'zset' then
  local newest = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
  if not (tonumber(newest[2]) <= now + interval) then reset = 1 end
elseif kind ~= 'none' then
  reset = 1
end
if reset == 1 then redis.call('DEL', KEYS[1]) end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - interval)
local used = redis.call('ZCARD', KEYS[1])
if used < limit then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], math.ceil(interval) + 1)
  return { 1, 0, reset }
end
local freeing = redis.call('ZRANGE', KEYS[1], used - limit, used - limit, 'WITHSCORES')
return { 0, math.max(1, math.ceil(tonumber(freeing[2]) + interval - now)), reset }
`);
