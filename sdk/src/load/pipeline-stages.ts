import type { Classifier } from '../classify/types.js';
import { cachedClassifier } from '../core/cached-classifier.js';
import type { PolicyRegistry } from '../core/registry.js';
import type { CircuitBreaker } from '../policies/circuit-breaker.js';
import { OptionsValidator } from '../util/validate.js';
import {
  AdaptiveRateLimiter,
  type AdaptiveRateLimiterOptions,
  checkAdaptiveRateLimiterOptions,
} from './adaptive-rate-limiter.js';
import { RateLimiter } from './rate-limiter.js';
import { checkRateLimiterOptions, type RateLimiterOptions } from './rate-limiter-options.js';
import { RecoveryManager } from './recovery-manager.js';
import { checkRecoveryOptions, type RecoveryOptions } from './recovery-options.js';

/** The load-shedding parts of `PolicyOptions`: settings for an inline instance, or a shared instance. */
export interface LoadPolicyOptions {
  /**
   * Rate limit on logical calls (retries take no permit), for the whole policy or per `rateLimitKey` of
   * `execute`; settings or a shared `createRateLimiter` instance. Runs after the bulkhead.
   */
  readonly rateLimiter?: RateLimiterOptions | RateLimiter;
  /**
   * Recovery admission (traffic ramp and health checks) of the downstream, inside the circuit breaker: settings
   * (an inline manager follows the policy's breaker) or a shared `createRecoveryManager` instance.
   */
  readonly recovery?: RecoveryOptions | RecoveryManager;
  /**
   * Client-side adaptive rate limiter (AWS adaptive retry mode): every attempt takes a send token once the
   * downstream has throttled; settings or a shared `createAdaptiveRateLimiter` instance.
   */
  readonly adaptiveRateLimiter?: AdaptiveRateLimiterOptions | AdaptiveRateLimiter;
}

/** Option keys of {@link LoadPolicyOptions}. */
export const LOAD_POLICY_KEYS = ['rateLimiter', 'recovery', 'adaptiveRateLimiter'] as const;

/** Validates the load-shedding options of `createPolicy` into `v` (shared instances pass as they are). */
export function checkLoadPolicyOptions(v: OptionsValidator, o: Record<string, unknown>): void {
  if (o.rateLimiter !== undefined && !(o.rateLimiter instanceof RateLimiter)) {
    checkRateLimiterOptions(v, 'rateLimiter', o.rateLimiter);
  }
  if (o.recovery !== undefined && !(o.recovery instanceof RecoveryManager)) {
    checkRecoveryOptions(v, 'recovery', o.recovery);
  }
  if (o.adaptiveRateLimiter !== undefined && !(o.adaptiveRateLimiter instanceof AdaptiveRateLimiter)) {
    checkAdaptiveRateLimiterOptions(v, 'adaptiveRateLimiter', o.adaptiveRateLimiter);
  }
}

/** The load-shedding stages of one policy, and what its `dispose()` must undo. */
export interface LoadStages {
  readonly rateLimiter: RateLimiter | undefined;
  readonly recovery: RecoveryManager | undefined;
  readonly adaptiveRateLimiter: AdaptiveRateLimiter | undefined;
  /** Disposes the inline instances (shared ones belong to their creator). */
  readonly disposables: ReadonlyArray<() => void>;
  /** Registers the inline instances under the policy's name; returns the functions that unregister them. */
  register(registry: PolicyRegistry): Array<() => void>;
}

/**
 * Builds the stages for validated options. Inline instances take the policy's name and are disposed with it; an
 * inline recovery manager follows the policy's circuit breaker unless given one.
 */
export function buildLoadStages(
  name: string,
  options: LoadPolicyOptions,
  classify: Classifier,
  breaker: CircuitBreaker | undefined,
): LoadStages {
  const disposables: Array<() => void> = [];
  const rl = options.rateLimiter;
  const inlineLimiter =
    rl === undefined || rl instanceof RateLimiter
      ? undefined
      : new RateLimiter(name, checkRateLimiterOptions(new OptionsValidator(name), '', rl), rl.now);
  const rec = options.recovery;
  let inlineRecovery: RecoveryManager | undefined;
  if (rec !== undefined && !(rec instanceof RecoveryManager)) {
    const follow = rec.circuitBreaker === undefined && breaker !== undefined;
    inlineRecovery = new RecoveryManager(
      name,
      follow ? { ...rec, circuitBreaker: breaker } : rec,
      rec.classifier === undefined ? classify : cachedClassifier(rec.classifier),
    );
    const manager = inlineRecovery;
    disposables.push(() => manager.dispose());
  }
  const arl = options.adaptiveRateLimiter;
  return {
    rateLimiter: inlineLimiter ?? (rl as RateLimiter | undefined),
    recovery: inlineRecovery ?? (rec as RecoveryManager | undefined),
    adaptiveRateLimiter:
      arl === undefined || arl instanceof AdaptiveRateLimiter ? arl : new AdaptiveRateLimiter(name, arl),
    disposables,
    register(registry) {
      const leave: Array<() => void> = [];
      if (inlineLimiter !== undefined) leave.push(registry.register('rateLimiter', inlineLimiter));
      if (inlineRecovery !== undefined) leave.push(registry.register('recovery', inlineRecovery));
      return leave;
    },
  };
}
