import { describe, expect, it, vi } from 'vitest';
import { httpError } from '../test-support/errors.js';
import { BatchClosedError, BatchStoreError } from './errors.js';
import { createBatchRetryManager } from './manager.js';
import { createMemoryBatchStore } from './memory-store.js';
import type { BatchRetryManagerOptions, BatchStore } from './types.js';

const open = (options: Partial<BatchRetryManagerOptions> = {}) =>
  createBatchRetryManager({
    name: 'docs',
    batchId: 'b1',
    store: createMemoryBatchStore(),
    backoff: false,
    ...options,
  });

/** A function that fails `failures[item]` times with `error()` before returning `item` upper-cased. */
function flaky(failures: Record<string, number>, error = () => httpError(503)) {
  const calls: { item: string; attempt: number }[] = [];
  const fn = async (item: string, { attempt }: { attempt: number }) => {
    calls.push({ item, attempt });
    if (attempt < (failures[item] ?? 0)) throw error();
    return item.toUpperCase();
  };
  return { fn, calls };
}

describe('BatchRetryManager.run', () => {
  it('processes every item, retrying transient failures, and reports each one', async () => {
    const batch = await open({ maxRetriesPerItem: 2 });
    const { fn, calls } = flaky({ b: 2, c: 5 });
    const result = await batch.run(['a', 'b', 'c'], fn);
    expect(result).toMatchObject({ status: 'completed', succeeded: 2, failed: 1, pending: 0 });
    expect(result.items.map(i => [i.itemId, i.status, i.value, i.attempts, i.reason])).toEqual([
      ['a', 'succeeded', 'A', 1, undefined],
      ['b', 'succeeded', 'B', 3, undefined],
      ['c', 'failed', undefined, 3, 'max_retries_reached'],
    ]);
    expect(result.items[2]!.error?.category).toBe('server_error');
    expect(calls.filter(c => c.item === 'b').map(c => c.attempt)).toEqual([0, 1, 2]);
  });

  it('does not retry permanent failures, and survives functions that throw synchronously', async () => {
    const batch = await open();
    const fn = vi.fn((item: string) => {
      if (item === 'bad') throw httpError(422);
      return item;
    });
    const result = await batch.run(['bad', 'good'], fn);
    expect(fn).toHaveBeenCalledTimes(2);
    expect(result.items.map(i => [i.status, i.reason])).toEqual([
      ['failed', 'permanent_failure'],
      ['succeeded', undefined],
    ]);
  });

  it('stops when the breaker pauses the batch, and a later run continues where it stopped', async () => {
    const batch = await open({ breaker: { consecutiveFailures: 2 } });
    let down = true;
    const fn = async (item: string) => {
      if (down) throw httpError(503);
      return item;
    };
    const items = ['a', 'b', 'c', 'd'];
    const first = await batch.run(items, fn);
    expect(first).toMatchObject({ status: 'paused', succeeded: 0, pending: 4 });
    // 'a' failed, was granted a retry, failed again: the second failure in a row paused the batch
    expect(first.items.map(i => i.attempts)).toEqual([2, 0, 0, 0]);
    expect(first.items[0]!.reason).toBe('circuit_breaker_open');
    expect(await batch.run(items, fn)).toMatchObject({ status: 'paused' }); // still paused: nothing runs
    down = false;
    await batch.resume();
    const second = await batch.run(items, fn);
    expect(second).toMatchObject({ status: 'completed', succeeded: 4 });
    expect(second.items.map(i => i.attempts)).toEqual([3, 1, 1, 1]);
  });

  it("waits for resume() with whenPaused: 'wait'", async () => {
    const batch = await open({ breaker: { consecutiveFailures: 1 } });
    let down = true;
    const running = batch.run(
      ['a', 'b'],
      async item => {
        if (down) throw httpError(503);
        return item;
      },
      { whenPaused: 'wait' },
    );
    await vi.waitFor(() => expect(batch.paused).toBe(true));
    down = false;
    await batch.resume();
    expect(await running).toMatchObject({ status: 'completed', succeeded: 2 });
  });

  it('cancels at once: the in-flight attempt is abandoned unrecorded and the run says cancelled', async () => {
    const batch = await open();
    const controller = new AbortController();
    const seen: AbortSignal[] = [];
    const running = batch.run(
      ['a', 'b'],
      (_item, { signal }) => {
        seen.push(signal);
        return new Promise<never>(() => {}); // ignores its signal: the run must not wait for it
      },
      { signal: controller.signal },
    );
    await vi.waitFor(() => expect(seen).toHaveLength(1));
    controller.abort();
    const result = await running;
    expect(result).toMatchObject({ status: 'cancelled', pending: 2 });
    expect(seen[0]!.aborted).toBe(true);
    expect(batch.snapshot().totalAttempts).toBe(0);
  });

  it('cancels during the backoff wait without waiting it out', async () => {
    vi.useFakeTimers();
    try {
      const batch = await open({ backoff: { initialDelayMs: 60_000, jitter: 'none' } });
      const controller = new AbortController();
      const running = batch.run(
        ['a'],
        async () => {
          throw httpError(503);
        },
        { signal: controller.signal },
      );
      await vi.advanceTimersByTimeAsync(10);
      expect(vi.getTimerCount()).toBe(1); // the attempt failed; the 60 s backoff wait is pending
      controller.abort();
      // Resolves with the clock still at 10 ms: the abort cut the wait (else this never settles) and cleared it.
      expect(await running).toMatchObject({ status: 'cancelled' });
      expect(vi.getTimerCount()).toBe(0);
      expect(batch.item('a')).toMatchObject({ status: 'retrying', attempts: 1 });
    } finally {
      vi.useRealTimers();
    }
  });

  // Defect (issue 8, stop + backoff): close() during a run left the run in its backoff wait; when the wait ended
  // it called the item function again, and only then failed (BatchClosedError) without recording the work.
  it('ends a run at once when the batch is closed during its backoff wait, calling nothing more', async () => {
    vi.useFakeTimers();
    try {
      const batch = await open({ backoff: { initialDelayMs: 60_000, jitter: 'none' } });
      const fn = vi.fn(async () => {
        throw httpError(503);
      });
      let outcome: unknown = 'pending';
      const running = batch.run(['a'], fn).then(
        result => (outcome = result),
        error => (outcome = error),
      );
      await vi.advanceTimersByTimeAsync(10);
      expect(vi.getTimerCount()).toBe(1); // the attempt failed; the 60 s backoff wait is pending
      await batch.close();
      await vi.advanceTimersByTimeAsync(10); // nowhere near the end of the wait
      expect(outcome).toBeInstanceOf(BatchClosedError);
      expect(fn).toHaveBeenCalledTimes(1);
      expect(vi.getTimerCount()).toBe(0);
      await vi.runAllTimersAsync();
      await running;
      expect(fn).toHaveBeenCalledTimes(1);
    } finally {
      vi.useRealTimers();
    }
  });

  it('abandons the attempts in flight when another caller closes the batch, and rejects with why', async () => {
    const batch = await open();
    const seen: AbortSignal[] = [];
    const running = batch.run(
      ['a', 'b'],
      (_item, { signal }) => {
        seen.push(signal);
        return new Promise<never>(() => {}); // ignores its signal: the run must not wait for it
      },
      { concurrency: 2 },
    );
    let outcome: unknown = 'pending';
    running.then(
      result => (outcome = result),
      error => (outcome = error),
    );
    await vi.waitFor(() => expect(seen).toHaveLength(2));
    await batch.close();
    await vi.waitFor(() => expect(outcome).toBeInstanceOf(BatchClosedError));
    expect(seen.every(s => s.aborted)).toBe(true);
    expect(batch.snapshot().totalAttempts).toBe(0);
  });

  // Defect (issue 8, stop + resume): the decided wait lived in memory only; a run started after a restart (or a
  // cancelled run) retried at once, ignoring the rest of the backoff and the server's Retry-After.
  it('keeps the decided wait across runs and restarts: a Retry-After is honoured after a reopen', async () => {
    vi.useFakeTimers();
    try {
      const store = createMemoryBatchStore();
      const backoff = { initialDelayMs: 1, jitter: 'none' } as const; // the Retry-After is longer
      const first = await open({ store, backoff });
      const fn = vi.fn(async (_item: string, { attempt }: { attempt: number }) => {
        if (attempt === 0) throw httpError(429, { 'retry-after': '60' });
        return 'done';
      });
      const controller = new AbortController();
      const cancelled = first.run(['a'], fn, { signal: controller.signal });
      await vi.advanceTimersByTimeAsync(10);
      controller.abort(); // the job stops during the 60 s wait ...
      await cancelled;
      await first.close();
      expect(store.saved('b1')?.items.a).toMatchObject({ status: 'retrying' });

      const second = await open({ store, backoff }); // ... and a new process opens the batch 10 ms later
      const resumed = second.run(['a'], fn);
      await vi.advanceTimersByTimeAsync(30_000);
      expect(fn).toHaveBeenCalledTimes(1); // still waiting out the Retry-After
      await vi.advanceTimersByTimeAsync(30_000);
      expect(await resumed).toMatchObject({ status: 'completed', succeeded: 1 });
      expect(fn).toHaveBeenCalledTimes(2);
      expect(second.item('a')?.retryAt).toBeUndefined();
    } finally {
      vi.useRealTimers();
    }
  });

  it('runs items concurrently up to the limit', async () => {
    const batch = await open();
    let active = 0;
    let peak = 0;
    const result = await batch.run(
      Array.from({ length: 12 }, (_, i) => ({ id: i, text: `doc ${i}` })),
      async doc => {
        active++;
        peak = Math.max(peak, active);
        await new Promise(resolve => setTimeout(resolve, 5));
        active--;
        return doc.text;
      },
      { concurrency: 4 },
    );
    expect(peak).toBe(4);
    expect(result.items.map(i => i.itemId)).toEqual(Array.from({ length: 12 }, (_, i) => String(i)));
    expect(result.succeeded).toBe(12);
  });

  it('validates its input', async () => {
    const batch = await open();
    await expect(batch.run([{ name: 'no id' }], () => 1)).rejects.toThrow(
      'has no string or number "id"; pass options.id',
    );
    await expect(batch.run(['a', 'a'], () => 1)).rejects.toThrow('duplicate item id "a"');
    await expect(batch.run(['a'], () => 1, { concurrency: 0 })).rejects.toThrow(
      'options.concurrency must be an integer in [1, 10000], got 0',
    );
    await expect(batch.run(['a'], () => 1, { id: item => `${item}-x` })).resolves.toMatchObject({
      items: [{ itemId: 'a-x' }],
    });
  });

  it('refuses two runs of one batch at the same time', async () => {
    const batch = await open();
    let release!: () => void;
    const first = batch.run(['a'], () => new Promise<void>(resolve => (release = resolve)));
    await expect(batch.run(['b'], () => 1)).rejects.toThrow('is already running');
    await vi.waitFor(() => expect(release).toBeDefined());
    release();
    await first;
  });

  it('rejects with the store error when a write fails, and stops starting items', async () => {
    const memory = createMemoryBatchStore();
    let writes = 0;
    const store: BatchStore = {
      async open(batchId, context) {
        const session = await memory.open(batchId, context);
        return {
          state: session.state,
          commit: (s, r) => (++writes > 2 ? Promise.reject(new Error('ENOSPC')) : session.commit(s, r)),
          close: () => session.close(),
        };
      },
    };
    const batch = await open({ store });
    const fn = vi.fn((item: string) => item);
    await expect(batch.run(['a', 'b', 'c', 'd'], fn)).rejects.toThrow(BatchStoreError);
    expect(fn).toHaveBeenCalledTimes(2);
  });
});
