import { classifyError } from '../classify/index.js';
import type { Classifier } from '../classify/types.js';
import type { Jitter } from '../policies/backoff.js';
import { ERROR_CATEGORIES, type ErrorCategory } from '../semconv.js';
import { OptionsValidator } from '../util/validate.js';
import { checkBatchId } from './batch-id.js';
import type { BatchDelaySettings, BatchLimits } from './decide.js';
import { BATCH_RETRY_DEFAULTS } from './defaults.js';
import { createFileBatchStore } from './file-store.js';
import type { BatchEvent, BatchRetryManagerOptions, BatchStore } from './types.js';

/** Validated options with every default applied. */
export interface ResolvedBatchOptions {
  readonly name: string;
  readonly batchId: string;
  readonly store: BatchStore;
  readonly limits: BatchLimits;
  /** Categories that count toward the breaker (empty when there is no breaker). */
  readonly breakerCategories: ReadonlySet<ErrorCategory>;
  /** `undefined`: no waiting between retries. */
  readonly delays: BatchDelaySettings | undefined;
  readonly classifier: Classifier;
  readonly onCorrupt: 'fail' | 'start-fresh';
  readonly onEvent: ((event: BatchEvent) => void) | undefined;
}

const KEYS = [
  'name',
  'batchId',
  'store',
  'maxRetriesPerItem',
  'maxRetriesTotal',
  'breaker',
  'backoff',
  'classifier',
  'onCorrupt',
  'onEvent',
] as const;
const JITTERS: readonly Jitter[] = ['full', 'equal', 'decorrelated', 'none'];
/** Largest delay `setTimeout` supports. */

/** Records a problem into `v` unless `value` is undefined or an AbortSignal. */
export function checkSignalOption(v: OptionsValidator, path: string, value: unknown): void {
  if (value !== undefined && !(value instanceof AbortSignal)) v.fail(path, 'an AbortSignal', value, true);
}

/** Validates the options of `recordFailure`; returns the caller's signal. */
export function failureSignal(options: unknown): AbortSignal | undefined {
  const v = new OptionsValidator('BatchRetryManager.recordFailure');
  const o = v.object('options', options, ['signal']);
  checkSignalOption(v, 'options.signal', o.signal);
  v.done();
  return o.signal as AbortSignal | undefined;
}

const isStore = (value: unknown): value is BatchStore =>
  typeof value === 'object' && value !== null && typeof (value as BatchStore).open === 'function';

function resolveBreaker(
  v: OptionsValidator,
  value: unknown,
): { threshold: number; categories: Set<ErrorCategory> } {
  const d = BATCH_RETRY_DEFAULTS.breaker;
  if (value === false) return { threshold: Number.POSITIVE_INFINITY, categories: new Set() };
  const o = v.object('breaker', value, ['consecutiveFailures', 'failureCategories']);
  v.number('breaker.consecutiveFailures', o.consecutiveFailures, { min: 1, integer: true });
  const categories = o.failureCategories ?? d.failureCategories;
  if (!Array.isArray(categories)) {
    v.fail('breaker.failureCategories', 'an array of error categories', categories, true);
  } else {
    for (const [i, c] of categories.entries())
      v.oneOf(`breaker.failureCategories[${i}]`, c, ERROR_CATEGORIES);
  }
  return {
    threshold: (o.consecutiveFailures as number | undefined) ?? d.consecutiveFailures,
    categories: new Set(Array.isArray(categories) ? (categories as ErrorCategory[]) : []),
  };
}

function resolveBackoff(v: OptionsValidator, value: unknown): BatchDelaySettings | undefined {
  if (value === false) return undefined;
  const o = v.object('backoff', value, [
    'initialDelayMs',
    'maxDelayMs',
    'multiplier',
    'jitter',
    'maxRetryAfterMs',
  ]);
  const d = BATCH_RETRY_DEFAULTS.backoff;
  v.delay('backoff.initialDelayMs', o.initialDelayMs);
  v.delay('backoff.maxDelayMs', o.maxDelayMs);
  v.number('backoff.multiplier', o.multiplier, { min: 1 });
  v.oneOf('backoff.jitter', o.jitter, JITTERS);
  v.delay('backoff.maxRetryAfterMs', o.maxRetryAfterMs);
  return {
    initialDelayMs: (o.initialDelayMs as number | undefined) ?? d.initialDelayMs,
    maxDelayMs: (o.maxDelayMs as number | undefined) ?? d.maxDelayMs,
    multiplier: (o.multiplier as number | undefined) ?? d.multiplier,
    jitter: (o.jitter as Jitter | undefined) ?? d.jitter,
    maxRetryAfterMs: (o.maxRetryAfterMs as number | undefined) ?? d.maxRetryAfterMs,
  };
}

/** Validates {@link BatchRetryManagerOptions}, reporting every problem in one `RangeError`/`TypeError`. */
export function resolveBatchOptions(options: unknown): ResolvedBatchOptions {
  const given = typeof options === 'object' && options !== null ? (options as Record<string, unknown>) : {};
  const v = new OptionsValidator(
    `createBatchRetryManager(${typeof given.name === 'string' ? JSON.stringify(given.name) : '…'})`,
  );
  const o = v.object('options', options, KEYS);
  v.name('name', o.name);
  checkBatchId(v, 'batchId', o.batchId);
  if (o.store !== undefined && !isStore(o.store))
    v.fail('store', 'a BatchStore (an object with open())', o.store, true);
  v.number('maxRetriesPerItem', o.maxRetriesPerItem, { min: 0, integer: true, allowInfinity: true });
  v.number('maxRetriesTotal', o.maxRetriesTotal, { min: 0, integer: true, allowInfinity: true });
  const breaker = resolveBreaker(v, o.breaker);
  const delays = resolveBackoff(v, o.backoff);
  v.func('classifier', o.classifier);
  v.oneOf('onCorrupt', o.onCorrupt, ['fail', 'start-fresh']);
  v.func('onEvent', o.onEvent);
  v.done();
  const d = BATCH_RETRY_DEFAULTS;
  return {
    name: o.name as string,
    batchId: o.batchId as string,
    store: (o.store as BatchStore | undefined) ?? createFileBatchStore({ dir: d.dir }),
    limits: {
      maxRetriesPerItem: (o.maxRetriesPerItem as number | undefined) ?? d.maxRetriesPerItem,
      maxRetriesTotal: (o.maxRetriesTotal as number | undefined) ?? d.maxRetriesTotal,
      breakerThreshold: breaker.threshold,
    },
    breakerCategories: breaker.categories,
    delays,
    classifier: (o.classifier as Classifier | undefined) ?? classifyError,
    onCorrupt: (o.onCorrupt as 'fail' | 'start-fresh' | undefined) ?? d.onCorrupt,
    onEvent: o.onEvent as ((event: BatchEvent) => void) | undefined,
  };
}
