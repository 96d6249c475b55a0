import { type AttemptContext, SUCCEEDED } from '../core/attempt-context.js';
import { downstreamFailure, NEUTRAL } from '../core/attempt-outcome.js';
import { recordRejection } from '../core/rejection.js';
import type { AttemptNext, AttemptStage } from '../core/stage.js';
import { ExecutionRejectedError } from '../errors/signals.js';
import { ATTR_RESILIENCE_RATE_LIMITER, ERROR_CATEGORIES, type ErrorCategory } from '../semconv.js';
import { AttributeCache } from '../telemetry/attributes.js';
import { sleep } from '../util/abort.js';
import { OptionsValidator, withDefaults } from '../util/validate.js';
import { type Clock, monotonicNow } from './internal.js';

/**
 * The AWS SDKs' "adaptive" retry mode (`DefaultRateLimiter` of `@smithy/util-retry`): a client-side token bucket
 * that stays off until the first throttling error, then limits the sending rate with a CUBIC controller (cut to
 * `beta` × the measured rate on each throttle, grow back along a cubic curve on other responses).
 */
export interface AdaptiveRateLimiterOptions {
  /** Multiplicative decrease on a throttle. @default 0.7 */
  readonly beta?: number;
  /** CUBIC scaling constant. @default 0.4 */
  readonly scaleConstant?: number;
  /** Smoothing of the measured sending rate (weight of the newest sample). @default 0.8 */
  readonly smooth?: number;
  /** Slowest fill rate, in requests per second. @default 0.5 */
  readonly minFillRate?: number;
  /** Smallest bucket, in requests. @default 1 */
  readonly minCapacity?: number;
  /** Error categories that count as throttling. @default ['rate_limited', 'overloaded'] */
  readonly throttlingCategories?: readonly ErrorCategory[];
  /** Longest wait for a send token, in ms; a longer one rejects the attempt (`rate_limiter`). @default 60000 */
  readonly maxWaitMs?: number;
  /** Monotonic clock in ms. @default () => performance.now() */
  readonly now?: Clock;
}

/** Defaults of {@link AdaptiveRateLimiterOptions} (the AWS SDK's constants). */
export const ADAPTIVE_RATE_LIMITER_DEFAULTS = Object.freeze({
  beta: 0.7,
  scaleConstant: 0.4,
  smooth: 0.8,
  minFillRate: 0.5,
  minCapacity: 1,
  throttlingCategories: Object.freeze(['rate_limited', 'overloaded']) as readonly ErrorCategory[],
  maxWaitMs: 60_000,
});

/** What the monitoring API reports for an adaptive rate limiter. */
export interface AdaptiveRateLimiterSnapshot {
  readonly name: string;
  /** False until the first throttle: no limit at all. */
  readonly enabled: boolean;
  /** Allowed sending rate, requests per second. */
  readonly fillRate: number;
  /** Measured sending rate, requests per second (smoothed). */
  readonly measuredRate: number;
  readonly tokens: number;
  readonly throttles: number;
  /** Attempts that waited for a send token. */
  readonly delayed: number;
  /** Attempts refused because the wait exceeded `maxWaitMs` or the call's deadline. */
  readonly rejected: number;
}

type Settings = Required<Omit<AdaptiveRateLimiterOptions, 'now'>>;

/** Validates adaptive rate-limiter options into `v`. */
export function checkAdaptiveRateLimiterOptions(v: OptionsValidator, path: string, options: unknown): void {
  const o = v.object(path, options, [...Object.keys(ADAPTIVE_RATE_LIMITER_DEFAULTS), 'now']);
  const p = path === '' ? '' : `${path}.`;
  v.number(`${p}beta`, o.beta, { above: 0, below: 1 });
  v.number(`${p}scaleConstant`, o.scaleConstant, { above: 0 });
  v.number(`${p}smooth`, o.smooth, { above: 0, max: 1 });
  v.number(`${p}minFillRate`, o.minFillRate, { above: 0 });
  v.number(`${p}minCapacity`, o.minCapacity, { min: 1 });
  v.delay(`${p}maxWaitMs`, o.maxWaitMs);
  const categories = o.throttlingCategories;
  if (categories !== undefined && !Array.isArray(categories)) {
    v.fail(`${p}throttlingCategories`, 'an array of error categories', categories, true);
  } else if (Array.isArray(categories)) {
    for (const [i, c] of categories.entries()) v.oneOf(`${p}throttlingCategories[${i}]`, c, ERROR_CATEGORIES);
  }
  v.func(`${p}now`, o.now);
}

/**
 * Slows the sending of attempts after throttling, as the AWS SDKs' adaptive mode: in `createPolicy` every attempt
 * (original and retries) takes a send token, after the recovery admission and before the attempt timeout, and
 * every response adjusts the rate. Times are kept in seconds, as in the reference implementation.
 */
export class AdaptiveRateLimiter implements AttemptStage {
  private enabled = false;
  private tokens = 0;
  private fillRate: number;
  private maxCapacity: number;
  private lastRefill: number | undefined;
  private lastMaxRate = 0;
  private lastThrottle: number;
  private timeWindow = 0;
  private measuredRate = 0;
  private requestCount = 0;
  private lastRateBucket: number;
  private throttles = 0;
  private delayed = 0;
  private rejected = 0;
  private readonly settings: Settings;
  private readonly throttling: ReadonlySet<ErrorCategory>;
  private readonly attributes: AttributeCache;
  private readonly now: Clock;

  constructor(
    readonly name: string,
    options: AdaptiveRateLimiterOptions = {},
  ) {
    this.settings = withDefaults(ADAPTIVE_RATE_LIMITER_DEFAULTS, options);
    this.throttling = new Set(this.settings.throttlingCategories);
    this.attributes = new AttributeCache(name);
    this.now = options.now ?? monotonicNow;
    this.fillRate = this.settings.minFillRate;
    this.maxCapacity = this.settings.minCapacity;
    this.lastThrottle = this.seconds();
    this.lastRateBucket = Math.floor(this.seconds());
  }

  private seconds(): number {
    return this.now() / 1000;
  }

  private refill(): void {
    const t = this.seconds();
    if (this.lastRefill !== undefined && t > this.lastRefill) {
      this.tokens = Math.min(this.maxCapacity, this.tokens + (t - this.lastRefill) * this.fillRate);
    }
    this.lastRefill = t;
  }

  /** Learns from one response: a throttle cuts the rate, anything else lets it grow back. */
  update(throttled: boolean): void {
    const { beta, scaleConstant, smooth, minFillRate, minCapacity } = this.settings;
    const t = this.seconds();
    const bucket = Math.floor(t * 2) / 2;
    this.requestCount++;
    if (bucket > this.lastRateBucket) {
      const rate = this.requestCount / (bucket - this.lastRateBucket);
      this.measuredRate = rate * smooth + this.measuredRate * (1 - smooth);
      this.requestCount = 0;
      this.lastRateBucket = bucket;
    }
    let rate: number;
    if (throttled) {
      this.throttles++;
      const base = this.enabled ? Math.min(this.measuredRate, this.fillRate) : this.measuredRate;
      this.lastMaxRate = base;
      this.timeWindow = ((base * (1 - beta)) / scaleConstant) ** (1 / 3);
      this.lastThrottle = t;
      rate = base * beta;
      this.enabled = true;
    } else {
      this.timeWindow = ((this.lastMaxRate * (1 - beta)) / scaleConstant) ** (1 / 3);
      rate = scaleConstant * (t - this.lastThrottle - this.timeWindow) ** 3 + this.lastMaxRate;
    }
    const next = Math.min(rate, 2 * this.measuredRate);
    this.refill();
    this.fillRate = Math.max(next, minFillRate);
    this.maxCapacity = Math.max(next, minCapacity);
    this.tokens = Math.min(this.tokens, this.maxCapacity);
  }

  /** @internal The pipeline stage (inside the retry loop). */
  runAttempt(attempt: AttemptContext, next: AttemptNext): Promise<unknown> {
    const call = attempt.call;
    if (!this.enabled) return this.observe(attempt, next);
    this.refill();
    const waitMs = this.tokens >= 1 ? 0 : ((1 - this.tokens) / this.fillRate) * 1000;
    if (waitMs === 0) {
      this.tokens -= 1;
      return this.observe(attempt, next);
    }
    if (waitMs > this.settings.maxWaitMs || Date.now() + Math.ceil(waitMs) >= call.deadline) {
      this.rejected++;
      recordRejection(call, this.attributes, 'rate_limiter', { [ATTR_RESILIENCE_RATE_LIMITER]: this.name });
      const wait = Math.ceil(waitMs);
      return Promise.reject(
        new ExecutionRejectedError('rate_limiter', `Adaptive rate limit: next send token in ${wait}ms`, {
          retryAfterMs: wait,
        }),
      );
    }
    this.tokens -= 1;
    this.delayed++;
    return sleep(Math.ceil(waitMs), attempt.signal).then(
      () => this.observe(attempt, next),
      (reason: unknown) => {
        this.tokens = Math.min(this.maxCapacity, this.tokens + 1);
        throw reason;
      },
    );
  }

  private observe(attempt: AttemptContext, next: AttemptNext): Promise<unknown> {
    return next(attempt).then(
      value => {
        // A committed stream teaches the controller how it ended (an overloaded frame mid-stream is a throttle).
        if (attempt.deferred) attempt.onFinish(cause => this.learn(attempt, cause));
        else this.update(false);
        return value;
      },
      (error: unknown) => {
        this.learn(attempt, error);
        throw error;
      },
    );
  }

  /** Updates the controller from an attempt's end: `SUCCEEDED` or its failure. */
  private learn(attempt: AttemptContext, outcome: unknown): void {
    if (outcome === SUCCEEDED) {
      this.update(false);
      return;
    }
    const cause = downstreamFailure(attempt, outcome);
    // Only responses of the downstream teach the controller: not a cancellation, not a rejection before it.
    if (cause !== NEUTRAL) this.update(this.throttling.has(attempt.call.runtime.classify(cause).category));
  }

  /** State and counters for dashboards and the monitoring API. */
  snapshot(): AdaptiveRateLimiterSnapshot {
    if (this.enabled) this.refill();
    return {
      name: this.name,
      enabled: this.enabled,
      fillRate: this.fillRate,
      measuredRate: this.measuredRate,
      tokens: this.tokens,
      throttles: this.throttles,
      delayed: this.delayed,
      rejected: this.rejected,
    };
  }
}

/**
 * Creates an adaptive (AWS-style) client-side rate limiter to share between the policies of one downstream:
 * `createPolicy(name, { adaptiveRateLimiter })`.
 *
 * @example
 * const bedrock = createAdaptiveRateLimiter('bedrock');
 * const chat = createPolicy('bedrock.chat', { retry: { maxRetries: 3 }, adaptiveRateLimiter: bedrock });
 */
export function createAdaptiveRateLimiter(
  name: string,
  options: AdaptiveRateLimiterOptions = {},
): AdaptiveRateLimiter {
  const v = OptionsValidator.forNamed('createAdaptiveRateLimiter', name);
  checkAdaptiveRateLimiterOptions(v, '', options);
  v.done();
  return new AdaptiveRateLimiter(name, options);
}
