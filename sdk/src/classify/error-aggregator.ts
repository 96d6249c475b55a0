import { ERROR_CATEGORIES, type ErrorCategory } from '../semconv.js';
import { MAX_TIMER_MS } from '../util/timers.js';
import { OptionsValidator } from '../util/validate.js';
import { classifyError } from './classifier.js';
import { CLASSIFY_DEFAULTS } from './defaults.js';
import { isClassifiedError } from './is-classified-error.js';
import type { ClassifiedError, Classifier } from './types.js';

/** Options of {@link ErrorAggregator}. */
export interface ErrorAggregatorOptions {
  /** The sliding window counts and rates cover, in milliseconds. @default 60_000 */
  readonly windowMs?: number;
  /** Number of time buckets the window is split into: the window slides one bucket at a time. @default 12 */
  readonly bucketCount?: number;
  /** Classifies raw errors passed to {@link ErrorAggregator.record}. @default classifyError */
  readonly classifier?: Classifier;
  /** Monotonic clock in milliseconds. @default () => performance.now() */
  readonly now?: () => number;
}

/** When {@link ErrorAggregator.isPatternDetected} reports a pattern: at least `count` errors and/or at least `rate` of all outcomes. */
export type PatternThreshold = number | { readonly count?: number; readonly rate?: number };

interface Bucket {
  /** Index of the time slice this bucket holds (`floor(now / bucketMs)`); -1 when empty. */
  epoch: number;
  readonly errors: number[];
  successes: number;
}

const CATEGORY_INDEX = new Map(ERROR_CATEGORIES.map((category, index) => [category, index] as const));
const CANCELLED = CATEGORY_INDEX.get('cancelled') ?? -1;

/**
 * Counts classified errors and successes over a sliding time window, in memory, with a fixed footprint (a ring
 * of `bucketCount` buckets × the closed category set) and no timers: buckets are recycled lazily as the clock
 * moves. Answers "is this category spiking?" for alerts, health summaries and adaptive policies.
 * `cancelled` is counted but is not a failure: it is left out of {@link total} and {@link errorRate}.
 *
 * @example
 * const errors = new ErrorAggregator({ windowMs: 60_000 });
 * errors.record(error);          // raw error: classified with classifyError
 * errors.recordSuccess();
 * if (errors.isPatternDetected('rate_limited', { count: 5, rate: 0.2 })) shedLoad();
 */
export class ErrorAggregator {
  private readonly buckets: Bucket[];
  private readonly bucketMs: number;
  private readonly classifier: Classifier;
  private readonly now: () => number;

  constructor(options: ErrorAggregatorOptions = {}) {
    const v = new OptionsValidator('ErrorAggregator');
    const o = v.object('', options, ['windowMs', 'bucketCount', 'classifier', 'now']);
    v.number('windowMs', o.windowMs, { min: 1, max: MAX_TIMER_MS, integer: true });
    v.number('bucketCount', o.bucketCount, { min: 1, max: 10_000, integer: true });
    v.func('classifier', o.classifier);
    v.func('now', o.now);
    v.done();
    const windowMs = options.windowMs ?? CLASSIFY_DEFAULTS.aggregator.windowMs;
    const bucketCount = options.bucketCount ?? CLASSIFY_DEFAULTS.aggregator.bucketCount;
    this.bucketMs = windowMs / bucketCount;
    this.classifier = options.classifier ?? classifyError;
    this.now = options.now ?? (() => performance.now());
    this.buckets = Array.from({ length: bucketCount }, () => ({
      epoch: -1,
      errors: new Array<number>(ERROR_CATEGORIES.length).fill(0),
      successes: 0,
    }));
  }

  /** Records one failure: a {@link ClassifiedError}, or a raw error that is classified first. Returns the classification. */
  record(error: unknown): ClassifiedError {
    const classified = isClassifiedError(error) ? error : this.classifier(error);
    const index = CATEGORY_INDEX.get(classified.category);
    if (index !== undefined) {
      const errors = this.current().errors;
      errors[index] = (errors[index] ?? 0) + 1;
    }
    return classified;
  }

  /** Records one success (the denominator of {@link errorRate}). */
  recordSuccess(): void {
    this.current().successes += 1;
  }

  /** Errors per category in the window; every category is present. */
  counts(): Record<ErrorCategory, number> {
    const sums = this.sum();
    const out = {} as Record<ErrorCategory, number>;
    ERROR_CATEGORIES.forEach((category, i) => {
      out[category] = sums.errors[i] ?? 0;
    });
    return out;
  }

  /** Failures in the window (every category except `cancelled`). */
  total(): number {
    return this.sum().failures;
  }

  /** Failures / (failures + successes) in the window; 0 when nothing was recorded. */
  errorRate(): number {
    const { failures, successes } = this.sum();
    return failures + successes === 0 ? 0 : failures / (failures + successes);
  }

  /**
   * Whether `category` crosses `threshold` in the window: a number is a minimum count; an object requires
   * every bound given, `count` (minimum errors of the category) and `rate` (minimum share of all recorded
   * outcomes, successes and cancellations included). Throws a `RangeError`/`TypeError` for an invalid argument.
   */
  isPatternDetected(category: ErrorCategory, threshold: PatternThreshold): boolean {
    const v = new OptionsValidator('ErrorAggregator.isPatternDetected');
    v.oneOf('category', category, ERROR_CATEGORIES);
    const { count, rate } = typeof threshold === 'number' ? { count: threshold, rate: undefined } : threshold;
    if (typeof threshold !== 'number') {
      v.object('threshold', threshold, ['count', 'rate']);
      if (count === undefined && rate === undefined) v.fail('threshold', 'a count and/or a rate', threshold);
    }
    v.number(typeof threshold === 'number' ? 'threshold' : 'threshold.count', count, {
      min: 1,
      integer: true,
    });
    v.number('threshold.rate', rate, { above: 0, max: 1 });
    v.done();
    const sums = this.sum();
    const errors = sums.errors[CATEGORY_INDEX.get(category) ?? -1] ?? 0;
    const all = sums.failures + sums.successes + (sums.errors[CANCELLED] ?? 0);
    if (count !== undefined && errors < count) return false;
    if (rate !== undefined && (all === 0 || errors / all < rate)) return false;
    return true;
  }

  /** Forgets everything recorded. */
  reset(): void {
    for (const bucket of this.buckets) clear(bucket, -1);
  }

  private epochNow(): number {
    const now = this.now();
    // A clock that returns garbage must not corrupt the ring: treat it as time zero.
    return Number.isFinite(now) ? Math.floor(now / this.bucketMs) : 0;
  }

  private current(): Bucket {
    const epoch = this.epochNow();
    const bucket = this.buckets[mod(epoch, this.buckets.length)]!;
    if (bucket.epoch !== epoch) clear(bucket, epoch);
    return bucket;
  }

  private sum(): { errors: number[]; failures: number; successes: number } {
    const epoch = this.epochNow();
    const oldest = epoch - this.buckets.length + 1;
    const errors = new Array<number>(ERROR_CATEGORIES.length).fill(0);
    let successes = 0;
    for (const bucket of this.buckets) {
      if (bucket.epoch < oldest || bucket.epoch > epoch) continue;
      bucket.errors.forEach((n, i) => {
        errors[i] = (errors[i] ?? 0) + n;
      });
      successes += bucket.successes;
    }
    const failures = errors.reduce((sum, n, i) => (i === CANCELLED ? sum : sum + n), 0);
    return { errors, failures, successes };
  }
}

function clear(bucket: Bucket, epoch: number): void {
  bucket.epoch = epoch;
  bucket.errors.fill(0);
  bucket.successes = 0;
}

function mod(n: number, m: number): number {
  return ((n % m) + m) % m;
}
