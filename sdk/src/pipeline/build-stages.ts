import type { Classifier } from '../classify/types.js';
import { cachedClassifier } from '../core/cached-classifier.js';
import type { AttemptNext, AttemptStage, CallStage } from '../core/stage.js';
import type { AdaptiveRateLimiter } from '../load/adaptive-rate-limiter.js';
import { buildLoadStages, type LoadStages } from '../load/pipeline-stages.js';
import type { RateLimiter } from '../load/rate-limiter.js';
import type { RecoveryManager } from '../load/recovery-manager.js';
import { BulkheadStage } from '../policies/bulkhead.js';
import { CircuitBreaker } from '../policies/circuit-breaker.js';
import { type FallbackEvent, FallbackStage } from '../policies/fallback.js';
import { HedgingStage } from '../policies/hedging.js';
import { AttemptTimeoutStage, TotalTimeoutStage } from '../policies/timeout.js';
import type { ResolvedPolicyOptions } from './options.js';

/** The stages of one policy, in pipeline order, and the shared pieces it exposes. */
export interface PolicyStages {
  /** Outside the retry loop, outer to inner: fallback, bulkhead, rate limiter, total timeout. */
  readonly call: readonly CallStage[];
  /** Inside the retry loop, outer to inner: hedging, breaker, recovery admission, adaptive limiter, attempt timeout. */
  readonly attempt: readonly AttemptStage[];
  readonly circuitBreaker: CircuitBreaker | undefined;
  /** True when the breaker was built from settings (the policy owns and disposes it). */
  readonly inlineBreaker: boolean;
  readonly rateLimiter: RateLimiter | undefined;
  readonly recovery: RecoveryManager | undefined;
  readonly adaptiveRateLimiter: AdaptiveRateLimiter | undefined;
  readonly load: LoadStages;
}

/**
 * Builds the stages of validated options in the order of DESIGN §3: fallback → bulkhead → rate limiter → total
 * timeout → [retry] → hedging → circuit breaker → recovery admission → adaptive rate limiter → attempt timeout.
 * `invoke` is the innermost step (runs `fn` or opens its stream), which hedges to a target's own breaker end in.
 */
export function buildStages<F>(
  name: string,
  resolved: ResolvedPolicyOptions<F>,
  classify: Classifier,
  onFallback: (event: FallbackEvent) => void,
  invoke: AttemptNext,
): PolicyStages {
  const cb = resolved.circuitBreaker;
  const inlineBreaker = cb !== undefined && !(cb instanceof CircuitBreaker);
  const circuitBreaker =
    cb === undefined
      ? undefined
      : cb instanceof CircuitBreaker
        ? cb
        : new CircuitBreaker(
            name,
            cb,
            cb.classifier === undefined ? classify : cachedClassifier(cb.classifier),
          );
  const load = buildLoadStages(name, resolved, classify, circuitBreaker);

  const call: CallStage[] = [];
  if (resolved.fallback !== undefined) call.push(new FallbackStage(resolved.fallback, onFallback));
  if (resolved.bulkhead !== undefined) call.push(new BulkheadStage(resolved.bulkhead));
  if (load.rateLimiter !== undefined) call.push(load.rateLimiter);
  if (resolved.totalTimeoutMs !== undefined) call.push(new TotalTimeoutStage(resolved.totalTimeoutMs));

  const attempt: AttemptStage[] = [];
  const hedging = resolved.hedgingConfig;
  if (hedging !== undefined) {
    attempt.push(new HedgingStage(hedging, invoke, resolved.attemptTimeoutMs, circuitBreaker));
  }
  if (circuitBreaker !== undefined) attempt.push(circuitBreaker);
  if (load.recovery !== undefined) attempt.push(load.recovery);
  if (load.adaptiveRateLimiter !== undefined) attempt.push(load.adaptiveRateLimiter);
  if (resolved.attemptTimeoutMs !== undefined)
    attempt.push(new AttemptTimeoutStage(resolved.attemptTimeoutMs));

  return {
    call,
    attempt,
    circuitBreaker,
    inlineBreaker,
    rateLimiter: load.rateLimiter,
    recovery: load.recovery,
    adaptiveRateLimiter: load.adaptiveRateLimiter,
    load,
  };
}
