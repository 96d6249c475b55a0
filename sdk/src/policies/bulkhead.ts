import type { CallContext } from '../core/call-context.js';
import { recordRejection } from '../core/rejection.js';
import type { CallNext, CallStage } from '../core/stage.js';
import { ExecutionRejectedError } from '../errors/signals.js';
import type { METRIC_REJECTIONS } from '../semconv.js';
import { onAbort } from '../util/abort.js';
import type { OptionsValidator } from '../util/validate.js';

/** Bulkhead (concurrency limit) settings. */
export interface BulkheadOptions {
  /** Calls allowed to run at once. */
  readonly maxConcurrent: number;
  /** Calls allowed to wait for a slot; more are rejected at once. @default 0 */
  readonly maxQueue?: number;
}

/** Validates bulkhead options into `v`. */
export function checkBulkheadOptions(v: OptionsValidator, path: string, options: unknown): BulkheadOptions {
  const o = v.object(path, options, ['maxConcurrent', 'maxQueue']);
  v.number(`${path}.maxConcurrent`, o.maxConcurrent, { min: 1, integer: true, required: true });
  v.number(`${path}.maxQueue`, o.maxQueue, { min: 0, integer: true, allowInfinity: true });
  return o as unknown as BulkheadOptions;
}

/** A call waiting for an execution slot. */
interface Waiter {
  readonly start: () => void;
  readonly leave: () => void;
}

/**
 * Limits concurrent calls. Excess calls wait in a FIFO queue of `maxQueue` places; beyond it they are rejected
 * with an `ExecutionRejectedError` (strategy `bulkhead`, classified `rejected`), counted in
 * {@link METRIC_REJECTIONS}. The queue is our own (not cockatiel's): a queued call whose caller aborts leaves it
 * at once and frees its place, so the next caller is queued, not rejected, and nothing stays attached to the
 * caller's signal. A slot is held until the call settles as its caller sees it; pass the signal on to your
 * client so a cancelled call's work stops too.
 */
export class BulkheadStage implements CallStage {
  private running = 0;
  private readonly queue = new Set<Waiter>();
  private readonly maxQueue: number;

  constructor(private readonly options: BulkheadOptions) {
    this.maxQueue = options.maxQueue ?? 0;
  }

  /** Free execution slots. */
  get executionSlots(): number {
    return this.options.maxConcurrent - this.running;
  }

  /** Free queue places. */
  get queueSlots(): number {
    return this.maxQueue - this.queue.size;
  }

  runCall(call: CallContext, next: CallNext): Promise<unknown> {
    if (call.signal.aborted) return Promise.reject(call.signal.reason);
    if (this.running < this.options.maxConcurrent) return this.run(call, next);
    if (this.queue.size >= this.maxQueue) return Promise.reject(this.reject(call));
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        start: () => {
          unsubscribe();
          this.run(call, next).then(resolve, reject);
        },
        leave: () => {
          this.queue.delete(waiter);
          reject(call.signal.reason);
        },
      };
      this.queue.add(waiter);
      const unsubscribe = onAbort(call.signal, waiter.leave);
    });
  }

  private async run(call: CallContext, next: CallNext): Promise<unknown> {
    this.running++;
    try {
      return await next(call);
    } finally {
      // A committed stream keeps its slot until it ends: it is still talking to the downstream.
      if (call.streaming) call.onStreamEnd(this.release);
      else this.release();
    }
  }

  private readonly release = (): void => {
    this.running--;
    this.startNext();
  };

  private startNext(): void {
    if (this.running >= this.options.maxConcurrent) return;
    for (const waiter of this.queue) {
      this.queue.delete(waiter);
      waiter.start();
      return;
    }
  }

  private reject(call: CallContext): Error {
    recordRejection(call, call.runtime.attributes, 'bulkhead');
    return new ExecutionRejectedError(
      'bulkhead',
      `Bulkhead full: ${this.options.maxConcurrent} running, ${this.maxQueue} queued`,
    );
  }
}
