import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createRateLimiter, type RateLimiter } from '../load/rate-limiter.js';
import type { RateLimiterOptions } from '../load/rate-limiter-options.js';
import { ATTR_RESILIENCE_COORDINATION_OPERATION, METRIC_COORDINATION_ERRORS } from '../semconv.js';
import { TestTelemetry } from '../test-support/otel.js';
import { LocalRedis } from '../test-support/redis-server.js';
import type { RedisCoordinator } from './redis-coordinator.js';
import { RedisRateLimit } from './shared-rate-limiter.js';
import { connectedCoordinator } from './test-support/coordinator.js';

let redis: LocalRedis;
beforeAll(async () => {
  redis = await LocalRedis.start();
});
afterAll(() => redis.stop());

const INVALID = { [ATTR_RESILIENCE_COORDINATION_OPERATION]: 'invalid_value' };
const KINDS = [
  { kind: 'token_bucket', limit: 4, burst: 6, intervalMs: 60_000 },
  { kind: 'sliding_window', limit: 4, intervalMs: 60_000 },
] as const satisfies readonly RateLimiterOptions[];

let otel: TestTelemetry;
let fleet: RedisCoordinator;
let test = 0;
beforeEach(async () => {
  otel = new TestTelemetry().install();
  // A key prefix per test: no test sees another's permits.
  fleet = await connectedCoordinator({ url: redis.url, keyPrefix: `t${++test}` });
});
afterEach(async () => {
  await fleet.dispose();
  await otel.uninstall();
});

const sharedLimiter = (options: RateLimiterOptions, coordinator = fleet, name = 'chat') =>
  createRateLimiter(name, { ...options, registry: null, shared: coordinator });

/** Asks `limiter` `times` times for `key`; the grants in order. */
async function grants(limiter: RateLimiter, key: string | undefined, times: number): Promise<boolean[]> {
  const decisions: boolean[] = [];
  for (let i = 0; i < times; i++) decisions.push((await limiter.tryAcquireAsync(key)).granted);
  return decisions;
}

const redisCommand = (args: string[]) => fleet.run('rate_limiter_acquire', c => c.sendCommand(args));

describe('shared rate limiter on Redis', () => {
  // A fixed sequence of acquisitions over three keys and calls without a key (`-`). Redis decides on its own
  // clock: with 60 s intervals the whole sequence runs within a sliver of one, so nothing refills in between.
  const SEQUENCE = [...'aab-acbaa-bacccabbbb--accbaa-b-cabca--bbacab'].map(c => (c === '-' ? undefined : c));

  it.each(KINDS)('decides like the local $kind limiter on the same sequence', async options => {
    const local = createRateLimiter('chat', { ...options, registry: null, now: () => 0 });
    const shared = sharedLimiter(options);
    const started = performance.now();
    const expected = SEQUENCE.map(key => local.tryAcquire(key));
    const actual = [];
    for (const key of SEQUENCE) actual.push(await shared.tryAcquireAsync(key));
    const elapsed = Math.ceil(performance.now() - started) + 1;
    expect(actual.map(d => d.granted)).toEqual(expected.map(d => d.granted));
    expect(expected.filter(d => !d.granted).length).toBeGreaterThan(10);
    // A refusal announces the same wait, less the time that passed on the server's clock since.
    actual.forEach((decision, i) => {
      const wait = expected[i]?.retryAfterMs ?? 0;
      expect(decision.retryAfterMs).toBeLessThanOrEqual(wait);
      expect(decision.retryAfterMs).toBeGreaterThanOrEqual(wait - elapsed);
    });
    expect(shared.snapshot()).toMatchObject({ shared: true, fallbacks: 0, ...counts(local) });
  });

  it.each(KINDS)(
    'holds one $kind limit across replicas (coordinators on their own connections)',
    async options => {
      const replicas = [fleet, await connectedCoordinator({ url: redis.url, keyPrefix: `t${test}` })];
      const limiters = replicas.map(replica => sharedLimiter(options, replica));
      const decisions = [];
      for (let i = 0; i < 12; i++)
        decisions.push((await limiters[i % 2]?.tryAcquireAsync('thread'))?.granted);
      expect(decisions.filter(Boolean)).toHaveLength(options.kind === 'token_bucket' ? 6 : 4);
      await replicas[1]?.dispose();
    },
  );

  it('gives keys a TTL of about the interval, and hashes long user keys', async () => {
    await sharedLimiter(KINDS[0]).tryAcquireAsync('a');
    await sharedLimiter(KINDS[1]).tryAcquireAsync(undefined);
    await sharedLimiter(KINDS[1]).tryAcquireAsync('x'.repeat(10_000));
    const keys = ((await redisCommand(['KEYS', `t${test}:*`])) as string[]).sort();
    expect(keys).toHaveLength(3);
    expect(keys[0]).toBe(`t${test}:rate_limiter:{chat}:sliding_window:all`);
    expect(keys[1]).toMatch(new RegExp(`^t${test}:rate_limiter:\\{chat\\}:sliding_window:h:[\\w-]{43}$`));
    expect(keys[2]).toBe(`t${test}:rate_limiter:{chat}:token_bucket:k:a`);
    for (const key of keys) {
      const ttl = (await redisCommand(['PTTL', key])) as number;
      // Sliding window: the interval. Token bucket: the time one token takes to refill (60 s / 4).
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(key.includes('token_bucket') ? 15_001 : 60_001);
    }
  });

  it.each([
    ['not a hash', 'token_bucket', ['SET', 'KEY', 'garbage']],
    ['tokens not a number', 'token_bucket', ['HSET', 'KEY', 't', 'nan', 'at', '0']],
    ['tokens out of range', 'token_bucket', ['HSET', 'KEY', 't', '1e9', 'at', '0']],
    ['a refill from the future', 'token_bucket', ['HSET', 'KEY', 't', '0', 'at', '1e300']],
    ['not a sorted set', 'sliding_window', ['LPUSH', 'KEY', 'x']],
    ['a permit from the future', 'sliding_window', ['ZADD', 'KEY', '+inf', 'x']],
  ] as const)(
    'ignores a corrupt key (%s): counted, reset, and the permit decided afresh',
    async (_, kind, corrupt) => {
      const options = KINDS.find(o => o.kind === kind) ?? KINDS[0];
      const key = `t${test}:rate_limiter:{chat}:${kind}:k:user`;
      await redisCommand(corrupt.map(arg => (arg === 'KEY' ? key : arg)));
      const limiter = sharedLimiter(options);
      expect(await grants(limiter, 'user', 2)).toEqual([true, true]);
      expect(await otel.total(METRIC_COORDINATION_ERRORS, INVALID)).toBe(1);
      expect(await redisCommand(['TYPE', key])).toBe(kind === 'token_bucket' ? 'hash' : 'zset');
      expect(await redisCommand(['PTTL', key])).toBeGreaterThan(0);
      expect(limiter.snapshot()).toMatchObject({ granted: 2, fallbacks: 0 });
    },
  );

  it.each([
    ['not an array', 'OK'],
    ['nil', null],
    ['too short', [1, 0]],
    ['granted not 0 or 1', [2, 0, 0]],
    ['strings', ['1', '0', '0']],
    ['a grant with a wait', [1, 500, 0]],
    ['a refusal without a wait', [0, 0, 0]],
    ['a negative wait', [0, -5, 0]],
    ['a wait longer than a window', [0, 10_000_000, 0]],
    ['a fractional wait', [0, 1.5, 0]],
    ['reset not 0 or 1', [1, 0, 7]],
  ])('does not trust a reply that is %s: counted, and the permit is decided locally', async (_, reply) => {
    const garbled = { ...fleetMethods(fleet), run: async () => reply as never };
    const source = new RedisRateLimit(garbled, 'chat', config(KINDS[1]));
    expect(await source.acquire('k')).toBeUndefined();
    expect(await otel.total(METRIC_COORDINATION_ERRORS, INVALID)).toBe(1);
  });

  it('falls back to local permits when Redis is killed, keeps serving, and shares again once it is back', async () => {
    const own = await LocalRedis.start();
    const replica = await connectedCoordinator({ url: own.url, keyPrefix: 'outage', timeoutMs: 50 });
    const limiter = sharedLimiter({ kind: 'sliding_window', limit: 3, intervalMs: 60_000 }, replica);
    try {
      expect(await grants(limiter, 'thread', 2)).toEqual([true, true]);
      await own.kill();
      // The local permits remember the 2 permits this replica took: 1 more, then refusals (never a failure).
      expect(await grants(limiter, 'thread', 3)).toEqual([true, false, false]);
      expect(limiter.snapshot()).toMatchObject({ shared: true, fallbacks: 3 });
      expect(replica.state).toBe('degraded');
      await own.restart();
      for (let turn = 0; turn < 1_000 && replica.state !== 'connected'; turn++) {
        await new Promise(resolve => setTimeout(resolve, 5));
      }
      // The restarted Redis lost its permits (no persistence): the fleet's window starts afresh.
      expect(await grants(limiter, 'other', 4)).toEqual([true, true, true, false]);
      expect(limiter.snapshot().fallbacks).toBe(3);
    } finally {
      await replica.dispose();
      await own.stop();
    }
  });

  it('falls back within the timeout when Redis is slow (CLIENT PAUSE)', async () => {
    const slow = await connectedCoordinator({ url: redis.url, keyPrefix: `t${test}`, timeoutMs: 20 });
    const limiter = sharedLimiter({ limit: 5 }, slow);
    try {
      await redisCommand(['CLIENT', 'PAUSE', '300', 'ALL']);
      await expect(limiter.acquire('k')).resolves.toBeUndefined();
      expect(limiter.snapshot()).toMatchObject({ granted: 1, fallbacks: 1 });
      expect(
        await otel.total(METRIC_COORDINATION_ERRORS, {
          [ATTR_RESILIENCE_COORDINATION_OPERATION]: 'rate_limiter_acquire',
        }),
      ).toBe(1);
    } finally {
      await redisCommand(['CLIENT', 'UNPAUSE']);
      await slow.dispose();
    }
  });

  it('waits for a permit of the fleet: asks again after retryAfterMs, within maxWaitMs', async () => {
    // Real waits on the server's clock: a 200 ms window.
    const options = { kind: 'sliding_window', limit: 1, intervalMs: 200 } as const;
    const patient = sharedLimiter({ ...options, maxWaitMs: 2_000 });
    const hasty = sharedLimiter({ ...options, maxWaitMs: 50 });
    await patient.acquire('k');
    await expect(hasty.acquire('k')).rejects.toMatchObject({ strategy: 'rate_limiter' });
    await patient.acquire('k');
    expect(patient.snapshot()).toMatchObject({ granted: 2, waited: 1, rejected: 0, fallbacks: 0 });
  });
});

function counts(limiter: RateLimiter) {
  const { granted, rejected } = limiter.snapshot();
  return { granted, rejected };
}

function config(options: RateLimiterOptions) {
  return createRateLimiter('c', { ...options, registry: null }).snapshot().config;
}

function fleetMethods(coordinator: RedisCoordinator) {
  return {
    key: coordinator.key.bind(coordinator),
    run: coordinator.run.bind(coordinator),
    script: coordinator.script.bind(coordinator),
    invalid: coordinator.invalid.bind(coordinator),
    instanceId: coordinator.instanceId,
  };
}
