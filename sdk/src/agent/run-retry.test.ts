import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CallCancelledError, NonRetryableError } from '../errors/call-errors.js';
import { httpError } from '../test-support/errors.js';
import type { RunRetrying } from './agent-options.js';
import { createAgent } from './create-agent.js';
import { RunRetryAbortedError } from './run-retry-aborted-error.js';

describe('run-level retry', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('restarts a transiently failed run with a fresh run id and reports progress', async () => {
    const agent = createAgent('support', { registry: null });
    const runIds: string[] = [];
    const retrying: RunRetrying[] = [];
    const result = agent.run(
      async run => {
        runIds.push(run.id);
        if (run.attempt === 0) throw httpError(503);
        return 'recovered';
      },
      { onRetrying: e => retrying.push(e) },
    );
    await vi.advanceTimersByTimeAsync(1_999);
    expect(runIds).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    await expect(result).resolves.toBe('recovered');
    expect(new Set(runIds).size).toBe(2);
    expect(retrying).toEqual([
      // issue 8 §2.7: the field counts retries, so it is called maxRetries (was maxAttempts)
      expect.objectContaining({ attempt: 1, maxRetries: 5, delayMs: 2_000, failedRunId: runIds[0] }),
    ]);
    expect(retrying[0]?.error.userMessage).toMatch(/\w/);
    agent.dispose();
  });

  it('backs off 2 s → 32 s and then reports the final failure with its classification', async () => {
    const agent = createAgent('support', { registry: null });
    const delays: number[] = [];
    const failures: unknown[] = [];
    const result = agent
      .run(() => Promise.reject(httpError(502)), {
        onRetrying: e => delays.push(e.delayMs),
        onFailed: e => failures.push(e),
      })
      .catch(e => e);
    await vi.runAllTimersAsync();
    const error = await result;
    expect(delays).toEqual([2_000, 4_000, 8_000, 16_000, 32_000]);
    expect(error.attempts).toBe(6);
    expect(failures).toEqual([
      expect.objectContaining({ attempts: 6, error: expect.objectContaining({ statusCode: 502 }) }),
    ]);
    agent.dispose();
  });

  it('does not restart runs for non-transient errors', async () => {
    const agent = createAgent('support', { registry: null });
    const fn = vi.fn(() => Promise.reject(httpError(400)));
    await expect(agent.run(fn)).rejects.toBeInstanceOf(NonRetryableError);
    expect(fn).toHaveBeenCalledTimes(1);
    agent.dispose();
  });

  // Issue 8 §2.6: retry.shouldRetry was silently ignored (retryOn alone decided).
  it('honours retry.shouldRetry: it has the final say after retryOn, as in createPolicy', async () => {
    const seen: Array<[string, number]> = [];
    const agent = createAgent('support', {
      registry: null,
      retry: {
        maxRetries: 2,
        initialDelayMs: 1,
        shouldRetry: (error, attempt) => {
          seen.push([error.category, attempt]);
          return error.statusCode !== 504 && error.category !== 'rate_limited';
        },
      },
    });
    const count = async (status: number) => {
      const fn = vi.fn(() => Promise.reject(httpError(status)));
      const done = agent.run(fn).catch(() => undefined);
      await vi.runAllTimersAsync();
      await done;
      return fn.mock.calls.length;
    };
    expect(await count(503)).toBe(3); // in retryOn, shouldRetry agrees
    expect(await count(504)).toBe(1); // in retryOn, shouldRetry refuses
    expect(await count(400)).toBe(3); // not in retryOn, shouldRetry insists
    expect(seen.slice(0, 2)).toEqual([
      ['server_error', 0],
      ['server_error', 1],
    ]);
    agent.dispose();
  });

  it('falls back to retryOn when shouldRetry throws, and never retries a run aborted by beforeRetry', async () => {
    const agent = createAgent('support', {
      registry: null,
      retry: {
        maxRetries: 2,
        initialDelayMs: 1,
        shouldRetry: error => {
          if (error.statusCode === 502) throw new Error('hook bug');
          return true;
        },
      },
    });
    const fn = vi.fn(() => Promise.reject(httpError(502)));
    const failed = agent.run(fn).catch(() => undefined);
    await vi.runAllTimersAsync();
    await failed;
    expect(fn).toHaveBeenCalledTimes(3); // 502 is in retryOn

    const aborted = vi.fn(() => Promise.reject(httpError(500)));
    const stopped = agent
      .run(aborted, {
        beforeRetry: () => {
          throw new Error('could not delete partial messages');
        },
      })
      .catch(() => undefined);
    await vi.runAllTimersAsync();
    await stopped;
    expect(aborted).toHaveBeenCalledTimes(1);
    agent.dispose();
  });

  it('treats retry settings given as undefined as absent (the run defaults apply)', async () => {
    const agent = createAgent('support', { registry: null, retry: { maxRetries: undefined } });
    const limits: number[] = [];
    const done = agent
      .run(() => Promise.reject(httpError(503)), { onRetrying: e => limits.push(e.maxRetries) })
      .catch(() => undefined);
    await vi.runAllTimersAsync();
    await done;
    expect(limits).toEqual([5, 5, 5, 5, 5]);
    agent.dispose();
  });

  it('restarts the run when a nested model call exhausted its own retries', async () => {
    const agent = createAgent('support', {
      registry: null,
      models: { retry: { maxRetries: 1, initialDelayMs: 1 } },
    });
    let modelCalls = 0;
    const result = agent.run(run =>
      run.model('m', () => {
        modelCalls++;
        return modelCalls <= 2 ? Promise.reject(httpError(503)) : 'ok';
      }),
    );
    await vi.runAllTimersAsync();
    await expect(result).resolves.toBe('ok');
    expect(modelCalls).toBe(3);
    agent.dispose();
  });

  it('lets beforeRetry discard partial output, and aborts the retry when it fails', async () => {
    const agent = createAgent('support', { registry: null });
    const history = ['user: hi'];
    const ok = agent.run(
      async run => {
        history.push(`assistant(partial, run ${run.attempt})`);
        if (run.attempt === 0) throw httpError(500);
        return history.join(' | ');
      },
      { beforeRetry: () => void history.pop() },
    );
    await vi.runAllTimersAsync();
    await expect(ok).resolves.toBe('user: hi | assistant(partial, run 1)');

    const fn = vi.fn(() => Promise.reject(httpError(500)));
    const aborted = agent
      .run(fn, {
        beforeRetry: () => {
          throw new Error('could not delete partial messages');
        },
      })
      .catch(e => e);
    await vi.runAllTimersAsync();
    const error = await aborted;
    expect(fn).toHaveBeenCalledTimes(1);
    expect(RunRetryAbortedError.isInstance(error.classified.cause)).toBe(true);
    expect(error.classified.cause.failure.statusCode).toBe(500);
    agent.dispose();
  });

  it('cancelling during the back-off gap stops the run at once', async () => {
    const agent = createAgent('support', { registry: null });
    const fn = vi.fn(() => Promise.reject(httpError(503)));
    const result = agent.run(fn, { threadId: 't1' }).catch(e => e);
    await vi.advanceTimersByTimeAsync(500);
    expect(agent.cancel('t1')).toBe(1);
    expect(await result).toBeInstanceOf(CallCancelledError);
    await vi.runAllTimersAsync();
    expect(fn).toHaveBeenCalledTimes(1);
    agent.dispose();
  });

  it('never lets a cancel left over from an earlier run cancel a new run of the same thread', async () => {
    const agent = createAgent('support', { registry: null });
    expect(agent.cancel('t1')).toBe(0);
    await expect(agent.run(() => 'fresh run', { threadId: 't1' })).resolves.toBe('fresh run');
    const first = agent.run(
      run =>
        new Promise((_, reject) => run.signal.addEventListener('abort', () => reject(run.signal.reason))),
      {
        threadId: 't1',
      },
    );
    agent.cancel('t1');
    await expect(first).rejects.toBeInstanceOf(CallCancelledError);
    await expect(agent.run(() => 'next run', { threadId: 't1' })).resolves.toBe('next run');
    agent.dispose();
  });

  it('passes the run signal to tool and model calls', async () => {
    const agent = createAgent('support', { registry: null });
    const controller = new AbortController();
    let toolSignal: AbortSignal | undefined;
    const result = agent
      .run(
        run =>
          run.tool('slow', ({ signal }) => {
            toolSignal = signal;
            return new Promise(() => {});
          }),
        { signal: controller.signal },
      )
      .catch(e => e);
    await vi.advanceTimersByTimeAsync(1);
    controller.abort();
    expect(await result).toBeInstanceOf(CallCancelledError);
    expect(toolSignal?.aborted).toBe(true);
    agent.dispose();
  });

  it('validates names and options', async () => {
    expect(() => createAgent('bad name')).toThrow(/name must be a string of 1-64 characters/);
    expect(() => createAgent('a', { retry: { retryOn: ['server_eror' as 'server_error'] } })).toThrow(
      /retry\.retryOn\[0\] must be one of/,
    );
    const agent = createAgent('a', { registry: null });
    await expect(agent.run(() => 1, { threadId: '' })).rejects.toThrow(
      /threadId must be a string of 1-256 characters/,
    );
    agent.dispose();
  });
});
