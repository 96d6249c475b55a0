import type { ClassifiedError } from '../classify/types.js';
import type { BatchDecisionReason } from '../semconv.js';
import { linkAbort, NEVER_ABORTED, raceAbort, sleep } from '../util/abort.js';
import { describeValue, OptionsValidator } from '../util/validate.js';
import { assertItemId } from './batch-id.js';
import { BATCH_RETRY_DEFAULTS } from './defaults.js';
import type { BatchRetryManager } from './manager.js';
import { checkSignalOption } from './options.js';
import type { BatchItemStatus } from './types.js';

/** What the item function receives on each attempt. */
export interface BatchItemContext {
  readonly itemId: string;
  /** Zero-based attempt number of this item (across runs): 0 for its first attempt. */
  readonly attempt: number;
  /** Aborts when the run is cancelled. Pass it to your clients; an aborted attempt is not recorded. */
  readonly signal: AbortSignal;
}

/** Processes one item; a throw (or rejection) is a failed attempt, anything else a success. */
export type BatchItemFn<T, R> = (item: T, context: BatchItemContext) => R | Promise<R>;

/** Options of `BatchRetryManager.run`. */
export interface BatchRunOptions<T> {
  /**
   * The stable id of an item (it keys the saved state across runs). @default the item itself for strings, its
   * `id` property for objects with a string or number `id`
   */
  readonly id?: (item: T, index: number) => string;
  /** Items processed at once. @default 1 */
  readonly concurrency?: number;
  /** Cancels the run: no new attempt starts, waits end, in-flight attempts are abandoned unrecorded. */
  readonly signal?: AbortSignal;
  /** When the batch pauses: `'return'` ends the run with status `paused`; `'wait'` waits for `resume()`. @default 'return' */
  readonly whenPaused?: 'return' | 'wait';
}

/** The outcome of one item of a run. */
export interface BatchRunItemResult<T, R> {
  readonly itemId: string;
  readonly item: T;
  /** Its saved status after the run (`succeeded`/`failed` may come from an earlier run). */
  readonly status: BatchItemStatus;
  /** What `fn` returned, when it succeeded in this run. */
  readonly value?: R;
  /** Its last failure in this run, classified. */
  readonly error?: ClassifiedError;
  /** Attempts recorded for it, over all runs. */
  readonly attempts: number;
  /** Reason of its last decision, if any. */
  readonly reason?: BatchDecisionReason;
}

/** What `BatchRetryManager.run` resolves with. */
export interface BatchRunResult<T, R> {
  /**
   * `completed`: every item succeeded or failed; `paused`: the batch paused; `cancelled`: the signal aborted, or
   * an attempt's function threw a cancellation (an AbortError) and its item was left pending.
   */
  readonly status: 'completed' | 'paused' | 'cancelled';
  /** One entry per input item, in input order. */
  readonly items: readonly BatchRunItemResult<T, R>[];
  readonly succeeded: number;
  readonly failed: number;
  /** Items neither succeeded nor failed (not attempted yet, or waiting for a retry). */
  readonly pending: number;
}

const running = new WeakSet<BatchRetryManager>();

function defaultId(item: unknown, index: number): string {
  if (typeof item === 'string') return item;
  const id = typeof item === 'object' && item !== null ? (item as { id?: unknown }).id : undefined;
  if (typeof id === 'string' || typeof id === 'number') return String(id);
  throw new TypeError(
    `BatchRetryManager.run: item ${index} (${describeValue(item)}) has no string or number "id"; pass options.id`,
  );
}

function itemIds<T>(items: readonly T[], id: ((item: T, index: number) => string) | undefined): string[] {
  const seen = new Set<string>();
  return items.map((item, index) => {
    const itemId = id === undefined ? defaultId(item, index) : id(item, index);
    assertItemId(itemId);
    if (seen.has(itemId))
      throw new RangeError(`BatchRetryManager.run: duplicate item id ${JSON.stringify(itemId)}`);
    seen.add(itemId);
    return itemId;
  });
}

function checkRun(items: unknown, fn: unknown, options: unknown): void {
  const v = new OptionsValidator('BatchRetryManager.run');
  if (!Array.isArray(items)) v.fail('items', 'an array', items, true);
  v.func('fn', fn);
  if (fn === undefined) v.fail('fn', 'a function', fn, true);
  const o = v.object('options', options, ['id', 'concurrency', 'signal', 'whenPaused']);
  v.func('options.id', o.id);
  v.number('options.concurrency', o.concurrency, { min: 1, max: 10_000, integer: true });
  checkSignalOption(v, 'options.signal', o.signal);
  v.oneOf('options.whenPaused', o.whenPaused, ['return', 'wait']);
  v.done();
}

/** The loop behind `BatchRetryManager.run` (see there). */
export async function runBatch<T, R>(
  manager: BatchRetryManager,
  items: readonly T[],
  fn: BatchItemFn<T, R>,
  options: BatchRunOptions<T> = {},
): Promise<BatchRunResult<T, R>> {
  checkRun(items, fn, options);
  const ids = itemIds(items, options.id);
  if (running.has(manager))
    throw new Error(`Batch "${manager.batchId}" is already running; wait for that run() to end`);
  running.add(manager);
  const whenPaused = options.whenPaused ?? BATCH_RETRY_DEFAULTS.whenPaused;
  const controller = new AbortController();
  const unlink = linkAbort(options.signal ?? NEVER_ABORTED, controller);
  // closing the batch (or a failed write, even another caller's) ends the run at once: waits and attempts too
  const unlinkStop = linkAbort(manager.stopSignal, controller);
  const signal = controller.signal;
  const values = new Map<number, R>();
  const errors = new Map<number, ClassifiedError>();
  let stoppedForPause = false;
  let cancelledItems = false;
  let fatal: { readonly error: unknown } | undefined;
  let next = 0;

  const processItem = async (index: number): Promise<void> => {
    const itemId = ids[index]!;
    for (;;) {
      if (signal.aborted) return;
      const check = manager.canAttempt(itemId);
      if (!check.allowed) {
        if (check.reason !== 'paused') return;
        if (whenPaused === 'return') {
          stoppedForPause = true;
          return;
        }
        try {
          await manager.waitUntilResumed(signal);
        } catch (error) {
          if (signal.aborted) return;
          throw error; // closed or failed while paused
        }
        continue;
      }
      if (check.waitMs > 0) {
        await sleep(check.waitMs, signal).catch(() => {});
        continue; // the batch may have paused meanwhile
      }
      let value: R;
      try {
        const attempt = Promise.resolve().then(() =>
          fn(items[index]!, { itemId, attempt: check.attempt, signal }),
        );
        value = await raceAbort(attempt, signal);
      } catch (error) {
        if (signal.aborted) return; // cancelled: the attempt did not complete, so it is not recorded
        const decision = await manager.recordFailure(itemId, error);
        if (decision.cancelled) {
          // fn reported a cancellation of its own (an AbortError): not a failure; the item waits for a later run
          cancelledItems = true;
          return;
        }
        errors.set(index, decision.error);
        continue; // canAttempt decides: retry (after its saved wait), settled, or paused
      }
      await manager.recordSuccess(itemId);
      values.set(index, value);
      return;
    }
  };

  const worker = async (): Promise<void> => {
    while (!signal.aborted && !stoppedForPause) {
      const index = next++;
      if (index >= items.length) return;
      try {
        await processItem(index);
      } catch (error) {
        fatal ??= { error };
        controller.abort(error);
      }
    }
  };

  try {
    const concurrency = Math.min(options.concurrency ?? BATCH_RETRY_DEFAULTS.concurrency, items.length);
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    unlink();
    unlinkStop();
    running.delete(manager);
  }
  if (fatal !== undefined) throw fatal.error;
  const stop = manager.stopSignal;
  const stoppedBy = stop.aborted && signal.reason === stop.reason ? { error: stop.reason } : undefined;

  let succeeded = 0;
  let failed = 0;
  const results = items.map((item, index): BatchRunItemResult<T, R> => {
    const itemId = ids[index]!;
    const saved = manager.item(itemId);
    const status = saved?.status ?? 'pending';
    if (status === 'succeeded') succeeded++;
    else if (status === 'failed') failed++;
    return {
      itemId,
      item,
      status,
      attempts: saved?.attempts ?? 0,
      ...(values.has(index) ? { value: values.get(index) as R } : {}),
      ...(errors.has(index) ? { error: errors.get(index)! } : {}),
      ...(saved?.lastReason === undefined ? {} : { reason: saved.lastReason }),
    };
  });
  const pending = items.length - succeeded - failed;
  if (stoppedBy !== undefined && pending > 0) throw stoppedBy.error;
  const status =
    options.signal?.aborted || cancelledItems ? 'cancelled' : stoppedForPause ? 'paused' : 'completed';
  return { status, items: results, succeeded, failed, pending };
}
