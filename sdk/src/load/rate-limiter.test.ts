import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PolicyRegistry } from '../core/registry.js';
import { CallCancelledError, CallRejectedError } from '../errors/call-errors.js';
import { ExecutionRejectedError } from '../errors/signals.js';
import { createPolicy } from '../pipeline/create-policy.js';
import {
  ATTR_RESILIENCE_POLICY,
  ATTR_RESILIENCE_RATE_LIMITER,
  ATTR_RESILIENCE_STRATEGY,
  EVENT_REJECTION,
  METRIC_REJECTIONS,
} from '../semconv.js';
import { TestTelemetry } from '../test-support/otel.js';
import { createRateLimiter } from './rate-limiter.js';
import { RATE_LIMITER_DEFAULTS } from './rate-limiter-options.js';

const clock = () => {
  let t = 0;
  return {
    now: () => t,
    advance: (ms: number) => {
      t += ms;
    },
  };
};

describe('rate limiter', () => {
  it('pins the defaults', () => {
    expect(RATE_LIMITER_DEFAULTS).toEqual({
      kind: 'token_bucket',
      intervalMs: 1_000,
      maxKeys: 10_000,
      maxWaitMs: 0,
    });
  });

  it('limits per key: 10 messages per 10 s per conversation thread', async () => {
    const c = clock();
    const limiter = createRateLimiter('thread', {
      registry: null,
      kind: 'sliding_window',
      limit: 10,
      intervalMs: 10_000,
      now: c.now,
    });
    for (let i = 0; i < 10; i++) {
      expect(limiter.tryAcquire('thread-a').granted).toBe(true);
      c.advance(100);
    }
    expect(limiter.tryAcquire('thread-a')).toEqual({ granted: false, retryAfterMs: 9_000 });
    expect(limiter.tryAcquire('thread-b').granted).toBe(true);
    c.advance(9_000);
    expect(limiter.tryAcquire('thread-a').granted).toBe(true);
    expect(limiter.snapshot()).toMatchObject({ keys: 2, granted: 12, rejected: 1, available: 10 });
  });

  it('remembers at most maxKeys keys (LRU) and can prune idle ones', () => {
    const c = clock();
    const limiter = createRateLimiter('k', { registry: null, limit: 1, maxKeys: 100, now: c.now });
    for (let i = 0; i < 1_000; i++) limiter.tryAcquire(`user-${i}`);
    expect(limiter.snapshot()).toMatchObject({ keys: 100, evictedKeys: 900 });
    c.advance(1_000);
    expect(limiter.prune()).toBe(100);
    expect(limiter.snapshot().keys).toBe(0);
  });

  it('rejects in a pipeline with CallRejectedError(rate_limiter) and retryAfterMs; a fallback serves', async () => {
    const c = clock();
    const policy = createPolicy('chat', {
      registry: null,
      rateLimiter: { limit: 2, intervalMs: 1_000, now: c.now },
      retry: { initialDelayMs: 0 },
    });
    const fn = vi.fn(async () => 'ok');
    await policy.execute(fn, { rateLimitKey: 'a' });
    await policy.execute(fn, { rateLimitKey: 'a' });
    const error = await policy.execute(fn, { rateLimitKey: 'a' }).catch(e => e);
    expect(error).toBeInstanceOf(CallRejectedError);
    expect(error).toMatchObject({
      strategy: 'rate_limiter',
      reason: 'rejected',
      attempts: 0,
      retryAfterMs: 500,
    });
    expect(error.cause).toBeInstanceOf(ExecutionRejectedError);
    await expect(policy.execute(fn, { rateLimitKey: 'b' })).resolves.toBe('ok');
    await expect(policy.execute(fn)).resolves.toBe('ok');
    expect(fn).toHaveBeenCalledTimes(4);
    expect(policy.rateLimiter?.snapshot()).toMatchObject({ keys: 2, rejected: 1 });

    const served = createPolicy('served', {
      registry: null,
      rateLimiter: { limit: 1, now: c.now },
      fallback: { value: 'slow down' },
    });
    await served.execute(fn);
    await expect(served.execute(fn)).resolves.toBe('slow down');
  });

  describe('waiting for a permit', () => {
    beforeEach(() => {
      vi.useFakeTimers();
    });
    afterEach(() => {
      vi.useRealTimers();
    });

    it('waits up to maxWaitMs for the next permit, in order', async () => {
      const limiter = createRateLimiter('w', { registry: null, limit: 1, intervalMs: 100, maxWaitMs: 250 });
      const order: number[] = [];
      const runs = [1, 2, 3].map(i => limiter.execute(() => order.push(i)));
      await expect(limiter.acquire()).rejects.toMatchObject({ strategy: 'rate_limiter', retryAfterMs: 300 });
      await vi.advanceTimersByTimeAsync(100);
      expect(order).toEqual([1, 2]);
      await vi.advanceTimersByTimeAsync(100);
      await Promise.all(runs);
      expect(order).toEqual([1, 2, 3]);
      expect(limiter.snapshot()).toMatchObject({ granted: 3, waited: 2, rejected: 1 });
    });

    it('an abort ends the wait at once and gives the permit back', async () => {
      const policy = createPolicy('w', { registry: null, rateLimiter: { limit: 1, maxWaitMs: 5_000 } });
      await policy.execute(() => 1);
      const controller = new AbortController();
      const waiting = policy.execute(() => 2, { signal: controller.signal }).catch(e => e);
      await vi.advanceTimersByTimeAsync(10);
      controller.abort();
      expect(await waiting).toBeInstanceOf(CallCancelledError);
      expect(vi.getTimerCount()).toBe(0);
      await vi.advanceTimersByTimeAsync(1_000);
      await expect(policy.execute(() => 3)).resolves.toBe(3);
    });
  });

  it('joins the registry and validates options naming option, constraint and value', () => {
    const registry = new PolicyRegistry();
    const limiter = createRateLimiter('global', { registry, limit: 5 });
    expect(registry.list('rateLimiter')).toEqual([limiter]);
    limiter.dispose();
    expect(registry.list('rateLimiter')).toEqual([]);
    expect(() => createRateLimiter('r', { limit: 0, intervalMs: -1, maxKeys: 0 })).toThrow(
      'Invalid options for createRateLimiter("r"): limit must be an integer in [1, 1000000], got 0; intervalMs must be a number in (0, 2147483647], got -1; maxKeys must be an integer in [1, 10000000], got 0',
    );
    expect(() => createRateLimiter('r', { kind: 'sliding_window', limit: 1, burst: 5 })).toThrow(
      /burst must be unset/,
    );
    expect(() => createPolicy('p', { rateLimiter: {} as never })).toThrow(
      'Invalid options for createPolicy("p"): rateLimiter.limit must be an integer in [1, 1000000], got undefined',
    );
    expect(() => createPolicy('p', { rateLimiter: { limit: 1, registry: null } as never })).toThrow(
      /rateLimiter\.registry is not a known option/,
    );
  });
});

describe('rate limiter telemetry', () => {
  let otel: TestTelemetry;
  beforeEach(() => {
    otel = new TestTelemetry().install();
  });
  afterEach(async () => {
    await otel.uninstall();
  });

  it('counts rejections by strategy under the policy name and adds a span event naming the limiter', async () => {
    const shared = createRateLimiter('per-user', { registry: null, limit: 1, now: () => 0 });
    const policy = createPolicy('chat', { registry: null, rateLimiter: shared });
    await policy.execute(() => 1, { rateLimitKey: 'u1' });
    await expect(policy.execute(() => 1, { rateLimitKey: 'u1' })).rejects.toThrow(CallRejectedError);
    const attributes = { [ATTR_RESILIENCE_POLICY]: 'chat', [ATTR_RESILIENCE_STRATEGY]: 'rate_limiter' };
    expect(await otel.points(METRIC_REJECTIONS)).toEqual([{ attributes, value: 1 }]);
    const span = otel.spans().filter(s => s.name === 'chat')[1];
    expect(span?.events.find(e => e.name === EVENT_REJECTION)?.attributes).toEqual({
      ...attributes,
      [ATTR_RESILIENCE_RATE_LIMITER]: 'per-user',
    });
    // Standalone use counts under the limiter's own name.
    expect(shared.tryAcquire('u1').granted).toBe(false);
    await expect(shared.acquire('u1')).rejects.toThrow(ExecutionRejectedError);
    expect(await otel.total(METRIC_REJECTIONS, { [ATTR_RESILIENCE_POLICY]: 'per-user' })).toBe(1);
  });
});
