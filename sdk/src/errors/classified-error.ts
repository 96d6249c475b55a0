import type { ErrorCategory, Severity } from '../semconv.js';
import { errorMarker } from './marker.js';

/**
 * The marker chaos injection puts on every error it throws (a non-enumerable property set to `true`): the
 * classifier reads it into {@link ClassifiedError.injected}. Defined here, below the classifier and the chaos code,
 * so both see the same symbol; it is `Symbol.for`, so it survives duplicate installs of the package.
 */
export const CHAOS_INJECTED: symbol = errorMarker('ChaosInjected');

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
   * Set (always `true`) when chaos injection produced the failure: the error that was thrown, or the one that
   * decided its classification (e.g. a wrapped `cause`), carries {@link CHAOS_INJECTED}. Every other field is what
   * the real provider error would give, so retries and fallbacks behave as in production; telemetry uses this
   * flag to label the failure as rehearsed. Absent on real failures.
   */
  readonly injected?: true;
  /**
   * The original thrown value, unredacted. Non-enumerable on the classifications this package builds, so
   * `JSON.stringify`, structured loggers and `{ ...classified }` leave it out: pass it on explicitly.
   */
  readonly cause: unknown;
}
