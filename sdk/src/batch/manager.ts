import { applyFailure, cancelledDecision, classifyFailure, failureEntries } from './apply-failure.js';
import { assertItemId } from './batch-id.js';
import { remainingWaitMs } from './decide.js';
import { BatchItemSettledError, BatchStateCorruptError } from './errors.js';
import { BatchJournal } from './journal.js';
import { failureSignal, type ResolvedBatchOptions, resolveBatchOptions } from './options.js';
import { ResumeWaiters } from './resume-waiters.js';
import { type BatchItemFn, type BatchRunOptions, type BatchRunResult, runBatch } from './runner.js';
import { checkBatchState, createBatchState, summarizeBatchState } from './state.js';
import { BatchMetrics } from './telemetry.js';
import type {
  BatchAttemptCheck,
  BatchDecision,
  BatchEvent,
  BatchFailureOptions,
  BatchItemSnapshot,
  BatchItemState,
  BatchRetryManagerOptions,
  BatchSnapshot,
  BatchState,
  BatchStoreEvent,
  BatchStoreSession,
} from './types.js';

/**
 * Decides, records and persists the retries of a batch of items (features, documents, tickets): a per-item retry
 * limit, a retry limit across the batch, a consecutive-failure breaker that pauses the batch, permanent versus
 * transient failures from the classifier, and manual reset and resume. Every attempt is saved durably before the
 * call that records it resolves. Create one with {@link createBatchRetryManager}; `close()` it when done.
 */
export class BatchRetryManager {
  readonly name: string;
  readonly batchId: string;
  private readonly metrics: BatchMetrics;
  private readonly previousDelays = new Map<string, number>();
  private readonly resumeWaiters = new ResumeWaiters();
  private readonly stopper = new AbortController();
  private readonly journal: BatchJournal;
  private readonly state: BatchState;

  private constructor(
    private readonly options: ResolvedBatchOptions,
    session: BatchStoreSession,
    state: BatchState,
  ) {
    this.name = options.name;
    this.batchId = options.batchId;
    this.metrics = new BatchMetrics(options.name);
    this.state = state;
    this.journal = new BatchJournal(this.batchId, this.name, session, state, options.onEvent, error => {
      this.resumeWaiters.rejectAll(error);
      this.stopper.abort(error);
    });
  }

  /** @internal Use {@link createBatchRetryManager}. */
  static async open(o: ResolvedBatchOptions): Promise<BatchRetryManager> {
    const noticed: BatchStoreEvent[] = [];
    const session = await o.store.open(o.batchId, { onCorrupt: o.onCorrupt, report: e => noticed.push(e) });
    try {
      let state: BatchState;
      if (session.state === undefined) state = createBatchState(o.batchId, o.name, new Date().toISOString());
      else {
        const check = checkBatchState(session.state, o.batchId);
        if (!check.ok) throw new BatchStateCorruptError(`store:${o.batchId}`, check.problem);
        state = check.state;
      }
      state.name = o.name;
      const manager = new BatchRetryManager(o, session, state);
      const { journal } = manager;
      const records = noticed.map(({ type, ...fields }) => journal.record(type, fields));
      records.push(journal.record('opened', { pid: process.pid, resumed: session.state !== undefined }));
      await journal.persist(records, noticed);
      return manager;
    } catch (error) {
      await session.close().catch(() => {});
      throw error;
    }
  }

  /** @internal Aborts, with the reason, once the batch can no longer change (closed, or a write failed). */
  get stopSignal(): AbortSignal {
    return this.stopper.signal;
  }

  /** Whether the batch is paused (by the breaker or `pause()`); paused batches refuse attempts until `resume()`. */
  get paused(): boolean {
    return this.state.status === 'paused';
  }

  /** Whether `itemId` may be attempted, as which attempt, and after how long a wait. */
  canAttempt(itemId: string): BatchAttemptCheck {
    const item = this.state.items[itemId];
    if (item?.status === 'succeeded' || item?.status === 'failed')
      return { allowed: false, reason: item.status };
    if (this.paused) return { allowed: false, reason: 'paused' };
    const waitMs = remainingWaitMs(item?.retryAt, this.options.delays, Date.now());
    return { allowed: true, attempt: item?.attempts ?? 0, waitMs };
  }

  /** Records a successful attempt of `itemId`; resolves once it is durable. Resets the failure streak. */
  async recordSuccess(itemId: string): Promise<void> {
    const item = this.attemptable(itemId) ?? this.newItem(itemId);
    const attempt = item.attempts++;
    item.updatedAt = new Date().toISOString();
    this.state.totalAttempts++;
    item.status = 'succeeded';
    delete item.lastReason;
    delete item.retryAt;
    this.state.consecutiveFailures = 0;
    this.previousDelays.delete(itemId);
    this.metrics.attempt('succeeded', undefined);
    const event: BatchEvent = { type: 'attempt', itemId, attempt, outcome: 'succeeded' };
    await this.journal.persist(
      [this.journal.record('attempt', { itemId, attempt, outcome: 'succeeded' })],
      [event],
    );
  }

  /**
   * Records a failed attempt of `itemId` and decides whether to retry it (see `decideFailure` for the order of
   * the rules). Resolves with the decision once it is durable. The error's message is saved redacted. A
   * cancellation (`options.signal` aborted, or an error classified `cancelled`) is not a failure: nothing is
   * recorded and the decision says `cancelled: true`.
   */
  async recordFailure(itemId: string, error: unknown, options?: BatchFailureOptions): Promise<BatchDecision> {
    const saved = this.attemptable(itemId);
    const classified = classifyFailure(this.options.classifier, error, failureSignal(options));
    if (classified.category === 'cancelled') {
      return cancelledDecision(this.state, itemId, saved, classified, this.options.limits);
    }
    const item = saved ?? this.newItem(itemId);
    const applied = applyFailure(this.state, itemId, item, classified, this.options, this.previousDelays);
    const { decision, outcome } = applied;
    this.metrics.attempt(outcome, classified.category);
    this.metrics.decision(decision.reason);
    if (decision.trippedBreaker) this.metrics.breakerTrip();
    const { records, events } = failureEntries(this.state, item, applied, (type, fields) =>
      this.journal.record(type, fields),
    );
    await this.journal.persist(records, events);
    return decision;
  }

  /** Pauses the batch by hand (it behaves like an open breaker) until `resume()`. No-op when already paused. */
  async pause(): Promise<void> {
    this.journal.assertUsable();
    if (this.paused) return;
    this.state.status = 'paused';
    this.state.pausedBy = 'manual';
    await this.journal.persist(
      [this.journal.record('paused', { by: 'manual' })],
      [{ type: 'paused', by: 'manual' }],
    );
  }

  /** Resumes a paused batch and clears the failure streak. No-op when running. */
  async resume(): Promise<void> {
    this.journal.assertUsable();
    if (!this.paused) return;
    this.unpause();
    await this.journal.persist([this.journal.record('resumed', {})], [{ type: 'resumed' }]);
  }

  /** Clears the failure streak; resumes the batch if the breaker (not `pause()`) paused it. */
  async resetBreaker(): Promise<void> {
    this.journal.assertUsable();
    const resumes = this.state.pausedBy === 'breaker';
    this.state.consecutiveFailures = 0;
    if (resumes) this.unpause();
    const events: BatchEvent[] = [{ type: 'breaker_reset' }];
    if (resumes) events.push({ type: 'resumed' });
    await this.journal.persist([this.journal.record('breaker_reset', { resumed: resumes })], events);
  }

  /**
   * Forgets an item's attempts and retries, so it runs again as new (its audit history stays). Retries it used
   * still count toward `maxRetriesTotal`. Returns whether the item was known.
   */
  async resetItem(itemId: string): Promise<boolean> {
    assertItemId(itemId);
    this.journal.assertUsable();
    if (this.state.items[itemId] === undefined) return false;
    await this.forget([itemId]);
    return true;
  }

  /** Resets every failed item (see `resetItem`); returns how many. */
  async resetFailedItems(): Promise<number> {
    this.journal.assertUsable();
    const ids = Object.keys(this.state.items).filter(id => this.state.items[id]?.status === 'failed');
    if (ids.length > 0) await this.forget(ids);
    return ids.length;
  }

  /** Resolves when the batch is running (at once if it is); rejects when `signal` aborts or the batch closes. */
  waitUntilResumed(signal?: AbortSignal): Promise<void> {
    if (!this.paused) return Promise.resolve();
    const unusable = this.journal.unusable;
    return unusable === undefined ? this.resumeWaiters.wait(signal) : Promise.reject(unusable);
  }

  /** A copy of the saved state of `itemId`, or `undefined` if the batch has not seen it. */
  item(itemId: string): BatchItemSnapshot | undefined {
    const item = this.state.items[itemId];
    return item === undefined ? undefined : Object.freeze({ ...structuredClone(item), itemId });
  }

  /** Counters and item counts of the batch. */
  snapshot(): BatchSnapshot {
    return summarizeBatchState(this.state);
  }

  /**
   * Processes `items` with `fn(item, { itemId, attempt, signal })`, honouring every decision: retries after the
   * decided delay, stops (or waits, with `whenPaused: 'wait'`) when the batch pauses, and stops at once when
   * `signal` aborts. Items that already succeeded or failed in earlier runs are skipped, so calling `run` again
   * after a crash or a pause continues where the batch stopped.
   */
  run<T, R>(
    items: readonly T[],
    fn: BatchItemFn<T, R>,
    options?: BatchRunOptions<T>,
  ): Promise<BatchRunResult<T, R>> {
    return runBatch(this, items, fn, options);
  }

  /** Waits for pending writes, records `closed` and releases the batch (its lock). Idempotent. */
  close(): Promise<void> {
    return this.journal.close();
  }

  // -------------------------------------------------------------------------------------------------------------

  /** The saved item an attempt may be recorded for (if seen); throws when it is settled or the batch unusable. */
  private attemptable(itemId: string): BatchItemState | undefined {
    assertItemId(itemId);
    this.journal.assertUsable();
    const item = this.state.items[itemId];
    if (item?.status === 'succeeded' || item?.status === 'failed') {
      throw new BatchItemSettledError(this.batchId, itemId, item.status);
    }
    return item;
  }

  /** Forgets the attempts and retries of `ids`, on the record. */
  private async forget(ids: readonly string[]): Promise<void> {
    for (const id of ids) {
      delete this.state.items[id];
      this.previousDelays.delete(id);
    }
    await this.journal.persist(
      ids.map(itemId => this.journal.record('item_reset', { itemId })),
      ids.map(itemId => ({ type: 'item_reset', itemId })),
    );
  }

  private newItem(itemId: string): BatchItemState {
    const item: BatchItemState = { status: 'pending', attempts: 0, retries: 0, updatedAt: '' };
    this.state.items[itemId] = item;
    return item;
  }

  private unpause(): void {
    this.state.status = 'running';
    delete this.state.pausedBy;
    this.state.consecutiveFailures = 0;
    this.resumeWaiters.resolveAll();
  }
}

/**
 * Opens (or creates) the batch `batchId` in its store, locking it against other managers and processes, and
 * returns its manager. Options are validated first: invalid ones throw a `RangeError`/`TypeError` synchronously.
 *
 * @example
 * const batch = await createBatchRetryManager({
 *   name: 'ticket-triage',
 *   batchId: `triage-${date}`,
 *   store: createFileBatchStore({ dir: './state/batches' }),
 *   maxRetriesPerItem: 3,
 *   maxRetriesTotal: 50,
 *   breaker: { consecutiveFailures: 5 },
 * });
 * try {
 *   const result = await batch.run(tickets, (ticket, { signal }) => triage(ticket, { signal }));
 * } finally {
 *   await batch.close();
 * }
 */
export function createBatchRetryManager(options: BatchRetryManagerOptions): Promise<BatchRetryManager> {
  return BatchRetryManager.open(resolveBatchOptions(options));
}
