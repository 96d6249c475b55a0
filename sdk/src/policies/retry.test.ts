import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CallCancelledError, NonRetryableError, RetriesExhaustedError } from '../errors/call-errors.js';
import { createPolicy } from '../pipeline/create-policy.js';
import { failThenSucceed, hangUntilAborted, httpError } from '../test-support/errors.js';
import type { RetryBudgetGate, RetryInfo } from './retry-options.js';

const noRegistry = { registry: null } as const;

describe('retry', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('retries retryable failures and passes the attempt number and a signal', async () => {
    const { fn, calls } = failThenSucceed([httpError(503), httpError(502)], 'ok');
    const policy = createPolicy('r', {
      ...noRegistry,
      retry: { maxRetries: 3, jitter: 'none', initialDelayMs: 10 },
    });
    const result = policy.execute(fn);
    await vi.runAllTimersAsync();
    await expect(result).resolves.toBe('ok');
    expect(calls.map(c => c.attempt)).toEqual([0, 1, 2]);
    expect(calls.every(c => c.signal instanceof AbortSignal)).toBe(true);
  });

  it('counts retries, not attempts: maxRetries 2 makes 3 calls, then gives up with max_attempts', async () => {
    const fn = vi.fn(async () => {
      throw httpError(500);
    });
    const policy = createPolicy('r', { ...noRegistry, retry: { maxRetries: 2, initialDelayMs: 1 } });
    const result = policy.execute(fn).catch(e => e);
    await vi.runAllTimersAsync();
    const error = await result;
    expect(fn).toHaveBeenCalledTimes(3);
    expect(error).toBeInstanceOf(RetriesExhaustedError);
    expect(error).toMatchObject({ reason: 'max_attempts', attempts: 3, policy: 'r' });
    expect(error.classified.category).toBe('server_error');
    expect(error.cause).toBeInstanceOf(Error);
  });

  it('does not retry non-retryable errors', async () => {
    const fn = vi.fn(async () => {
      throw httpError(400);
    });
    const policy = createPolicy('r', { ...noRegistry, retry: {} });
    const error = await policy.execute(fn).catch(e => e);
    expect(fn).toHaveBeenCalledTimes(1);
    expect(error).toBeInstanceOf(NonRetryableError);
    expect(error).toMatchObject({ reason: 'non_retryable', attempts: 1 });
  });

  it('waits the larger of backoff and Retry-After', async () => {
    const { fn, calls } = failThenSucceed([httpError(429, { 'retry-after': '5' })], 'ok');
    const seen: RetryInfo[] = [];
    const policy = createPolicy('r', {
      ...noRegistry,
      retry: { jitter: 'none', initialDelayMs: 100, onRetry: info => seen.push(info) },
    });
    const result = policy.execute(fn);
    await vi.advanceTimersByTimeAsync(4_999);
    expect(calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    await expect(result).resolves.toBe('ok');
    expect(seen).toEqual([
      expect.objectContaining({ attempt: 1, maxRetries: 3, delayMs: 5_000, delaySource: 'retry_after' }),
    ]);
  });

  it('gives up at once when Retry-After exceeds maxRetryAfterMs, so a fallback can serve', async () => {
    const fn = vi.fn(async () => {
      throw httpError(429, { 'retry-after': '120' });
    });
    const policy = createPolicy('r', { ...noRegistry, retry: { maxRetryAfterMs: 60_000 } });
    const error = await policy.execute(fn).catch(e => e);
    expect(fn).toHaveBeenCalledTimes(1);
    expect(error).toMatchObject({ reason: 'retry_after_too_long' });
    const served = createPolicy('s', { ...noRegistry, retry: {}, fallback: { value: 'cached answer' } });
    await expect(served.execute(fn)).resolves.toBe('cached answer');
  });

  it('backs off 3^n for rate limits and 2^n otherwise', async () => {
    const delays = async (status: number): Promise<number[]> => {
      const seen: number[] = [];
      const policy = createPolicy('r', {
        ...noRegistry,
        retry: { maxRetries: 3, jitter: 'none', initialDelayMs: 100, onRetry: i => seen.push(i.delayMs) },
      });
      const result = policy
        .execute(async () => {
          throw httpError(status);
        })
        .catch(() => undefined);
      await vi.runAllTimersAsync();
      await result;
      return seen;
    };
    expect(await delays(429)).toEqual([100, 300, 900]);
    expect(await delays(503)).toEqual([100, 200, 400]);
  });

  it('an abort cuts a pending backoff wait at once and no further attempt runs', async () => {
    const fn = vi.fn(async () => {
      throw httpError(503);
    });
    const controller = new AbortController();
    const policy = createPolicy('r', { ...noRegistry, retry: { initialDelayMs: 60_000, jitter: 'none' } });
    const result = policy.execute(fn, { signal: controller.signal }).catch(e => e);
    await vi.advanceTimersByTimeAsync(10);
    controller.abort();
    const error = await result;
    expect(error).toBeInstanceOf(CallCancelledError);
    expect(error.classified.category).toBe('cancelled');
    await vi.advanceTimersByTimeAsync(120_000);
    expect(fn).toHaveBeenCalledTimes(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('an abort during an attempt is cancelled, not a failure, and is not retried', async () => {
    const controller = new AbortController();
    let calls = 0;
    const policy = createPolicy('r', { ...noRegistry, retry: {} });
    const result = policy
      .execute(
        input => {
          calls++;
          return hangUntilAborted(input);
        },
        { signal: controller.signal },
      )
      .catch(e => e);
    await vi.advanceTimersByTimeAsync(5);
    controller.abort(new Error('user left'));
    expect(await result).toBeInstanceOf(CallCancelledError);
    expect(calls).toBe(1);
  });

  it('does not schedule a retry that cannot finish before the total deadline', async () => {
    const fn = vi.fn(async () => {
      throw httpError(503);
    });
    const policy = createPolicy('r', {
      ...noRegistry,
      totalTimeoutMs: 1_000,
      retry: { initialDelayMs: 5_000, jitter: 'none' },
    });
    const error = await policy.execute(fn).catch(e => e);
    expect(error).toMatchObject({ reason: 'deadline', attempts: 1 });
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('lets shouldRetry and per-category settings override the classification', async () => {
    const fn = vi.fn(async () => {
      throw httpError(503);
    });
    const never = createPolicy('r', { ...noRegistry, retry: { shouldRetry: () => false } });
    await expect(never.execute(fn)).rejects.toMatchObject({ reason: 'non_retryable' });
    const off = createPolicy('r2', {
      ...noRegistry,
      retry: { categories: { server_error: { retryable: false } } },
    });
    await expect(off.execute(fn)).rejects.toMatchObject({ reason: 'non_retryable' });
    expect(fn).toHaveBeenCalledTimes(2);
  });

  it('ignores a throwing shouldRetry or onRetry hook', async () => {
    const { fn } = failThenSucceed([httpError(503)], 'ok');
    const policy = createPolicy('r', {
      ...noRegistry,
      retry: {
        initialDelayMs: 1,
        shouldRetry: () => {
          throw new Error('bug in hook');
        },
        onRetry: () => {
          throw new Error('bug in hook');
        },
      },
    });
    const result = policy.execute(fn);
    await vi.runAllTimersAsync();
    await expect(result).resolves.toBe('ok');
  });

  it('asks the retry budget before every retry and ends with budget_exhausted when denied', async () => {
    const events: string[] = [];
    const budget: RetryBudgetGate = {
      name: 'b',
      onCall: () => events.push('call'),
      onAttemptResult: ok => events.push(ok ? 'ok' : 'fail'),
      tryAcquireRetry: () => {
        events.push('ask');
        return events.filter(e => e === 'ask').length < 2;
      },
    };
    const fn = vi.fn(async () => {
      throw httpError(503);
    });
    const policy = createPolicy('r', { ...noRegistry, retry: { budget, initialDelayMs: 1 } });
    const result = policy.execute(fn).catch(e => e);
    await vi.runAllTimersAsync();
    expect(await result).toMatchObject({ reason: 'budget_exhausted', attempts: 2 });
    expect(events).toEqual(['call', 'fail', 'ask', 'fail', 'ask']);
  });

  it('feeds the budget and the adaptive limit only with downstream failures, not bad input or cancellations', async () => {
    const events: string[] = [];
    const budget: RetryBudgetGate = {
      name: 'b',
      onCall: () => events.push('call'),
      onAttemptResult: ok => events.push(ok ? 'ok' : 'fail'),
      tryAcquireRetry: () => true,
    };
    const limit = {
      current: () => 3,
      onCallResult: (ok: boolean) => events.push(ok ? 'call-ok' : 'call-fail'),
    };
    const policy = createPolicy('r', { ...noRegistry, retry: { budget, limit } });
    await expect(policy.execute(() => Promise.reject(httpError(400)))).rejects.toThrow();
    const controller = new AbortController();
    const cancelled = policy.execute(hangUntilAborted, { signal: controller.signal }).catch(e => e);
    controller.abort();
    await cancelled;
    expect(events).toEqual(['call', 'call']);
  });

  it('rejects invalid retry options naming option, constraint and value', () => {
    expect(() => createPolicy('r', { retry: { maxRetries: -1, jitter: 'fuzzy' as 'full' } })).toThrow(
      'Invalid options for createPolicy("r"): retry.maxRetries must be an integer >= 0 (or Infinity), got -1; retry.jitter must be one of "full", "equal", "decorrelated", "none", got "fuzzy"',
    );
    expect(() => createPolicy('r', { retry: { maxAttempts: 3 } as never })).toThrow(
      /retry\.maxAttempts is not a known option/,
    );
    expect(() => createPolicy('r', { retry: { categories: { rate_limted: {} } as never } })).toThrow(
      /retry\.categories\.rate_limted is not a known option/,
    );
  });
});
