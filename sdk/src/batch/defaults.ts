import type { Jitter } from '../policies/backoff.js';
import { DEFAULT_FAILURE_CATEGORIES } from '../policies/circuit-breaker-options.js';
import type { ErrorCategory } from '../semconv.js';

/**
 * Categories that count toward the batch breaker by default: failures that say "the downstream (or our access to
 * it) is broken", not "this item is bad". Authentication is included: a revoked key fails every item.
 */
const BREAKER_FAILURE_CATEGORIES: readonly ErrorCategory[] = DEFAULT_FAILURE_CATEGORIES;

/** Defaults of {@link BatchRetryManagerOptions} and of the runner (pinned by a test). */
export const BATCH_RETRY_DEFAULTS = Object.freeze({
  /** Directory of the default file store, relative to the working directory. */
  dir: '.agent-resilience/batches',
  maxRetriesPerItem: 3,
  maxRetriesTotal: Number.POSITIVE_INFINITY,
  breaker: Object.freeze({ consecutiveFailures: 5, failureCategories: BREAKER_FAILURE_CATEGORIES }),
  backoff: Object.freeze({
    initialDelayMs: 500,
    maxDelayMs: 30_000,
    multiplier: 2,
    jitter: 'full' as Jitter,
    maxRetryAfterMs: 60_000,
  }),
  onCorrupt: 'fail' as 'fail' | 'start-fresh',
  /** Runner: items processed at once. */
  concurrency: 1,
  /** Runner: what to do when the batch is paused. */
  whenPaused: 'return' as 'return' | 'wait',
});
