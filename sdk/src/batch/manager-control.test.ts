import { describe, expect, it, vi } from 'vitest';
import type { ClassifiedError } from '../classify/types.js';
import { httpError } from '../test-support/errors.js';
import { BatchClosedError, BatchItemSettledError, BatchLockedError, BatchStoreError } from './errors.js';
import { createBatchRetryManager } from './manager.js';
import { createMemoryBatchStore } from './memory-store.js';
import type { BatchEvent, BatchRetryManagerOptions, BatchStore } from './types.js';

const transient = () => httpError(503);
const permanent = () => httpError(400);

function open(options: Partial<BatchRetryManagerOptions> = {}) {
  const store = (options.store ?? createMemoryBatchStore()) as ReturnType<typeof createMemoryBatchStore>;
  const events: BatchEvent[] = [];
  const manager = createBatchRetryManager({
    name: 'docs',
    batchId: 'b1',
    backoff: false,
    onEvent: e => events.push(e),
    ...options,
    store,
  });
  return { manager, store, events };
}

describe('BatchRetryManager manual control', () => {
  it('pauses and resumes by hand; resetBreaker does not lift a manual pause', async () => {
    const { manager, events } = open();
    const batch = await manager;
    await batch.pause();
    expect(batch.snapshot()).toMatchObject({ status: 'paused', pausedBy: 'manual' });
    expect((await batch.recordFailure('a', transient())).reason).toBe('circuit_breaker_open');
    await batch.resetBreaker();
    expect(batch.paused).toBe(true);
    await batch.resume();
    expect(batch.paused).toBe(false);
    await batch.resume(); // no-op
    expect(events.filter(e => e.type !== 'attempt').map(e => e.type)).toEqual([
      'paused',
      'breaker_reset',
      'resumed',
    ]);
  });

  it('resetBreaker resumes a batch the breaker paused', async () => {
    const batch = await open({ breaker: { consecutiveFailures: 1 } }).manager;
    await batch.recordFailure('a', transient());
    expect(batch.paused).toBe(true);
    await batch.resetBreaker();
    expect(batch.snapshot()).toMatchObject({ status: 'running', consecutiveFailures: 0, breakerTrips: 1 });
  });

  it('resets one item or every failed item; their retries still count toward the batch limit', async () => {
    const batch = await open({ maxRetriesPerItem: 0 }).manager;
    await batch.recordFailure('a', transient());
    await batch.recordFailure('b', permanent());
    await batch.recordSuccess('c');
    await expect(batch.recordFailure('a', transient())).rejects.toThrow(BatchItemSettledError);
    await expect(batch.recordSuccess('c')).rejects.toThrow('Item "c" of batch "b1" already succeeded');
    expect(await batch.resetItem('a')).toBe(true);
    expect(await batch.resetItem('unknown')).toBe(false);
    expect(batch.canAttempt('a')).toEqual({ allowed: true, attempt: 0, waitMs: 0 });
    expect(await batch.resetFailedItems()).toBe(1);
    expect(batch.item('b')).toBeUndefined();
    expect(batch.snapshot()).toMatchObject({ totalAttempts: 3, items: { succeeded: 1, failed: 0 } });
  });

  it('waitUntilResumed resolves on resume and rejects on abort or close', async () => {
    const batch = await open().manager;
    await expect(batch.waitUntilResumed()).resolves.toBeUndefined();
    await batch.pause();
    const waiting = batch.waitUntilResumed();
    const controller = new AbortController();
    const aborted = batch.waitUntilResumed(controller.signal);
    controller.abort(new Error('stop'));
    await expect(aborted).rejects.toThrow('stop');
    await batch.resume();
    await expect(waiting).resolves.toBeUndefined();
    await batch.pause();
    const closing = batch.waitUntilResumed();
    await batch.close();
    await expect(closing).rejects.toThrow(BatchClosedError);
  });
});

describe('BatchRetryManager durability and lifecycle', () => {
  it('keeps state across close and reopen, paused batches included', async () => {
    const store = createMemoryBatchStore();
    const first = await open({ store, breaker: { consecutiveFailures: 1 } }).manager;
    await first.recordFailure('a', transient());
    await first.close();
    await expect(first.recordSuccess('a')).rejects.toThrow(BatchClosedError);
    const second = await open({ store }).manager;
    expect(second.snapshot()).toMatchObject({ status: 'paused', totalAttempts: 1, breakerTrips: 1 });
    expect(second.item('a')).toMatchObject({ attempts: 1, status: 'pending' });
    expect(store.auditTrail('b1').map(r => r.type)).toEqual([
      'opened',
      'attempt',
      'breaker_trip',
      'closed',
      'opened',
    ]);
    await second.close();
  });

  it('refuses a second manager on the same batch', async () => {
    const store = createMemoryBatchStore();
    const first = await open({ store }).manager;
    await expect(open({ store }).manager).rejects.toThrow(BatchLockedError);
    await first.close();
    await (await open({ store }).manager).close();
  });

  it('decides concurrent failures one at a time: no lost update', async () => {
    const batch = await open({ maxRetriesTotal: 10, maxRetriesPerItem: 1, breaker: false }).manager;
    const decisions = await Promise.all(
      Array.from({ length: 25 }, (_, i) => batch.recordFailure(`i${i}`, transient())),
    );
    expect(decisions.filter(d => d.retry)).toHaveLength(10);
    expect(decisions.filter(d => d.reason === 'global_retry_limit_reached')).toHaveLength(15);
    expect(batch.snapshot()).toMatchObject({ totalAttempts: 25, totalRetries: 10 });
  });

  it('stops after a failed write (fail-stop) and reports it', async () => {
    const memory = createMemoryBatchStore();
    let failWrites = false;
    const store: BatchStore = {
      async open(batchId, context) {
        const session = await memory.open(batchId, context);
        return {
          state: session.state,
          commit: (state, records) =>
            failWrites ? Promise.reject(new Error('EIO: disk on fire')) : session.commit(state, records),
          close: () => session.close(),
        };
      },
    };
    const { manager, events } = open({ store });
    const batch = await manager;
    failWrites = true;
    const failed = batch.recordFailure('a', transient());
    await expect(failed).rejects.toThrow(BatchStoreError);
    await expect(failed).rejects.toThrow('writing its state failed (Error: EIO: disk on fire)');
    await expect(batch.recordSuccess('b')).rejects.toThrow(BatchStoreError);
    expect(events.map(e => e.type)).toEqual(['store_failed']);
    await batch.close();
  });

  it('survives throwing listeners and classifiers', async () => {
    const classifier = vi.fn((): ClassifiedError => {
      throw new Error('classifier bug');
    });
    const batch = await open({
      classifier,
      onEvent: () => {
        throw new Error('listener bug');
      },
    }).manager;
    const d = await batch.recordFailure('a', transient());
    expect(classifier).toHaveBeenCalled();
    expect(d).toMatchObject({ retry: true, error: { category: 'server_error' } }); // fell back to classifyError
  });

  it('redacts the message of a custom classifier that does not', async () => {
    const store = createMemoryBatchStore();
    const batch = await open({
      store,
      classifier: error => ({
        category: 'server_error',
        severity: 'medium',
        retryable: true,
        errorType: 'Custom',
        message: (error as Error).message,
        userMessage: 'busy',
        cause: error,
      }),
    }).manager;
    const d = await batch.recordFailure(
      'a',
      new Error('failed with key sk-ant-api03-abcdefghijklmnopqrstuvwxyz'),
    );
    expect(d.error.message).toBe('failed with key [REDACTED]');
    await batch.close();
    expect(JSON.stringify(store.auditTrail('b1'))).not.toContain('sk-ant');
    expect(JSON.stringify(store.saved('b1'))).not.toContain('sk-ant');
  });
});
