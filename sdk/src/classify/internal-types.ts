import { ERROR_CATEGORIES, type ErrorCategory, type Severity } from '../semconv.js';

/**
 * What one rule concludes about one error. Fields left unset come from the category defaults or from the
 * error itself (status, headers, codes) when the classifier builds the {@link ClassifiedError}.
 */
export interface Verdict {
  readonly category: ErrorCategory;
  /**
   * Categories a nested error (`cause`, `AggregateError.errors`) may replace this verdict with: a bare
   * `TypeError: fetch failed` is `network` unless its cause says `timeout`. Unset: the verdict is final.
   */
  readonly yieldTo?: readonly ErrorCategory[];
  /** A delay the error itself carries (our `CircuitOpenError`, `ExecutionRejectedError`). */
  readonly retryAfterMs?: number | undefined;
  /** Set by user rules only: wins over `x-should-retry` and the category default. */
  readonly retryable?: boolean | undefined;
  readonly severity?: Severity | undefined;
  readonly errorType?: string | undefined;
  readonly userMessage?: string | undefined;
}

/** The categories a nested error may bring to replace a heuristic verdict: all but `unknown` and `programming`. */
export const REFINABLE: readonly ErrorCategory[] = ERROR_CATEGORIES.filter(
  c => c !== 'unknown' && c !== 'programming',
);
