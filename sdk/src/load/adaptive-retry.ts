import type { RetryLimit } from '../policies/retry-options.js';
import { RETRY_DEFAULTS } from '../policies/retry-options.js';
import { METRIC_ADAPTIVE_RETRY_MAX_ATTEMPTS } from '../semconv.js';
import { AttributeCache } from '../telemetry/attributes.js';
import { OptionsValidator, withDefaults } from '../util/validate.js';
import { registerGauges } from './internal.js';

/**
 * Options of {@link createAdaptiveRetryLimit}. The limit is kept in ATTEMPTS (the original call included, as
 * gRPC's and the AWS SDKs' `maxAttempts`), so its bounds mean what they say: at worst 1 attempt (no retries at
 * all while the downstream keeps failing), at best twice the configured attempts. `current()` hands the retry
 * strategy `attempts − 1` retries.
 */
export interface AdaptiveRetryOptions {
  /** Attempts (original + retries) to start from; the limit stays within [1, 2 × maxAttempts]. @default 4 (= `RETRY_DEFAULTS.maxRetries` + 1) */
  readonly maxAttempts?: number;
  /** Consecutive failed calls after which the limit drops by one attempt. @default 5 */
  readonly shrinkAfterFailures?: number;
  /** Consecutive successful calls after which the limit grows by one attempt. @default 10 */
  readonly growAfterSuccesses?: number;
}

/** Defaults of {@link AdaptiveRetryOptions}. */
export const ADAPTIVE_RETRY_DEFAULTS = Object.freeze({
  maxAttempts: RETRY_DEFAULTS.maxRetries + 1,
  shrinkAfterFailures: 5,
  growAfterSuccesses: 10,
});

/** What the monitoring API reports for an adaptive retry limit. */
export interface AdaptiveRetrySnapshot {
  readonly name: string;
  readonly maxAttempts: number;
  readonly minAttempts: 1;
  readonly maxAttemptsCeiling: number;
  readonly consecutiveFailures: number;
  readonly consecutiveSuccesses: number;
}

/**
 * A retry limit that learns from call results (pass it as `retry: { limit }`; it replaces `maxRetries`, while
 * per-category `maxRetries` still win). After `shrinkAfterFailures` consecutive failed calls the maximum drops by
 * one attempt, after `growAfterSuccesses` consecutive successes it grows by one. Gauge:
 * {@link METRIC_ADAPTIVE_RETRY_MAX_ATTEMPTS} (by policy name), in attempts.
 */
export class AdaptiveRetryLimit implements RetryLimit {
  private attempts: number;
  private failures = 0;
  private successes = 0;
  private readonly ceiling: number;
  private readonly gauge: { dispose(): void };

  constructor(
    readonly name: string,
    private readonly options: Required<AdaptiveRetryOptions>,
  ) {
    this.attempts = options.maxAttempts;
    this.ceiling = 2 * options.maxAttempts;
    const attributes = new AttributeCache(name).base;
    this.gauge = registerGauges({
      observers: { adaptiveRetryMaxAttempts: report => report(this.attempts, attributes) },
    });
  }

  /** Current maximum attempts, the original call included. */
  get maxAttempts(): number {
    return this.attempts;
  }

  /** Current maximum retries (`maxAttempts − 1`), as the retry strategy asks for it. */
  current(): number {
    return this.attempts - 1;
  }

  onCallResult(success: boolean): void {
    if (success) {
      this.failures = 0;
      if (++this.successes >= this.options.growAfterSuccesses) {
        this.successes = 0;
        this.attempts = Math.min(this.ceiling, this.attempts + 1);
      }
    } else {
      this.successes = 0;
      if (++this.failures >= this.options.shrinkAfterFailures) {
        this.failures = 0;
        this.attempts = Math.max(1, this.attempts - 1);
      }
    }
  }

  snapshot(): AdaptiveRetrySnapshot {
    return {
      name: this.name,
      maxAttempts: this.attempts,
      minAttempts: 1,
      maxAttemptsCeiling: this.ceiling,
      consecutiveFailures: this.failures,
      consecutiveSuccesses: this.successes,
    };
  }

  /** Stops reporting the gauge. */
  dispose(): void {
    this.gauge.dispose();
  }
}

/**
 * Creates an adaptive retry limit (see {@link AdaptiveRetryLimit}); share it between the policies of one
 * downstream so they learn together.
 *
 * @example
 * const limit = createAdaptiveRetryLimit('openai', { maxAttempts: 4 });
 * const chat = createPolicy('openai.chat', { retry: { limit } });
 */
export function createAdaptiveRetryLimit(
  name: string,
  options: AdaptiveRetryOptions = {},
): AdaptiveRetryLimit {
  const v = OptionsValidator.forNamed('createAdaptiveRetryLimit', name);
  const o = v.object('', options, ['maxAttempts', 'shrinkAfterFailures', 'growAfterSuccesses']);
  v.number('maxAttempts', o.maxAttempts, { min: 1, max: 1000, integer: true });
  v.number('shrinkAfterFailures', o.shrinkAfterFailures, { min: 1, integer: true });
  v.number('growAfterSuccesses', o.growAfterSuccesses, { min: 1, integer: true });
  v.done();
  return new AdaptiveRetryLimit(name, withDefaults(ADAPTIVE_RETRY_DEFAULTS, options));
}
