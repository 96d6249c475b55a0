import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CallRejectedError } from '../errors/call-errors.js';
import { createPolicy } from '../pipeline/create-policy.js';
import { hangUntilAborted, httpError } from '../test-support/errors.js';
import { createRateLimiter } from './rate-limiter.js';
import { createRetryBudget } from './retry-budget.js';

/** DESIGN.md §3: fallback → bulkhead / rate limiter → total timeout → retry (budget) → breaker → recovery → attempt timeout. */
describe('load stages in the pipeline order', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('takes one rate-limit permit per logical call: retries do not consume permits', async () => {
    const limiter = createRateLimiter('per-call', { registry: null, limit: 2, intervalMs: 60_000 });
    const policy = createPolicy('p', {
      registry: null,
      rateLimiter: limiter,
      retry: { maxRetries: 3, initialDelayMs: 10, jitter: 'none' },
    });
    let attempts = 0;
    const result = policy.execute(() => (++attempts < 4 ? Promise.reject(httpError(503)) : 'ok'));
    await vi.runAllTimersAsync();
    await expect(result).resolves.toBe('ok');
    expect(attempts).toBe(4);
    expect(limiter.snapshot().granted).toBe(1);
  });

  it('rejects at the rate limiter before the total timeout starts and before any attempt', async () => {
    const policy = createPolicy('p', {
      registry: null,
      rateLimiter: { limit: 1 },
      totalTimeoutMs: 1_000,
      retry: {},
    });
    await policy.execute(() => 1);
    const error = await policy.execute(() => 1).catch(e => e);
    expect(error).toBeInstanceOf(CallRejectedError);
    expect(error).toMatchObject({ strategy: 'rate_limiter', attempts: 0 });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('admits each attempt through the recovery ramp inside the breaker; attempt timeouts count as failures', async () => {
    const policy = createPolicy('p', {
      registry: null,
      circuitBreaker: { breaker: { kind: 'consecutive', threshold: 2 }, halfOpenAfterMs: 60_000 },
      recovery: { failureThreshold: 2 },
      attemptTimeoutMs: 100,
      retry: { maxRetries: 1, initialDelayMs: 0 },
    });
    const result = policy.execute(hangUntilAborted).catch(e => e);
    await vi.runAllTimersAsync();
    expect(await result).toMatchObject({ reason: 'max_attempts', attempts: 2 });
    expect(policy.recovery?.state).toBe('degraded');
    expect(policy.circuitBreaker?.state).toBe('open');
    const admitted = policy.recovery?.snapshot().admitted;
    expect(admitted).toBe(2);
    // The open breaker (outside) rejects before the recovery stage (inside) is asked.
    const rejected = await policy.execute(() => 'never').catch(e => e);
    expect(rejected).toBeInstanceOf(CallRejectedError);
    expect(rejected).toMatchObject({ strategy: 'circuit_breaker', attempts: 0 });
    expect(policy.recovery?.snapshot()).toMatchObject({ admitted: 2, shed: 0 });
    policy.dispose();
  });

  it('a shared retry budget spans policies; a denial is budget_exhausted and a fallback serves', async () => {
    const budget = createRetryBudget('shared', { registry: null, ratio: 0.5, minPerSecond: 0, now: () => 0 });
    const a = createPolicy('a', { registry: null, retry: { budget, initialDelayMs: 0 } });
    const b = createPolicy('b', {
      registry: null,
      retry: { budget, initialDelayMs: 0 },
      fallback: { value: 'fb' },
    });
    let attempts = 0;
    const failing = () => {
      attempts++;
      return Promise.reject(httpError(503));
    };
    const first = a.execute(failing).catch(e => e);
    await vi.runAllTimersAsync();
    expect(await first).toMatchObject({ reason: 'budget_exhausted', attempts: 1 });
    const second = b.execute(failing);
    await vi.runAllTimersAsync();
    await expect(second).resolves.toBe('fb');
    expect(attempts).toBe(3);
    expect(budget.snapshot()).toMatchObject({ requests: 2, retries: 1, denied: 2 });
    budget.dispose();
  });
});
