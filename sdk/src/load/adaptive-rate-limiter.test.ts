import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CallRejectedError } from '../errors/call-errors.js';
import { createPolicy } from '../pipeline/create-policy.js';
import { httpError } from '../test-support/errors.js';
import {
  ADAPTIVE_RATE_LIMITER_DEFAULTS,
  AdaptiveRateLimiter,
  createAdaptiveRateLimiter,
} from './adaptive-rate-limiter.js';

/** A clock reading 0 when created (the AWS rate buckets start at the clock's whole second). */
const clockFromZero = () => {
  const t0 = Date.now();
  return () => Date.now() - t0;
};

describe('adaptive rate limiter (AWS adaptive retry mode)', () => {
  it("pins the AWS SDK's constants", () => {
    expect(ADAPTIVE_RATE_LIMITER_DEFAULTS).toEqual({
      beta: 0.7,
      scaleConstant: 0.4,
      smooth: 0.8,
      minFillRate: 0.5,
      minCapacity: 1,
      throttlingCategories: ['rate_limited', 'overloaded'],
      maxWaitMs: 60_000,
    });
  });

  it('measures the sending rate, cuts it to beta x on a throttle and grows it back along the cubic curve', () => {
    let ms = 0;
    const limiter = new AdaptiveRateLimiter('l', { now: () => ms });
    for (let i = 1; i <= 20; i++) {
      ms = i * 100;
      limiter.update(false);
    }
    expect(limiter.snapshot().enabled).toBe(false);
    const measured = limiter.snapshot().measuredRate;
    expect(measured).toBeCloseTo(9.984, 3);
    limiter.update(true);
    const throttled = limiter.snapshot();
    expect(throttled).toMatchObject({ enabled: true, throttles: 1 });
    expect(throttled.fillRate).toBeCloseTo(0.7 * measured, 6);
    // Sending on at 10/s, the cubic curve regains the pre-throttle rate after cbrt(max * (1 - beta) / C) s,
    // staying below it before (concave recovery).
    const window = Math.cbrt((measured * 0.3) / 0.4) * 1_000;
    const throttledAt = ms;
    let midway = 0;
    while (ms - throttledAt < window) {
      ms += 100;
      limiter.update(false);
      if (midway === 0 && ms - throttledAt >= window / 2) midway = limiter.snapshot().fillRate;
    }
    expect(midway).toBeGreaterThan(throttled.fillRate);
    expect(midway).toBeLessThan(measured);
    expect(limiter.snapshot().fillRate).toBeCloseTo(measured, 1);
  });

  it('delays attempts after throttling, and rejects (rate_limiter) a wait beyond maxWaitMs', async () => {
    vi.useFakeTimers();
    try {
      const limiter = createAdaptiveRateLimiter('bedrock', { maxWaitMs: 1_000, now: clockFromZero() });
      const policy = createPolicy('bedrock.chat', {
        registry: null,
        retry: { maxRetries: 2, initialDelayMs: 500, jitter: 'none' },
        adaptiveRateLimiter: limiter,
      });
      const calls: number[] = [];
      const result = policy
        .execute(() => {
          calls.push(Date.now());
          return Promise.reject(httpError(429));
        })
        .catch(e => e);
      await vi.runAllTimersAsync();
      const error = await result;
      // One attempt reached the downstream; the retry would have waited 1.5 s for a send token (0.5/s).
      expect(calls).toHaveLength(1);
      expect(error).toBeInstanceOf(CallRejectedError);
      expect(error).toMatchObject({ strategy: 'rate_limiter', retryAfterMs: 1_500, attempts: 1 });
      expect(limiter.snapshot()).toMatchObject({ enabled: true, throttles: 1, rejected: 1 });

      const patient = createPolicy('bedrock.patient', {
        registry: null,
        retry: { maxRetries: 1, initialDelayMs: 500, jitter: 'none' },
        adaptiveRateLimiter: { maxWaitMs: 10_000, now: clockFromZero() },
      });
      const times: number[] = [];
      const start = Date.now();
      const served = patient.execute(() => {
        times.push(Date.now() - start);
        return times.length === 1 ? Promise.reject(httpError(429)) : Promise.resolve('ok');
      });
      await vi.runAllTimersAsync();
      await expect(served).resolves.toBe('ok');
      expect(times).toEqual([0, 2_000]);
      expect(patient.adaptiveRateLimiter?.snapshot()).toMatchObject({ delayed: 1 });
    } finally {
      vi.useRealTimers();
    }
  });

  it('rejects bad options naming option, constraint and value', () => {
    expect(() => createAdaptiveRateLimiter('a', { beta: 1, minFillRate: 0 })).toThrow(
      'Invalid options for createAdaptiveRateLimiter("a"): beta must be a number in (0, 1), got 1; minFillRate must be a number > 0, got 0',
    );
    expect(() =>
      createPolicy('p', { adaptiveRateLimiter: { throttlingCategories: ['slow'] as never } }),
    ).toThrow(/adaptiveRateLimiter\.throttlingCategories\[0\] must be one of/);
  });
});

describe('adaptive rate limiter timers', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('an abort ends the wait for a send token at once', async () => {
    const policy = createPolicy('p', {
      registry: null,
      adaptiveRateLimiter: {},
    });
    await expect(policy.execute(() => Promise.reject(httpError(429)))).rejects.toThrow();
    const controller = new AbortController();
    const waiting = policy.execute(() => 'ok', { signal: controller.signal }).catch(e => e);
    await vi.advanceTimersByTimeAsync(100);
    controller.abort();
    expect((await waiting).reason).toBe('cancelled');
    expect(vi.getTimerCount()).toBe(0);
  });
});
