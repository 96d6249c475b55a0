import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CallCancelledError, RetriesExhaustedError } from '../errors/call-errors.js';
import { ResilienceTimeoutError } from '../errors/signals.js';
import { createPolicy } from '../pipeline/create-policy.js';
import { hangUntilAborted } from '../test-support/errors.js';

describe('timeouts', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('aborts the attempt signal with a ResilienceTimeoutError and retries the timed-out attempt', async () => {
    const signals: AbortSignal[] = [];
    const policy = createPolicy('t', {
      registry: null,
      attemptTimeoutMs: 100,
      retry: { maxRetries: 1, initialDelayMs: 0 },
    });
    const result = policy
      .execute(input => {
        signals.push(input.signal);
        return input.attempt === 0 ? hangUntilAborted(input) : 'second try';
      })
      .catch(e => e);
    await vi.advanceTimersByTimeAsync(100);
    await vi.runAllTimersAsync();
    expect(await result).toBe('second try');
    expect(signals[0]?.aborted).toBe(true);
    expect(ResilienceTimeoutError.isInstance(signals[0]?.reason)).toBe(true);
    expect(signals[0]?.reason).toMatchObject({ kind: 'attempt', timeoutMs: 100 });
    expect(signals[1]?.aborted).toBe(false);
  });

  it('settles at the timeout even when the function ignores its signal', async () => {
    const policy = createPolicy('t', { registry: null, attemptTimeoutMs: 50 });
    const result = policy.execute(() => new Promise<never>(() => {})).catch(e => e);
    await vi.advanceTimersByTimeAsync(50);
    const error = await result;
    expect(error).toBeInstanceOf(RetriesExhaustedError);
    expect(error.classified.category).toBe('timeout');
  });

  it('tells a caller abort (cancelled) from a timeout', async () => {
    const controller = new AbortController();
    const policy = createPolicy('t', { registry: null, attemptTimeoutMs: 1_000, totalTimeoutMs: 5_000 });
    const result = policy.execute(hangUntilAborted, { signal: controller.signal }).catch(e => e);
    await vi.advanceTimersByTimeAsync(10);
    controller.abort();
    const error = await result;
    expect(error).toBeInstanceOf(CallCancelledError);
    expect(error.classified.category).toBe('cancelled');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('ends the whole call at the total timeout with reason deadline', async () => {
    const fn = vi.fn(hangUntilAborted);
    const policy = createPolicy('t', {
      registry: null,
      totalTimeoutMs: 300,
      attemptTimeoutMs: 200,
      retry: { initialDelayMs: 0 },
    });
    const result = policy.execute(fn).catch(e => e);
    await vi.advanceTimersByTimeAsync(300);
    const error = await result;
    expect(error).toBeInstanceOf(RetriesExhaustedError);
    expect(error).toMatchObject({ reason: 'deadline' });
    expect(error.classified.category).toBe('timeout');
    expect(fn).toHaveBeenCalledTimes(2);
    await vi.runAllTimersAsync();
    expect(fn).toHaveBeenCalledTimes(2);
  });

  it('does not abort the signal when the function returns (response bodies stay readable)', async () => {
    let seen: AbortSignal | undefined;
    const policy = createPolicy('t', { registry: null, attemptTimeoutMs: 1_000, totalTimeoutMs: 2_000 });
    await policy.execute(({ signal }) => {
      seen = signal;
      return 'ok';
    });
    expect(seen?.aborted).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(seen?.aborted).toBe(false);
  });

  it('rejects non-positive or oversized timeouts', () => {
    expect(() => createPolicy('t', { attemptTimeoutMs: 0 })).toThrow(
      'Invalid options for createPolicy("t"): attemptTimeoutMs must be a number in (0, 2147483647], got 0',
    );
    expect(() => createPolicy('t', { totalTimeoutMs: 2 ** 31 })).toThrow(
      /totalTimeoutMs must be a number in/,
    );
  });
});
