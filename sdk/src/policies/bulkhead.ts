import { type BulkheadPolicy, bulkhead, isBulkheadRejectedError } from 'cockatiel';
import { ExecutionRejectedError } from '../errors/signals.js';
import type { CallContext, Next, Stage } from '../pipeline/call-context.js';
import { ATTR_RESILIENCE_STRATEGY, EVENT_REJECTION, METRIC_REJECTIONS } from '../semconv.js';
import { addSpanEvent } from '../telemetry/spans.js';
import { raceAbort } from '../util/abort.js';
import { safely } from '../util/safely.js';
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
  if (o.maxConcurrent === undefined) v.fail(`${path}.maxConcurrent`, 'an integer >= 1', undefined, true);
  v.number(`${path}.maxConcurrent`, o.maxConcurrent, { min: 1, integer: true });
  v.number(`${path}.maxQueue`, o.maxQueue, { min: 0, integer: true, allowInfinity: true });
  return o as unknown as BulkheadOptions;
}

/**
 * Limits concurrent calls with cockatiel's bulkhead. A rejection is an `ExecutionRejectedError` (strategy
 * `bulkhead`, classified `rejected`), counted in {@link METRIC_REJECTIONS}; a queued call whose caller aborts
 * leaves the queue at once (cockatiel only notices when the call is dequeued).
 */
export class BulkheadStage implements Stage {
  private readonly inner: BulkheadPolicy;

  constructor(private readonly options: BulkheadOptions) {
    this.inner = bulkhead(options.maxConcurrent, options.maxQueue ?? 0);
  }

  /** Free execution slots. */
  get executionSlots(): number {
    return this.inner.executionSlots;
  }

  /** Free queue slots. */
  get queueSlots(): number {
    return this.inner.queueSlots;
  }

  async run(ctx: CallContext, next: Next): Promise<unknown> {
    try {
      return await raceAbort(
        this.inner.execute(() => next(ctx), ctx.signal),
        ctx.signal,
      );
    } catch (error) {
      if (!isBulkheadRejectedError(error)) throw error;
      const attributes = ctx.runtime.attributes.get('rej|bulkhead', () => ({
        [ATTR_RESILIENCE_STRATEGY]: 'bulkhead',
      }));
      if (ctx.telemetry.metricsEnabled) {
        safely('recording a bulkhead rejection', () =>
          ctx.telemetry.instruments.rejections.add(1, attributes),
        );
      }
      addSpanEvent(ctx.callSpan, EVENT_REJECTION, attributes);
      throw new ExecutionRejectedError(
        'bulkhead',
        `Bulkhead full: ${this.options.maxConcurrent} running, ${this.options.maxQueue ?? 0} queued`,
        { cause: error },
      );
    }
  }
}
