import type { Attributes } from '@opentelemetry/api';
import type { ClassifiedError, Classifier } from '../classify/types.js';
import { ATTR_RESILIENCE_FEATURE, type FeatureChangeReason } from '../semconv.js';
import { MAX_TIMER_MS } from '../util/timers.js';
import { describeValue } from '../util/validate.js';
import { FEATURE_DEFAULTS, type FeatureOptions } from './feature-options.js';
import type { Clock } from './internal.js';
import { RollingCounter } from './rolling-window.js';

export type { FeatureOptions } from './feature-options.js';

/** Per-call options of a feature's `execute`. */
export interface FeatureCallOptions {
  /** The caller's signal: a failure after it aborted is a cancellation, not an error of the feature. */
  readonly signal?: AbortSignal;
}

/** What the monitoring API reports for a feature. */
export interface FeatureSnapshot {
  readonly name: string;
  readonly enabled: boolean;
  /** Why it is disabled; null while enabled. */
  readonly disabledReason: FeatureChangeReason | null;
  /** Milliseconds until an automatic re-enable; null when enabled or disabled until `enable()`. */
  readonly reenableInMs: number | null;
  readonly errorsInWindow: number;
  /** Calls served by the fallback since creation. */
  readonly fallbacks: number;
  readonly config: Readonly<Record<string, number | boolean>>;
}

interface FeatureSettings {
  readonly errorThreshold: number;
  readonly windowMs: number;
  readonly cooldownMs: number;
  readonly rethrow: boolean;
  readonly disabled: boolean;
}

/** One degradable feature of a `FeatureRegistry`. */
export class Feature<T> {
  readonly fallback: T;
  /** @internal The frozen {@link ATTR_RESILIENCE_FEATURE} gauge attributes. */
  readonly attributes: Attributes;
  private disabledReason: FeatureChangeReason | null = null;
  private disabledUntil = Number.POSITIVE_INFINITY;
  private fallbacks = 0;
  private readonly errors: RollingCounter;
  private readonly settings: FeatureSettings;
  private readonly counts: (error: ClassifiedError) => boolean;

  constructor(
    readonly name: string,
    options: FeatureOptions<T>,
    private readonly now: Clock,
    private readonly classify: Classifier,
    private readonly changed: (change: {
      feature: string;
      enabled: boolean;
      reason: FeatureChangeReason;
      at: number;
    }) => void,
  ) {
    this.fallback = options.fallback;
    this.attributes = Object.freeze({ [ATTR_RESILIENCE_FEATURE]: name });
    const d = FEATURE_DEFAULTS;
    this.settings = {
      errorThreshold: options.errorThreshold ?? d.errorThreshold,
      windowMs: options.windowMs ?? d.windowMs,
      cooldownMs: options.cooldownMs ?? d.cooldownMs,
      rethrow: options.rethrow ?? d.rethrow,
      disabled: options.disabled ?? d.disabled,
    };
    this.errors = new RollingCounter(this.settings.windowMs, 10, 1, now);
    const count = options.countErrors;
    this.counts =
      count === undefined
        ? e => e.category !== 'cancelled'
        : typeof count === 'function'
          ? count
          : e => count.includes(e.category);
    if (this.settings.disabled) this.disabledReason = 'manual';
  }

  /** Whether the feature runs (a cool-down that has elapsed re-enables it when read). */
  get enabled(): boolean {
    if (this.disabledReason !== null && this.now() >= this.disabledUntil) this.set(null, 'cooldown_elapsed');
    return this.disabledReason === null;
  }

  /** Disables the feature until {@link enable} (or, with `forMs`, for that long). */
  disable(forMs?: number, reason: FeatureChangeReason = 'manual'): void {
    if (forMs !== undefined && !(typeof forMs === 'number' && forMs >= 0 && forMs <= MAX_TIMER_MS)) {
      throw new RangeError(
        `Feature "${this.name}".disable: forMs must be a number in [0, ${MAX_TIMER_MS}] or undefined, got ${describeValue(forMs)}`,
      );
    }
    // An automatic disable never overrides (nor shortens) a manual one.
    if (this.disabledReason === 'manual' && reason !== 'manual') return;
    this.disabledUntil = forMs === undefined ? Number.POSITIVE_INFINITY : this.now() + forMs;
    if (this.disabledReason !== reason) this.set(reason, reason);
  }

  /** Enables the feature and forgets its recent errors. */
  enable(reason: FeatureChangeReason = 'manual'): void {
    if (this.disabledReason !== null) this.set(null, reason);
  }

  /** @internal Re-enables the feature only if `reason` disabled it (an error pattern cleared). */
  enableIfDisabledBy(reason: FeatureChangeReason): void {
    if (this.disabledReason === reason) this.set(null, reason);
  }

  private set(disabled: FeatureChangeReason | null, reason: FeatureChangeReason): void {
    this.disabledReason = disabled;
    if (disabled === null) {
      this.disabledUntil = Number.POSITIVE_INFINITY;
      this.errors.reset();
    }
    this.changed({ feature: this.name, enabled: disabled === null, reason, at: Date.now() });
  }

  /** Counts one error of the feature (done by {@link execute}); may disable it for `cooldownMs`. */
  recordError(error: unknown): void {
    const classified = this.classify(error);
    if (!this.counts(classified) || this.disabledReason !== null) return;
    this.errors.add(0);
    if (this.errors.total(0) >= this.settings.errorThreshold) {
      this.disable(this.settings.cooldownMs, 'error_threshold');
    }
  }

  /**
   * Runs `fn` while enabled, else resolves the fallback; a failure counts and serves the fallback. Once the
   * caller's `signal` has aborted, a failure is the caller's cancellation: it is rethrown, never counted.
   */
  async execute(fn: () => T | PromiseLike<T>, options: FeatureCallOptions = {}): Promise<T> {
    if (!this.enabled) {
      this.fallbacks++;
      return this.fallback;
    }
    try {
      return await fn();
    } catch (error) {
      if (options.signal?.aborted === true) throw error;
      this.recordError(error);
      if (this.settings.rethrow) throw error;
      this.fallbacks++;
      return this.fallback;
    }
  }

  snapshot(): FeatureSnapshot {
    const enabled = this.enabled;
    const { errorThreshold, windowMs, cooldownMs, rethrow } = this.settings;
    return {
      name: this.name,
      enabled,
      disabledReason: this.disabledReason,
      reenableInMs: Number.isFinite(this.disabledUntil) ? Math.max(0, this.disabledUntil - this.now()) : null,
      errorsInWindow: this.errors.total(0),
      fallbacks: this.fallbacks,
      config: { errorThreshold, windowMs, cooldownMs, rethrow },
    };
  }
}
