import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HealthChecker, type HealthCheckResult } from './health-checker.js';

describe('health checker', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs the check every interval, one at a time, and reports pass, false, throw and timeout', async () => {
    const results: HealthCheckResult[] = [];
    const answers: Array<() => Promise<boolean | undefined>> = [
      async () => true,
      async () => undefined,
      async () => false,
      async () => {
        throw new Error('down');
      },
      () => new Promise(() => {}),
    ];
    let calls = 0;
    const checker = new HealthChecker(
      () => answers[calls++]!(),
      1_000,
      200,
      r => results.push(r),
    );
    checker.start();
    await vi.advanceTimersByTimeAsync(999);
    expect(calls).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(results).toEqual([{ healthy: true }]);
    await vi.advanceTimersByTimeAsync(3_000);
    expect(results).toEqual([
      { healthy: true },
      { healthy: true },
      { healthy: false, failure: 'returned_false' },
      { healthy: false, failure: 'threw' },
    ]);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(calls).toBe(5);
    expect(results).toHaveLength(4);
    await vi.advanceTimersByTimeAsync(200);
    expect(results[4]).toEqual({ healthy: false, failure: 'timed_out' });
    checker.dispose();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('aborts the signal of a check that times out, and of a running check on dispose', async () => {
    const signals: AbortSignal[] = [];
    const checker = new HealthChecker(
      ({ signal }) => {
        signals.push(signal);
        return new Promise(() => {});
      },
      1_000,
      100,
      () => {},
    );
    const first = checker.runNow();
    expect(checker.runNow()).toBe(first);
    await vi.advanceTimersByTimeAsync(100);
    await expect(first).resolves.toEqual({ healthy: false, failure: 'timed_out' });
    expect(signals[0]?.aborted).toBe(true);
    void checker.runNow();
    checker.dispose();
    expect(signals[1]?.aborted).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('counts a synchronous throw as a failed check', async () => {
    const checker = new HealthChecker(
      () => {
        throw new Error('sync');
      },
      1_000,
      100,
      () => {},
    );
    await expect(checker.runNow()).resolves.toEqual({ healthy: false, failure: 'threw' });
    checker.dispose();
  });
});
