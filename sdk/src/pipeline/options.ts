import type { Classifier } from '../classify/types.js';
import { PolicyRegistry } from '../core/registry.js';
import type { StreamOptions } from '../core/stream-options.js';
import { checkLoadPolicyOptions, LOAD_POLICY_KEYS, type LoadPolicyOptions } from '../load/pipeline-stages.js';
import { type BulkheadOptions, checkBulkheadOptions } from '../policies/bulkhead.js';
import { type ChaosController, type ChaosOptions, checkChaosOption } from '../policies/chaos/index.js';
import { CircuitBreaker } from '../policies/circuit-breaker.js';
import {
  type CircuitBreakerOptions,
  checkCircuitBreakerOptions,
} from '../policies/circuit-breaker-options.js';
import { checkFallbackOptions, type FallbackSpec } from '../policies/fallback.js';
import {
  type HedgingConfig,
  type HedgingOptions,
  resolveHedgingOptions,
} from '../policies/hedging-options.js';
import { type RetryConfig, type RetryOptions, resolveRetryOptions } from '../policies/retry-options.js';
import { OptionsValidator } from '../util/validate.js';

/**
 * Options of {@link createPolicy}. Every part is optional and costs nothing when absent. The pipeline runs, from
 * outside in: fallback → bulkhead → rate limiter → total timeout → retry (asking the retry budget) → circuit
 * breaker → recovery admission → adaptive rate limiter → attempt timeout → your function.
 */
export interface PolicyOptions<F = never> extends LoadPolicyOptions {
  /** Decides what failures mean. @default classifyError */
  readonly classifier?: Classifier;
  /** Retry with backoff, Retry-After and budgets. Absent: one attempt. */
  readonly retry?: RetryOptions;
  /** Circuit-breaker settings, or a shared {@link CircuitBreaker} (e.g. one per provider). */
  readonly circuitBreaker?: CircuitBreakerOptions | CircuitBreaker;
  /** Bound on each attempt, in ms; a fired attempt timeout is a retryable `timeout` failure. */
  readonly attemptTimeoutMs?: number;
  /**
   * Bound on the call from the retry loop on (all attempts and retry waits), in ms; ends the call with reason
   * `deadline`. A bulkhead queue or rate-limiter wait comes before it (bound those with `maxQueue` / `maxWaitMs`).
   */
  readonly totalTimeoutMs?: number;
  /** Concurrency limit; excess calls queue or are rejected (`rejected`). */
  readonly bulkhead?: BulkheadOptions;
  /** What to return when the call fails: a value, a factory, a cache of good results, or a chain of them. */
  readonly fallback?: FallbackSpec<F> | readonly FallbackSpec<F>[];
  /** Registry the policy (and its inline breaker) joins; `null` for none. @default defaultRegistry */
  readonly registry?: PolicyRegistry | null;
  /**
   * Which attempts get a child span of the call span. `retries`: attempts of calls that are retried (a call that
   * needs one attempt is described by its call span alone, halving span volume); `always`: every attempt.
   * @default 'retries'
   */
  readonly attemptSpans?: 'retries' | 'always';
  /**
   * Settings of streamed calls (`executeStream`): first-chunk and stall timeouts, and what a failure after the
   * first content chunk does. @default { afterCommit: 'error' }, no stream timeouts
   */
  readonly stream?: StreamOptions;
  /**
   * Hedging: when an attempt of a replay-safe call has not answered (or sent its first content chunk) within the
   * delay, start another and keep the first that succeeds. Absent: no hedging.
   */
  readonly hedging?: HedgingOptions;
  /**
   * Chaos injection: a shared controller from `createChaos()` (switchable at runtime, e.g. from the monitoring API)
   * or inline options. Injects provider-shaped failures into the calls it scopes, when enabled. Absent: none.
   */
  readonly chaos?: ChaosController | ChaosOptions;
}

/** Validated options with the retry and hedging settings resolved. */
export interface ResolvedPolicyOptions<F> extends PolicyOptions<F> {
  readonly retryConfig: RetryConfig | undefined;
  readonly hedgingConfig: HedgingConfig | undefined;
  readonly chaosController: ChaosController | undefined;
}

/** Option keys of {@link PolicyOptions}. */
export const POLICY_KEYS = [
  'classifier',
  'retry',
  'circuitBreaker',
  'attemptTimeoutMs',
  'totalTimeoutMs',
  'bulkhead',
  'fallback',
  'registry',
  'attemptSpans',
  'stream',
  'hedging',
  'chaos',
  ...LOAD_POLICY_KEYS,
] as const;

/**
 * Validates policy options into `v` (use `v.at(path)` for options nested in another factory's), accepting only
 * the `keys` given (the agent's helper policies leave out `registry` and `classifier`). Returns them with the
 * retry settings resolved and an inline breaker's settings complete.
 */
export function checkPolicyOptions<F>(
  v: OptionsValidator,
  options: unknown,
  keys: readonly string[] = POLICY_KEYS,
): ResolvedPolicyOptions<F> {
  const o = v.object('', options, keys);
  v.func('classifier', o.classifier);
  v.instance('registry', o.registry, PolicyRegistry, 'a PolicyRegistry', { nullable: true });
  v.oneOf('attemptSpans', o.attemptSpans, ['retries', 'always']);
  if (o.stream !== undefined) {
    const s = v.object('stream', o.stream, ['firstChunkTimeoutMs', 'stallTimeoutMs', 'afterCommit']);
    v.delay('stream.firstChunkTimeoutMs', s.firstChunkTimeoutMs, { above: 0 });
    v.delay('stream.stallTimeoutMs', s.stallTimeoutMs, { above: 0 });
    v.oneOf('stream.afterCommit', s.afterCommit, ['error', 'fallback-continue']);
  }
  const retryConfig = o.retry === undefined ? undefined : resolveRetryOptions(v, 'retry', o.retry);
  const hedgingConfig =
    o.hedging === undefined ? undefined : resolveHedgingOptions(v, 'hedging', o.hedging, retryConfig?.budget);
  const chaosController = checkChaosOption(v, 'chaos', o.chaos);
  let circuitBreaker = o.circuitBreaker as PolicyOptions['circuitBreaker'];
  if (circuitBreaker !== undefined && !(circuitBreaker instanceof CircuitBreaker)) {
    circuitBreaker = checkCircuitBreakerOptions(v, 'circuitBreaker', circuitBreaker);
  }
  v.delay('attemptTimeoutMs', o.attemptTimeoutMs, { above: 0 });
  v.delay('totalTimeoutMs', o.totalTimeoutMs, { above: 0 });
  if (o.bulkhead !== undefined) checkBulkheadOptions(v, 'bulkhead', o.bulkhead);
  if (o.fallback !== undefined) checkFallbackOptions(v, 'fallback', o.fallback);
  checkLoadPolicyOptions(v, o);
  return {
    ...(o as PolicyOptions<F>),
    ...(circuitBreaker === undefined ? {} : { circuitBreaker }),
    retryConfig,
    hedgingConfig,
    chaosController,
  };
}

/** Validates `createPolicy` arguments, reporting every problem in one `RangeError`/`TypeError`. */
export function resolvePolicyOptions<F>(name: unknown, options: unknown): ResolvedPolicyOptions<F> {
  const v = OptionsValidator.forNamed('createPolicy', name);
  const resolved = checkPolicyOptions<F>(v, options);
  v.done();
  return resolved;
}
