import type { ClassifiedError } from '../classify/types.js';
import type { RetryInfo } from '../core/execute-options.js';
import { ATTR_RESILIENCE_RETRY_BUDGET, ERROR_CATEGORIES, type ErrorCategory } from '../semconv.js';
import type { OptionsValidator } from '../util/validate.js';
import type { BackoffSettings, Jitter } from './backoff.js';

export type { RetryInfo } from '../core/execute-options.js';

/** A shared retry budget consulted before every retry (see `createRetryBudget`). */
export interface RetryBudgetGate {
  /** Budget name, reported as {@link ATTR_RESILIENCE_RETRY_BUDGET}. */
  readonly name: string;
  /** Called once per logical call, before its first attempt. */
  onCall(): void;
  /** Called after every attempt. */
  onAttemptResult(success: boolean): void;
  /** Asks for one retry; `false` denies it and the call ends with reason `budget_exhausted`. */
  tryAcquireRetry(): boolean;
}

/** Supplies the current maximum number of retries and learns from call results (adaptive retry). */
export interface RetryLimit {
  current(): number;
  onCallResult(success: boolean): void;
}

/** Per-category overrides of the retry settings. */
export interface CategoryRetryOptions {
  /** Overrides the classifier's `retryable` for this category. */
  readonly retryable?: boolean;
  readonly maxRetries?: number;
  readonly initialDelayMs?: number;
  readonly maxDelayMs?: number;
  readonly multiplier?: number;
  readonly jitter?: Jitter;
}

/**
 * Retry settings. `maxRetries` counts RETRIES, not attempts: `maxRetries: 3` makes up to 4 calls (as in
 * cockatiel's `maxAttempts` and Polly's `MaxRetryAttempts`). A retry waits the larger of the backoff and the
 * server's Retry-After; if Retry-After exceeds `maxRetryAfterMs` the call gives up at once with reason
 * `retry_after_too_long`, so a fallback can serve.
 */
export interface RetryOptions {
  /** Retries after the original attempt. @default 3 */
  readonly maxRetries?: number;
  /** Base delay of the first retry, in ms. @default 500 */
  readonly initialDelayMs?: number;
  /** Cap of any backoff delay, in ms (Retry-After may exceed it up to `maxRetryAfterMs`). @default 30000 */
  readonly maxDelayMs?: number;
  /** Exponent base: the n-th retry waits up to `initialDelayMs * multiplier^n`. @default 2 */
  readonly multiplier?: number;
  /** Jitter strategy. @default 'full' */
  readonly jitter?: Jitter;
  /** Longest Retry-After we wait for; longer ones give up with `retry_after_too_long`. @default 60000 */
  readonly maxRetryAfterMs?: number;
  /**
   * Per-category overrides, merged over the defaults `{ rate_limited: { multiplier: 3 } }` (rate limits back
   * off 3^n, everything else 2^n).
   */
  readonly categories?: Partial<Record<ErrorCategory, CategoryRetryOptions>>;
  /** Final say on whether to retry, after the category's retryability. A throw counts as "no opinion". */
  readonly shouldRetry?: (error: ClassifiedError, attempt: number) => boolean;
  /** Called before each retry's wait (e.g. to show "retry 2 of 3" in a UI). A throw is reported, not raised. */
  readonly onRetry?: (info: RetryInfo) => void;
  /** Shared retry budget asked before every retry. */
  readonly budget?: RetryBudgetGate;
  /** Adaptive limit that replaces `maxRetries` (see `createAdaptiveRetryLimit`). */
  readonly limit?: RetryLimit;
}

/** Defaults of {@link RetryOptions}. */
export const RETRY_DEFAULTS = Object.freeze({
  maxRetries: 3,
  initialDelayMs: 500,
  maxDelayMs: 30_000,
  multiplier: 2,
  jitter: 'full' as Jitter,
  maxRetryAfterMs: 60_000,
  categories: Object.freeze({ rate_limited: Object.freeze({ multiplier: 3 }) }) as Partial<
    Record<ErrorCategory, CategoryRetryOptions>
  >,
});

/** Effective settings for one category. */
export interface CategoryRetrySettings {
  readonly retryable: boolean | undefined;
  readonly maxRetries: number | undefined;
  readonly backoff: BackoffSettings;
}

/** Resolved, validated retry configuration. */
export interface RetryConfig {
  readonly maxRetries: number;
  readonly maxRetryAfterMs: number;
  /** Backoff of categories without overrides. */
  readonly backoff: BackoffSettings;
  /** Settings of categories with overrides. */
  readonly byCategory: ReadonlyMap<ErrorCategory, CategoryRetrySettings>;
  readonly shouldRetry: RetryOptions['shouldRetry'];
  readonly onRetry: RetryOptions['onRetry'];
  readonly budget: RetryBudgetGate | undefined;
  readonly limit: RetryLimit | undefined;
}

const KEYS = [
  'maxRetries',
  'initialDelayMs',
  'maxDelayMs',
  'multiplier',
  'jitter',
  'maxRetryAfterMs',
  'categories',
  'shouldRetry',
  'onRetry',
  'budget',
  'limit',
] as const;
const CATEGORY_KEYS = [
  'retryable',
  'maxRetries',
  'initialDelayMs',
  'maxDelayMs',
  'multiplier',
  'jitter',
] as const;
const JITTERS: readonly Jitter[] = ['full', 'equal', 'decorrelated', 'none'];

function checkBackoff(v: OptionsValidator, path: string, o: Record<string, unknown>): void {
  v.number(`${path}maxRetries`, o.maxRetries, { min: 0, integer: true, allowInfinity: true });
  v.delay(`${path}initialDelayMs`, o.initialDelayMs);
  v.delay(`${path}maxDelayMs`, o.maxDelayMs);
  v.number(`${path}multiplier`, o.multiplier, { min: 1 });
  v.oneOf(`${path}jitter`, o.jitter, JITTERS);
}

/** Validates retry options (problems go to `v`) and resolves them against {@link RETRY_DEFAULTS}. */
export function resolveRetryOptions(v: OptionsValidator, path: string, options: unknown): RetryConfig {
  const o = v.object(path, options, KEYS);
  checkBackoff(v, `${path}.`, o);
  v.delay(`${path}.maxRetryAfterMs`, o.maxRetryAfterMs);
  v.func(`${path}.shouldRetry`, o.shouldRetry);
  v.func(`${path}.onRetry`, o.onRetry);
  const categories = v.object(`${path}.categories`, o.categories, ERROR_CATEGORIES);
  for (const [category, value] of Object.entries(categories)) {
    const c = v.object(`${path}.categories.${category}`, value, CATEGORY_KEYS);
    checkBackoff(v, `${path}.categories.${category}.`, c);
    v.boolean(`${path}.categories.${category}.retryable`, c.retryable);
  }
  for (const [key, method] of [
    ['budget', 'tryAcquireRetry'],
    ['limit', 'current'],
  ] as const) {
    const value = o[key] as Record<string, unknown> | undefined;
    if (value !== undefined && typeof value?.[method] !== 'function') {
      v.fail(`${path}.${key}`, `an object with a ${method}() method`, value, true);
    }
  }
  const r = o as RetryOptions;
  const merged: Partial<Record<ErrorCategory, CategoryRetryOptions>> = { ...RETRY_DEFAULTS.categories };
  for (const [category, value] of Object.entries(r.categories ?? {}) as [
    ErrorCategory,
    CategoryRetryOptions,
  ][]) {
    merged[category] = { ...merged[category], ...value };
  }
  const global: BackoffSettings = {
    initialDelayMs: r.initialDelayMs ?? RETRY_DEFAULTS.initialDelayMs,
    maxDelayMs: r.maxDelayMs ?? RETRY_DEFAULTS.maxDelayMs,
    multiplier: r.multiplier ?? RETRY_DEFAULTS.multiplier,
    jitter: r.jitter ?? RETRY_DEFAULTS.jitter,
  };
  const byCategory = new Map<ErrorCategory, CategoryRetrySettings>();
  for (const [category, c] of Object.entries(merged) as [ErrorCategory, CategoryRetryOptions][]) {
    byCategory.set(category, {
      retryable: c.retryable,
      maxRetries: c.maxRetries,
      backoff: {
        initialDelayMs: c.initialDelayMs ?? global.initialDelayMs,
        maxDelayMs: c.maxDelayMs ?? global.maxDelayMs,
        multiplier: c.multiplier ?? global.multiplier,
        jitter: c.jitter ?? global.jitter,
      },
    });
  }
  return {
    maxRetries: r.maxRetries ?? RETRY_DEFAULTS.maxRetries,
    maxRetryAfterMs: r.maxRetryAfterMs ?? RETRY_DEFAULTS.maxRetryAfterMs,
    backoff: global,
    byCategory,
    shouldRetry: r.shouldRetry,
    onRetry: r.onRetry,
    budget: r.budget,
    limit: r.limit,
  };
}
