import { describe, expect, it, vi } from 'vitest';
import { httpError } from '../test-support/errors.js';
import { BATCH_RETRY_DEFAULTS } from './defaults.js';
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

describe('BatchRetryManager decisions', () => {
  it('retries a transient failure until the per-item limit, then fails the item', async () => {
    const { manager } = open({ maxRetriesPerItem: 2 });
    const batch = await manager;
    const decisions = [];
    for (let i = 0; i < 3; i++) decisions.push(await batch.recordFailure('doc-1', transient()));
    expect(decisions.map(d => [d.retry, d.reason, d.attempt, d.itemRetries])).toEqual([
      [true, 'under_retry_limit', 0, 1],
      [true, 'under_retry_limit', 1, 2],
      [false, 'max_retries_reached', 2, 2],
    ]);
    expect(decisions[0]).toMatchObject({
      itemId: 'doc-1',
      maxRetriesPerItem: 2,
      delayMs: 0,
      trippedBreaker: false,
    });
    expect(decisions[0]!.error.category).toBe('server_error');
    expect(Object.isFrozen(decisions[0])).toBe(true);
    expect(batch.item('doc-1')).toMatchObject({
      status: 'failed',
      attempts: 3,
      retries: 2,
      lastReason: 'max_retries_reached',
    });
    expect(batch.canAttempt('doc-1')).toEqual({ allowed: false, reason: 'failed' });
  });

  it('fails an item at once on a permanent failure', async () => {
    const batch = await open().manager;
    const d = await batch.recordFailure('doc-1', permanent());
    expect([d.retry, d.reason]).toEqual([false, 'permanent_failure']);
    expect(batch.item('doc-1')?.status).toBe('failed');
  });

  it('stops retrying anywhere once the batch used its global retries', async () => {
    const batch = await open({ maxRetriesTotal: 2, maxRetriesPerItem: 5 }).manager;
    expect((await batch.recordFailure('a', transient())).reason).toBe('under_retry_limit');
    expect((await batch.recordFailure('b', transient())).totalRetries).toBe(2);
    const d = await batch.recordFailure('c', transient());
    expect([d.retry, d.reason, d.totalRetries, d.maxRetriesTotal]).toEqual([
      false,
      'global_retry_limit_reached',
      2,
      2,
    ]);
    // a retry granted before the limit still runs
    expect(batch.canAttempt('a')).toEqual({ allowed: true, attempt: 1, waitMs: 0 });
    await batch.recordSuccess('a');
    expect(batch.snapshot()).toMatchObject({
      totalAttempts: 4,
      totalRetries: 2,
      items: { succeeded: 1, retrying: 1, failed: 1 },
    });
  });

  it('trips the breaker after consecutive failures, pausing the batch until resumed', async () => {
    const { manager, events } = open({ breaker: { consecutiveFailures: 3 } });
    const batch = await manager;
    await batch.recordFailure('a', transient());
    await batch.recordSuccess('z'); // a success resets the streak
    await batch.recordFailure('b', transient());
    await batch.recordFailure('c', transient());
    expect(batch.paused).toBe(false);
    const trip = await batch.recordFailure('d', httpError(401)); // permanent, but may well be systemic
    expect(trip).toMatchObject({ retry: false, reason: 'circuit_breaker_open', trippedBreaker: true });
    expect(batch.paused).toBe(true);
    expect(batch.item('d')?.status).toBe('pending'); // nothing settles while the breaker is open
    expect(batch.canAttempt('e')).toEqual({ allowed: false, reason: 'paused' });
    // an in-flight failure arriving while paused: same reason, no second trip, no retry consumed
    const late = await batch.recordFailure('b', transient());
    expect(late).toMatchObject({ reason: 'circuit_breaker_open', trippedBreaker: false, itemRetries: 1 });
    expect(batch.snapshot()).toMatchObject({ status: 'paused', pausedBy: 'breaker', breakerTrips: 1 });
    expect(events.filter(e => e.type !== 'attempt').map(e => e.type)).toEqual(['breaker_tripped', 'paused']);

    await batch.resume();
    expect(batch.snapshot()).toMatchObject({
      status: 'running',
      pausedBy: undefined,
      consecutiveFailures: 0,
    });
    expect(batch.canAttempt('d')).toEqual({ allowed: true, attempt: 1, waitMs: 0 });
    expect(events.at(-1)).toEqual({ type: 'resumed' });
  });

  it('counts only failure categories toward the breaker', async () => {
    const batch = await open({ breaker: { consecutiveFailures: 2 } }).manager;
    await batch.recordFailure('a', permanent()); // validation: item-specific, not counted
    await batch.recordFailure('b', permanent());
    expect(batch.snapshot()).toMatchObject({ consecutiveFailures: 0, status: 'running' });
    await batch.recordFailure('c', httpError(401)); // authentication: counts (a revoked key fails every item)
    await batch.recordFailure('d', httpError(401));
    expect(batch.paused).toBe(true);
  });

  it('never pauses with breaker: false', async () => {
    const batch = await open({ breaker: false, maxRetriesPerItem: 100 }).manager;
    for (let i = 0; i < 50; i++) await batch.recordFailure('a', transient());
    expect(batch.paused).toBe(false);
  });

  it('waits the backoff, or a longer Retry-After, and says so in canAttempt() until it is over', async () => {
    vi.useFakeTimers({ now: Date.parse('2024-06-01T00:00:00.000Z') });
    try {
      const { manager, store } = open({ backoff: { initialDelayMs: 100, jitter: 'none' } });
      const batch = await manager;
      expect((await batch.recordFailure('a', transient())).delayMs).toBe(100);
      expect((await batch.recordFailure('a', transient())).delayMs).toBe(200);
      const limited = await batch.recordFailure('b', httpError(429, { 'retry-after': '2' }));
      expect(limited.delayMs).toBe(2_000);
      expect(batch.canAttempt('b')).toEqual({ allowed: true, attempt: 1, waitMs: 2_000 });
      expect(store.saved('b1')?.items.b?.retryAt).toBe('2024-06-01T00:00:02.000Z'); // durable
      vi.advanceTimersByTime(1_500);
      expect(batch.canAttempt('b')).toEqual({ allowed: true, attempt: 1, waitMs: 500 });
      await batch.recordSuccess('b');
      expect(batch.item('b')?.retryAt).toBeUndefined();
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('createBatchRetryManager options', () => {
  it('pins its defaults', () => {
    expect(BATCH_RETRY_DEFAULTS).toEqual({
      dir: '.agent-resilience/batches',
      maxRetriesPerItem: 3,
      maxRetriesTotal: Number.POSITIVE_INFINITY,
      breaker: {
        consecutiveFailures: 5,
        failureCategories: expect.arrayContaining(['server_error', 'authentication']),
      },
      backoff: {
        initialDelayMs: 500,
        maxDelayMs: 30_000,
        multiplier: 2,
        jitter: 'full',
        maxRetryAfterMs: 60_000,
      },
      onCorrupt: 'fail',
      concurrency: 1,
      whenPaused: 'return',
    });
    expect(Object.isFrozen(BATCH_RETRY_DEFAULTS)).toBe(true);
  });

  it('throws synchronously, listing every problem with option, constraint and value', () => {
    const bad = {
      name: 'has space',
      batchId: '../x',
      maxRetriesPerItem: -1,
      breaker: { consecutiveFailures: 0, failureCategories: ['server_error', 'bogus'] },
      backoff: { jitter: 'sometimes' },
      onCorrupt: 'ignore',
      colour: 'red',
    } as unknown as BatchRetryManagerOptions;
    expect(() => createBatchRetryManager(bad)).toThrow(RangeError);
    let message = '';
    try {
      createBatchRetryManager(bad);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('Invalid options for createBatchRetryManager("has space"): ');
    for (const part of [
      'options.colour is not a known option',
      'name must be a string of 1-64 characters from [A-Za-z0-9_.:-], got "has space"',
      'batchId must be a safe file-name id (no path separators), got "../x"',
      'maxRetriesPerItem must be an integer >= 0 (or Infinity), got -1',
      'breaker.consecutiveFailures must be an integer >= 1, got 0',
      'breaker.failureCategories[1] must be one of',
      'backoff.jitter must be one of "full", "equal", "decorrelated", "none", got "sometimes"',
      'onCorrupt must be one of "fail", "start-fresh", got "ignore"',
    ]) {
      expect(message).toContain(part);
    }
  });

  it('rejects a store without open()', () => {
    expect(() => createBatchRetryManager({ name: 'n', batchId: 'b', store: {} as BatchStore })).toThrow(
      TypeError,
    );
  });
});
