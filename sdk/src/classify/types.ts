import type { ClassifiedError } from '../errors/classified-error.js';
import type { ErrorCategory, Severity } from '../semconv.js';

export type { ClassifiedError };

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
  /**
   * Matches the (unredacted) message, its first `CLASSIFY_DEFAULTS.maxScanLength` characters: a RegExp, or a
   * case-insensitive substring.
   */
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
