import type { ErrorCategory, Severity } from '../semconv.js';

/** What a failure means: the result of classifying anything a call threw. */
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
  /** The original thrown value. */
  readonly cause: unknown;
}

/** Classifies anything thrown. Pure: the same input gives the same output. */
export type Classifier = (error: unknown) => ClassifiedError;

/** A class, matched with `instanceof` or by name along the prototype chain. */
// biome-ignore lint/suspicious/noExplicitAny: constructors of any signature are accepted.
export type ErrorClass = abstract new (...args: any[]) => unknown;

/**
 * A user rule. Every matcher given must match (at least one is required); the first matching rule wins, and
 * user rules run before the built-in ones. Fields other than matchers set the result; unset ones come from the
 * category's defaults.
 */
export interface ClassificationRule {
  /** Name shown in validation errors. */
  readonly name?: string;
  /** Matches an error class: a constructor (`instanceof`) or a class name anywhere in the prototype chain. */
  readonly errorClass?: ErrorClass | string;
  /** Matches the HTTP status: one, a list, or an inclusive range. */
  readonly status?: number | readonly number[] | { readonly min: number; readonly max: number };
  /** Matches the error code (`error.code`, body `error.code`/`type`, `cause.code`): one or a list. */
  readonly code?: string | readonly string[];
  /** Matches the (unredacted) message: a RegExp, or a case-insensitive substring. */
  readonly message?: RegExp | string;
  /** Matches when it returns true. A throwing predicate does not match (and is reported through `diag`). */
  readonly test?: (error: unknown) => boolean;
  /** Category to assign. */
  readonly category: ErrorCategory;
  /** Overrides the category's default severity. */
  readonly severity?: Severity;
  /** Overrides the category's default retryability. */
  readonly retryable?: boolean;
  /** Overrides the derived `errorType` (must itself be low-cardinality). */
  readonly errorType?: string;
  /** Overrides the category's user message. */
  readonly userMessage?: string;
}

/** Per-category defaults: severity, retryability and the end-user message. */
export interface CategoryDefaults {
  readonly severity: Severity;
  readonly retryable: boolean;
  readonly userMessage: string;
}

/** Options of {@link createClassifier}. */
export interface ClassifierOptions {
  /** Rules that run before the built-in ones; first match wins. @default [] */
  readonly rules?: readonly ClassificationRule[];
  /** Overrides of per-category defaults, e.g. `{ unknown: { retryable: false } }`. @default {} */
  readonly defaults?: Partial<Record<ErrorCategory, Partial<CategoryDefaults>>>;
  /** Retry-After values above this are clamped to it. @default 86_400_000 (one day) */
  readonly retryAfterCapMs?: number;
}
