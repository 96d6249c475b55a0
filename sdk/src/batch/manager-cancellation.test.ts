import { describe, expect, it } from 'vitest';
import { httpError } from '../test-support/errors.js';
import { createBatchRetryManager } from './manager.js';
import { createMemoryBatchStore } from './memory-store.js';

/** A batch where ONE counted failure would show: no retries (the item fails) and a breaker of one (it pauses). */
async function strictBatch() {
  const store = createMemoryBatchStore();
  const batch = await createBatchRetryManager({
    name: 'docs',
    batchId: 'b1',
    store,
    backoff: false,
    maxRetriesPerItem: 0,
    maxRetriesTotal: 0,
    breaker: { consecutiveFailures: 1 },
  });
  return { batch, store };
}

/** Nothing of a cancelled attempt counts: no attempt, no retry, no streak, no failed item, no audit record. */
function expectNothingCounted(
  batch: Awaited<ReturnType<typeof strictBatch>>['batch'],
  store: Awaited<ReturnType<typeof strictBatch>>['store'],
): void {
  expect(batch.snapshot()).toMatchObject({
    status: 'running',
    totalAttempts: 0,
    totalRetries: 0,
    consecutiveFailures: 0,
    breakerTrips: 0,
    items: { failed: 0, succeeded: 0 },
  });
  expect(batch.canAttempt('a')).toEqual({ allowed: true, attempt: 0, waitMs: 0 });
  expect(store.auditTrail('b1').filter(r => r.type !== 'opened')).toEqual([]);
}

/** A caller's signal and how the caller aborts it. */
interface Cancellation {
  readonly signal: AbortSignal;
  abort(): void;
}

const byController = (abort: (controller: AbortController) => void): Cancellation => {
  const controller = new AbortController();
  return { signal: controller.signal, abort: () => abort(controller) };
};

/** The caller's cancellations, with every shape of abort reason. */
const cancellations: [string, () => Cancellation][] = [
  ['abort() (an AbortError)', () => byController(c => c.abort())],
  // aborts by itself 1 ms after it is made
  ['AbortSignal.timeout() (a TimeoutError)', () => ({ signal: AbortSignal.timeout(1), abort: () => {} })],
  ['abort(new Error())', () => byController(c => c.abort(new Error('x')))],
  ['abort(a custom reason object)', () => byController(c => c.abort({ why: 'user navigated away' }))],
];

/** Resolves with `signal` once it has aborted. */
const aborted = (signal: AbortSignal): Promise<AbortSignal> =>
  signal.aborted
    ? Promise.resolve(signal)
    : new Promise(resolve => signal.addEventListener('abort', () => resolve(signal), { once: true }));

describe('a cancelled attempt is never a failure of the batch', () => {
  describe.each(cancellations)('cancelled by %s', (_, cancel) => {
    it('run(): the attempt in flight is abandoned unrecorded', async () => {
      const { batch, store } = await strictBatch();
      const cancellation = cancel();
      let started!: () => void;
      const attemptStarted = new Promise<void>(resolve => (started = resolve));
      const running = batch.run(
        ['a'],
        async (_item, { signal }) => {
          started();
          // a well-behaved client: it rejects with the abort reason (a TimeoutError, an Error, any object)
          await aborted(signal);
          throw signal.reason;
        },
        { signal: cancellation.signal },
      );
      await attemptStarted;
      cancellation.abort();
      const result = await running;
      expect(result).toMatchObject({ status: 'cancelled', pending: 1, failed: 0 });
      expect(result.items[0]).toMatchObject({ status: 'pending', attempts: 0 });
      expectNothingCounted(batch, store);
    });

    it('recordFailure(id, reason, { signal }): nothing is recorded', async () => {
      const { batch, store } = await strictBatch();
      const cancellation = cancel();
      cancellation.abort();
      const signal = await aborted(cancellation.signal);
      const decision = await batch.recordFailure('a', signal.reason, { signal });
      expect(decision).toMatchObject({
        cancelled: true,
        retry: false,
        reason: 'cancelled',
        attempt: 0,
        itemRetries: 0,
        delayMs: 0,
        trippedBreaker: false,
        error: { category: 'cancelled' },
      });
      expectNothingCounted(batch, store);
      expect(batch.item('a')).toBeUndefined();
    });
  });

  it('recordFailure() of an error that says it was cancelled (an AbortError) records nothing', async () => {
    const { batch, store } = await strictBatch();
    const decision = await batch.recordFailure(
      'a',
      new DOMException('The operation was aborted', 'AbortError'),
    );
    expect(decision).toMatchObject({ cancelled: true, reason: 'cancelled' });
    expectNothingCounted(batch, store);
  });

  it("run(): an attempt its function reports cancelled (not the run's signal) stays pending for a later run", async () => {
    const { batch, store } = await strictBatch();
    let calls = 0;
    const result = await batch.run(['a'], () => {
      calls++;
      const own = new AbortController(); // e.g. the client's own signal, aborted elsewhere
      own.abort();
      throw own.signal.reason;
    });
    expect(calls).toBe(1); // not retried in a loop: the cancellation ends this item's run
    expect(result).toMatchObject({ status: 'cancelled', pending: 1, failed: 0 });
    expectNothingCounted(batch, store);
  });

  it('a real failure next to a cancellation still counts', async () => {
    const { batch } = await strictBatch();
    const signal = await aborted(AbortSignal.timeout(1));
    await batch.recordFailure('a', signal.reason, { signal });
    const decision = await batch.recordFailure('b', httpError(503));
    expect(decision).toMatchObject({
      cancelled: false,
      reason: 'circuit_breaker_open',
      trippedBreaker: true,
    });
    expect(batch.snapshot()).toMatchObject({ totalAttempts: 1, consecutiveFailures: 1, status: 'paused' });
  });

  it('rejects a signal option that is not an AbortSignal, naming it', async () => {
    const { batch } = await strictBatch();
    await expect(
      batch.recordFailure('a', httpError(503), { signal: 'soon' as unknown as AbortSignal }),
    ).rejects.toThrow('options.signal must be an AbortSignal, got "soon"');
    expect(batch.snapshot().totalAttempts).toBe(0);
  });
});
