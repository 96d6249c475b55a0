import type { ErrorCategory, Severity } from '../semconv.js';

/**
 * What a failure means: the result of classifying anything a call threw. Defined here, below the classifier,
 * because the final call errors carry one; `classify/types.ts` re-exports it.
 */
export interface ClassifiedError {
  /** Category from the taxonomy (DESIGN.md §4). */
  readonly category: ErrorCategory;
  /** How bad it is: low | medium | high | critical. */
  readonly severity: Severity;
  /** Whether retrying can help. Retry strategies may override per category. */
  readonly retryable: boolean;
  /** How long the server asked us to wait, from headers, body or message, capped by `retryAfterCapMs`. */
  readonly retryAfterMs?: number;
  /** Low-cardinality error type for `error.type`: class name or code, `_OTHER` as fallback, never the message. */
  readonly errorType: string;
  /** HTTP status, when the error carries one. */
  readonly statusCode?: number;
  /** Provider or system error code (`insufficient_quota`, `ECONNRESET`), when the error carries one. */
  readonly code?: string;
  /** The error's message, redacted (no API keys, tokens, control characters), one line, at most 512 characters. */
  readonly message: string;
  /** A message safe to show an end user ("The AI service is busy, retrying…"). */
  readonly userMessage: string;
  /**
   * The original thrown value, unredacted. Non-enumerable on the classifications this package builds, so
   * `JSON.stringify`, structured loggers and `{ ...classified }` leave it out: pass it on explicitly.
   */
  readonly cause: unknown;
}
