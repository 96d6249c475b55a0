import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CallRejectedError } from '../errors/call-errors.js';
import { createPolicy } from '../pipeline/create-policy.js';
import { createRateLimiter } from './rate-limiter.js';
import type { RateLimiterConfig } from './rate-limiter-options.js';
import type { PermitDecision, RateLimitCoordinator, SharedPermitSource } from './shared-rate-limit.js';

/** A fleet whose answers the test scripts: each `acquire` takes the next answer (then repeats the last one). */
function scriptedFleet(...answers: Array<PermitDecision | undefined | 'throw'>) {
  const asked: Array<string | undefined> = [];
  const made: Array<{ name: string; config: RateLimiterConfig }> = [];
  const source: SharedPermitSource = {
    acquire: key => {
      asked.push(key);
      const answer = answers.length > 1 ? answers.shift() : answers[0];
      // A port with a bug: it throws (even synchronously) instead of answering undefined.
      if (answer === 'throw') throw new Error('port bug');
      return Promise.resolve(answer);
    },
  };
  const fleet: RateLimitCoordinator = {
    rateLimit: (name, config) => {
      made.push({ name, config });
      return source;
    },
  };
  return { fleet, asked, made };
}

const GRANTED = { granted: true, retryAfterMs: 0 } as const;
const refused = (retryAfterMs: number) => ({ granted: false, retryAfterMs }) as const;

describe('rate limiter shared across a fleet (the port)', () => {
  it('asks the fleet once per permit, with its name, settings and key', async () => {
    const { fleet, asked, made } = scriptedFleet(GRANTED, refused(4_000));
    const limiter = createRateLimiter('per-thread', {
      registry: null,
      kind: 'sliding_window',
      limit: 10,
      intervalMs: 10_000,
      shared: fleet,
    });
    expect(made).toEqual([{ name: 'per-thread', config: limiter.snapshot().config }]);
    expect(await limiter.tryAcquireAsync('t1')).toEqual({ granted: true, retryAfterMs: 0 });
    expect(await limiter.tryAcquireAsync('t1')).toEqual({ granted: false, retryAfterMs: 4_000 });
    await expect(limiter.acquire()).rejects.toMatchObject({ strategy: 'rate_limiter', retryAfterMs: 4_000 });
    expect(asked).toEqual(['t1', 't1', undefined]);
    expect(limiter.snapshot()).toMatchObject({ shared: true, fallbacks: 0, granted: 1, rejected: 2 });
  });

  it('decides on its local permits when the fleet does not answer, counting fallbacks', async () => {
    // The fleet granted 2 of 3; then it is gone: the local permits remember the 2 this replica took.
    const nonsense = { granted: false, retryAfterMs: Number.NaN };
    const { fleet } = scriptedFleet(GRANTED, GRANTED, undefined, 'throw', nonsense as never, undefined);
    const limiter = createRateLimiter('l', {
      registry: null,
      kind: 'sliding_window',
      limit: 3,
      intervalMs: 10_000,
      now: () => 0,
      shared: fleet,
    });
    const decisions = [];
    for (let i = 0; i < 5; i++) decisions.push((await limiter.tryAcquireAsync('k')).granted);
    expect(decisions).toEqual([true, true, true, false, false]);
    expect(limiter.snapshot()).toMatchObject({ shared: true, fallbacks: 3, granted: 3, rejected: 2 });
  });

  it('runs in a pipeline: a refusal of the fleet is a CallRejectedError with its retryAfterMs', async () => {
    const { fleet } = scriptedFleet(GRANTED, refused(1_500));
    const limiter = createRateLimiter('chat', { registry: null, limit: 5, shared: fleet });
    const policy = createPolicy('chat', { registry: null, rateLimiter: limiter });
    const fn = vi.fn(() => 'ok');
    await expect(policy.execute(fn, { rateLimitKey: 'a' })).resolves.toBe('ok');
    const error = await policy.execute(fn, { rateLimitKey: 'a' }).catch(e => e);
    expect(error).toBeInstanceOf(CallRejectedError);
    expect(error).toMatchObject({ strategy: 'rate_limiter', attempts: 0, retryAfterMs: 1_500 });
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('keeps tryAcquire synchronous: on a shared limiter it says to use tryAcquireAsync', () => {
    const limiter = createRateLimiter('l', {
      registry: null,
      limit: 1,
      shared: scriptedFleet(GRANTED).fleet,
    });
    expect(() => limiter.tryAcquire('k')).toThrow(TypeError);
    expect(() => limiter.tryAcquire('k')).toThrow(/tryAcquireAsync/);
  });

  it('requires shared to be a fleet coordinator, naming the option', () => {
    expect(() => createRateLimiter('l', { limit: 1, shared: {} as never })).toThrow(TypeError);
    expect(() => createRateLimiter('l', { limit: 1, shared: 'redis://x' as never })).toThrow(
      'Invalid options for createRateLimiter("l"): shared must be a fleet coordinator (createRedisCoordinator() of agent-resilience/redis), got "redis://x"',
    );
    // Inline limiters of createPolicy take the policy's name: a fleet-wide one is made with createRateLimiter.
    expect(() =>
      createPolicy('p', { rateLimiter: { limit: 1, shared: scriptedFleet().fleet } as never }),
    ).toThrow(/rateLimiter\.shared is not a known option/);
  });

  describe('waiting for a permit of the fleet', () => {
    beforeEach(() => {
      vi.useFakeTimers();
    });
    afterEach(() => {
      vi.useRealTimers();
    });

    it('asks again after retryAfterMs, within maxWaitMs', async () => {
      const { fleet, asked } = scriptedFleet(refused(100), refused(100), GRANTED);
      const limiter = createRateLimiter('w', { registry: null, limit: 1, maxWaitMs: 250, shared: fleet });
      let granted = false;
      const waiting = limiter.acquire('k').then(() => {
        granted = true;
      });
      await vi.advanceTimersByTimeAsync(199);
      expect([granted, asked.length]).toEqual([false, 2]);
      await vi.advanceTimersByTimeAsync(1);
      await waiting;
      expect(asked).toHaveLength(3);
      expect(limiter.snapshot()).toMatchObject({ granted: 1, waited: 1, rejected: 0 });
    });

    it('rejects at once when the permit frees after maxWaitMs, counting the time already waited', async () => {
      const { fleet } = scriptedFleet(refused(300), refused(200), refused(200));
      const limiter = createRateLimiter('w', { registry: null, limit: 1, maxWaitMs: 250, shared: fleet });
      await expect(limiter.acquire()).rejects.toMatchObject({ retryAfterMs: 300 });
      const second = limiter.acquire().catch(e => e);
      await vi.advanceTimersByTimeAsync(200);
      // 200 ms waited, 200 more needed: past maxWaitMs.
      expect(await second).toMatchObject({ strategy: 'rate_limiter', retryAfterMs: 200 });
      expect(vi.getTimerCount()).toBe(0);
      expect(limiter.snapshot()).toMatchObject({ granted: 0, rejected: 2 });
    });

    it('an abort ends the wait at once and leaves no timer', async () => {
      const { fleet } = scriptedFleet(refused(1_000));
      const limiter = createRateLimiter('w', { registry: null, limit: 1, maxWaitMs: 5_000, shared: fleet });
      const controller = new AbortController();
      const waiting = limiter.acquire('k', controller.signal).catch(e => e);
      await vi.advanceTimersByTimeAsync(10);
      controller.abort(new Error('user left'));
      expect(await waiting).toMatchObject({ message: 'user left' });
      expect(vi.getTimerCount()).toBe(0);
    });

    it('falls back to its local permits mid-wait, with the wait that is left', async () => {
      const { fleet } = scriptedFleet(refused(100), undefined);
      const limiter = createRateLimiter('w', {
        registry: null,
        limit: 1,
        intervalMs: 1_000,
        maxWaitMs: 250,
        shared: fleet,
      });
      const waiting = limiter.acquire('k');
      await vi.advanceTimersByTimeAsync(100);
      await waiting;
      expect(limiter.snapshot()).toMatchObject({ granted: 1, waited: 1, fallbacks: 1 });
    });
  });

  // Defect (issue 10 review): the fleet answered after the caller aborted, and its grant was lost to the fleet.
  describe('a grant that arrives after the caller aborted', () => {
    /** A fleet whose one answer the test gives later; `released` records the permits given back. */
    function lateFleet(release?: (key: string | undefined, grant: PermitDecision) => void) {
      let answer: (decision: PermitDecision | undefined) => void = () => {};
      const released: Array<[string | undefined, PermitDecision]> = [];
      const source: SharedPermitSource = {
        acquire: () => new Promise(resolve => (answer = resolve)),
        release: (key, grant) => {
          released.push([key, grant]);
          return release?.(key, grant);
        },
      };
      const limiter = createRateLimiter('late', {
        registry: null,
        limit: 1,
        shared: { rateLimit: () => source },
      });
      return { limiter, released, answer: (decision: PermitDecision | undefined) => answer(decision) };
    }

    async function abortThenAnswer(
      fleet: ReturnType<typeof lateFleet>,
      decision: PermitDecision | undefined,
    ) {
      const controller = new AbortController();
      const taking = fleet.limiter.acquire('k', controller.signal).catch(e => e);
      controller.abort(new Error('user left'));
      expect(await taking).toMatchObject({ message: 'user left' });
      fleet.answer(decision);
      // The late answer and its release run on microtasks: one macrotask turn sees them done.
      await new Promise(resolve => setImmediate(resolve));
    }

    it('gives the permit back to the fleet, once, and counts no grant', async () => {
      const fleet = lateFleet();
      const grant = { granted: true, retryAfterMs: 0 };
      await abortThenAnswer(fleet, grant);
      expect(fleet.released).toEqual([['k', grant]]);
      expect(fleet.released[0]?.[1]).toBe(grant);
      expect(fleet.limiter.snapshot()).toMatchObject({ granted: 0, rejected: 0 });
    });

    it.each([
      ['a refusal', refused(500)],
      ['no answer', undefined],
    ])('gives nothing back for %s', async (_, decision) => {
      const fleet = lateFleet();
      await abortThenAnswer(fleet, decision);
      expect(fleet.released).toEqual([]);
    });

    it('fails nothing when the fleet cannot give permits back, or its release throws or rejects', async () => {
      const withoutRelease = scriptedFleet(GRANTED).fleet;
      const limiter = createRateLimiter('l', { registry: null, limit: 1, shared: withoutRelease });
      const controller = new AbortController();
      const taking = limiter.acquire('k', controller.signal).catch(e => e);
      controller.abort(new Error('user left'));
      expect(await taking).toMatchObject({ message: 'user left' });
      const throwing = lateFleet(() => {
        throw new Error('port bug');
      });
      await abortThenAnswer(throwing, GRANTED);
      const rejecting = lateFleet(() => Promise.reject(new Error('port bug')) as never);
      await abortThenAnswer(rejecting, GRANTED);
      expect([throwing.released.length, rejecting.released.length]).toEqual([1, 1]);
    });
  });
});
