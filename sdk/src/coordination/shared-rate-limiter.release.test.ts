/**
 * Defect (issue 10 review): a fleet permit was lost when the caller gave up. The limiter raced the caller's abort
 * (and the coordinator its timeout) against the script, but the script still ran on Redis and could grant the
 * permit: consumed across the fleet for a call that never ran. Repro: limit 1, Redis paused so the answer is
 * late, the caller gives up; once Redis answers again, another replica asking for the same key was refused.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createRateLimiter, type RateLimiter } from '../load/rate-limiter.js';
import type { RateLimiterOptions } from '../load/rate-limiter-options.js';
import { LocalRedis } from '../test-support/redis-server.js';
import type { RedisCoordinator } from './redis-coordinator.js';
import { connectedCoordinator } from './test-support/coordinator.js';

let redis: LocalRedis;
beforeAll(async () => {
  redis = await LocalRedis.start();
});
afterAll(() => redis.stop());

const ONE_PERMIT = [
  { kind: 'token_bucket', limit: 1, burst: 1, intervalMs: 60_000 },
  { kind: 'sliding_window', limit: 1, intervalMs: 60_000 },
] as const satisfies readonly RateLimiterOptions[];

const coordinators: RedisCoordinator[] = [];
let prefix = '';
let test = 0;
beforeEach(() => {
  prefix = `release${++test}`;
});
afterEach(async () => {
  for (const coordinator of coordinators.splice(0)) await coordinator.dispose();
});

/** A replica of the fleet: its own coordinator (own connection) on the test's key prefix. */
async function replica(timeoutMs: number): Promise<RedisCoordinator> {
  const coordinator = await connectedCoordinator({ url: redis.url, keyPrefix: prefix, timeoutMs });
  coordinators.push(coordinator);
  return coordinator;
}

const limiterOn = (coordinator: RedisCoordinator, options: RateLimiterOptions) =>
  createRateLimiter('chat', { ...options, registry: null, shared: coordinator });

/**
 * Delays every script of every other client for 300 ms (the pausing connection is a replica of its own). `warm`
 * first loads the limiter's script on the server (another key), so no NOSCRIPT round trip reorders the scripts.
 */
async function pauseRedis(warm: RateLimiter): Promise<void> {
  expect((await warm.tryAcquireAsync('warm-up')).granted).toBe(true);
  const pauser = await replica(1_000);
  expect(
    await pauser.run('rate_limiter_acquire', c => c.sendCommand(['CLIENT', 'PAUSE', '300', 'WRITE'])),
  ).toBe('OK');
}

/**
 * Asks `limiter` for `key` until the fleet grants it (the permit given back lands shortly after Redis answers
 * again), at most 200 times 5 ms apart. A refusal changes nothing on Redis, so asking again is harmless.
 */
async function grantedEventually(limiter: RateLimiter, key: string): Promise<boolean> {
  for (let turn = 0; turn < 200; turn++) {
    if ((await limiter.tryAcquireAsync(key)).granted) return true;
    await new Promise(resolve => setTimeout(resolve, 5));
  }
  return false;
}

describe('a fleet permit the caller gave up on goes back to the fleet', () => {
  it.each(ONE_PERMIT)('$kind: the caller aborts while the answer is delayed', async options => {
    const aborting = limiterOn(await replica(5_000), options);
    const other = limiterOn(await replica(5_000), options);
    await pauseRedis(other);
    const controller = new AbortController();
    const taking = aborting.acquire('thread', controller.signal);
    controller.abort(new Error('the user left'));
    await expect(taking).rejects.toThrow('the user left');
    // Another replica: the permit the fleet granted to the aborted call came back, so this one gets it.
    expect(await grantedEventually(other, 'thread')).toBe(true);
    expect(other.snapshot()).toMatchObject({ granted: 2, fallbacks: 0 });
    expect(aborting.snapshot()).toMatchObject({ granted: 0 });
    // And the limit still holds: the permit was given back once, not twice.
    expect((await aborting.tryAcquireAsync('thread')).granted).toBe(false);
    expect(aborting.snapshot().fallbacks).toBe(0);
  });

  it.each(ONE_PERMIT)(
    '$kind: the coordinator times out, decides locally, and the late grant goes back',
    async options => {
      const hasty = limiterOn(await replica(20), options);
      const other = limiterOn(await replica(5_000), options);
      await pauseRedis(other);
      // No answer within 20 ms: this replica decides on its local permits (and grants).
      await hasty.acquire('thread');
      expect(hasty.snapshot()).toMatchObject({ granted: 1, fallbacks: 1 });
      expect(await grantedEventually(other, 'thread')).toBe(true);
      expect(other.snapshot()).toMatchObject({ granted: 2, fallbacks: 0 });
    },
  );
});
