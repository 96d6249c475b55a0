import { diag } from '@opentelemetry/api';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { captureDiagErrors } from '../test-support/diag.js';
import { settleWithin } from './settle-within.js';

describe('settleWithin', () => {
  let errors: string[];
  beforeEach(() => {
    errors = captureDiagErrors();
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
    diag.disable();
  });

  const state = (promise: Promise<void>) => {
    const s = { settled: false, rejected: false };
    promise.then(
      () => {
        s.settled = true;
      },
      () => {
        s.rejected = true;
      },
    );
    return s;
  };

  it('resolves when the work resolves, and leaves no timer', async () => {
    await settleWithin('flushing', 1000, () => Promise.resolve('done'));
    expect(vi.getTimerCount()).toBe(0);
    expect(errors).toEqual([]);
  });

  it('resolves (never rejects) when the work rejects, and reports it', async () => {
    await expect(
      settleWithin('flushing', 1000, () => Promise.reject(new Error('ECONNREFUSED'))),
    ).resolves.toBe(undefined);
    expect(errors).toEqual(['agent-resilience: flushing failed']);
  });

  it('resolves when the work throws synchronously, and reports it', async () => {
    const work = () => {
      throw new Error('exporter exploded');
    };
    await expect(settleWithin('flushing', 1000, work)).resolves.toBe(undefined);
    expect(errors).toEqual(['agent-resilience: flushing failed']);
  });

  it('resolves after the timeout when the work hangs, not before', async () => {
    const result = state(settleWithin('flushing', 1000, () => new Promise(() => {})));
    await vi.advanceTimersByTimeAsync(999);
    expect(result.settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(result).toEqual({ settled: true, rejected: false });
    expect(errors).toEqual(['agent-resilience: flushing did not finish within 1000 ms; gave up waiting']);
  });

  it('reports a failure that comes after the timeout instead of leaving it unhandled', async () => {
    let fail: (error: Error) => void = () => {};
    const result = state(settleWithin('flushing', 10, () => new Promise((_, reject) => (fail = reject))));
    await vi.advanceTimersByTimeAsync(10);
    fail(new Error('late'));
    await vi.advanceTimersByTimeAsync(0);
    expect(result).toEqual({ settled: true, rejected: false });
    expect(errors).toEqual([
      'agent-resilience: flushing did not finish within 10 ms; gave up waiting',
      'agent-resilience: flushing failed',
    ]);
  });
});
