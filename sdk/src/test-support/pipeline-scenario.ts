/**
 * Scenarios of the model-based pipeline test (issue 8 §4): a random configuration of `createPolicy` stages and a
 * random sequence of calls, each with a script of what the downstream does on each attempt. Every time value is
 * chosen so that two timers never fire at the same virtual instant within a call (the order of simultaneous timers
 * is not something a model should have to guess): latencies, backoffs, Retry-After values and attempt timeouts are
 * multiples of 10 ms and never equal each other where they race; total timeouts end in 5.
 */
import fc from 'fast-check';
import type { AbortReasonKind, FailureKind } from './scripted-downstream.js';

/** What the downstream does on one attempt. */
export type Outcome =
  /** Returns a value after `latency` ms (0: at once, synchronously or as a resolved promise). */
  | { readonly kind: 'ok'; readonly latency: number; readonly sync: boolean }
  /** Fails with `failure` after `latency` ms (a 429/503 may carry `retry-after-ms`). */
  | {
      readonly kind: 'fail';
      readonly failure: FailureKind;
      readonly retryAfterMs: number | undefined;
      readonly latency: number;
      readonly sync: boolean;
    }
  /** Never settles until its signal aborts, then rejects with the signal's reason (a well-behaved client). */
  | { readonly kind: 'hang' }
  /** Never settles and ignores its signal (a client that does not take a signal). */
  | { readonly kind: 'stall' }
  /**
   * The caller aborts while this attempt runs (synchronously inside `fn`, or one microtask later), with `reason`;
   * `client` is what the client does next: reject with its signal's reason, fail with a 503, resolve anyway, stall.
   */
  | {
      readonly kind: 'abort';
      readonly reason: AbortReasonKind;
      readonly timing: 'sync' | 'microtask';
      readonly client: 'reject' | 'fail' | 'resolve' | 'stall';
    };

/** One call of a scenario. */
export interface CallScript {
  /** Sequential scenarios: virtual ms before the call starts. Concurrent ones: when it starts. */
  readonly atMs: number;
  /** The caller's signal is aborted before the call starts. */
  readonly preAbort: AbortReasonKind | undefined;
  /** The caller aborts inside the `onRetry` hook of retry number `retry` (so during the wait before it). */
  readonly abortOnRetry: { readonly retry: number; readonly reason: AbortReasonKind } | undefined;
  /** Concurrent scenarios only: the caller aborts at this virtual time (a timer). */
  readonly abortAt: { readonly ms: number; readonly reason: AbortReasonKind } | undefined;
  readonly cacheKey: string | undefined;
  readonly rateLimitKey: string | undefined;
  /** Attempt by attempt; past the end, the downstream answers at once. */
  readonly attempts: readonly Outcome[];
}

export type FallbackCategory =
  | 'server_error'
  | 'rate_limited'
  | 'timeout'
  | 'validation'
  | 'authentication'
  | 'programming'
  | 'circuit_open'
  | 'rejected';

/** One fallback of the chain; `when` undefined is the default (every category but `cancelled`). */
export type FallbackStep = { readonly when: readonly FallbackCategory[] | undefined } & (
  | { readonly kind: 'value' }
  | { readonly kind: 'factory'; readonly throws: boolean }
  | { readonly kind: 'cache'; readonly ttlMs: number; readonly maxEntries: number }
);

export type BudgetSpec =
  | { readonly kind: 'token_bucket'; readonly maxTokens: number; readonly tokenRatio: number }
  /** With a stopped clock: the window never slides, so its counts are exact. */
  | { readonly kind: 'sliding_window'; readonly ratio: number; readonly minPerSecond: number };

export interface PipelineConfig {
  readonly retry:
    | {
        readonly maxRetries: number;
        readonly initialDelayMs: number;
        readonly maxDelayMs: number;
        readonly maxRetryAfterMs: number;
        readonly budget: BudgetSpec | undefined;
      }
    | undefined;
  readonly breaker:
    | {
        readonly threshold: number;
        readonly halfOpenAfterMs:
          | number
          | { readonly initialDelayMs: number; readonly maxDelayMs: number; readonly multiplier: number };
        readonly sampling: { readonly calls: number; readonly threshold: number };
      }
    | undefined;
  readonly attemptTimeoutMs: number | undefined;
  readonly totalTimeoutMs: number | undefined;
  readonly bulkhead: { readonly maxConcurrent: number; readonly maxQueue: number } | undefined;
  readonly rateLimiter:
    | {
        readonly kind: 'token_bucket' | 'sliding_window';
        readonly limit: number;
        readonly intervalMs: number;
        readonly maxWaitMs: number;
      }
    | undefined;
  readonly recovery:
    | {
        readonly failureThreshold: number;
        readonly successThreshold: number;
        readonly degradedTrafficRatio: number;
        readonly steps: readonly number[];
        readonly stepMs: number;
      }
    | undefined;
  readonly fallback: readonly FallbackStep[] | undefined;
  /** The policy has `onSuccess`/`onFailure` listeners (the observed path of `execute`). */
  readonly listeners: boolean;
  /** Every hook and listener the scenario installs also throws (telemetry and hooks never change an outcome). */
  readonly throwingHooks: boolean;
  /** The real OTel SDK is installed for this run (slower; a share of the runs). */
  readonly telemetry: boolean;
  /** Seed of the recovery manager's admission randomness. */
  readonly seed: number;
}

/**
 * `arb` in `percent` % of the cases, else undefined. Shrinking goes to undefined (a roll that shrinks to 0), so a
 * counterexample keeps only the stages and options it needs.
 */
const sometimes = <T>(arb: fc.Arbitrary<T>, percent = 50): fc.Arbitrary<T | undefined> =>
  fc
    .tuple(fc.integer({ min: 0, max: 99 }), arb)
    .map(([roll, value]) => (roll >= 100 - percent ? value : undefined));

const latency = fc.constantFrom(0, 0, 20, 70);
const abortReason = fc.constantFrom<AbortReasonKind>(
  'abort_error',
  'timeout_error',
  'error',
  'object',
  'resilience_timeout',
);

const outcome: fc.Arbitrary<Outcome> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('ok' as const), latency, sync: fc.boolean() }) },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('fail' as const),
      failure: fc.constantFrom<FailureKind>('503', '429'),
      retryAfterMs: sometimes(fc.constantFrom(30, 200, 1500)),
      latency,
      sync: fc.boolean(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('fail' as const),
      failure: fc.constantFrom<FailureKind>('400', '401', 'type_error'),
      retryAfterMs: fc.constant(undefined),
      latency,
      sync: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'hang' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'stall' as const }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('abort' as const),
      reason: abortReason,
      timing: fc.constantFrom('sync' as const, 'microtask' as const),
      client: fc.constantFrom('reject' as const, 'fail' as const, 'resolve' as const, 'stall' as const),
    }),
  },
);

const budget: fc.Arbitrary<BudgetSpec> = fc.oneof(
  fc.record({
    kind: fc.constant('token_bucket' as const),
    maxTokens: fc.constantFrom(2, 4, 10),
    tokenRatio: fc.constantFrom(0.5, 1),
  }),
  fc.record({
    kind: fc.constant('sliding_window' as const),
    ratio: fc.constantFrom(0.2, 0.5, 1),
    minPerSecond: fc.constantFrom(0, 0.1),
  }),
);

const when = sometimes(
  fc.subarray<FallbackCategory>(
    ['server_error', 'rate_limited', 'timeout', 'validation', 'authentication', 'circuit_open', 'rejected'],
    { minLength: 1 },
  ),
);

const fallbackStep: fc.Arbitrary<FallbackStep> = fc.oneof(
  fc.record({ kind: fc.constant('value' as const), when }),
  fc.record({ kind: fc.constant('factory' as const), throws: fc.boolean(), when }),
  fc.record({
    kind: fc.constant('cache' as const),
    ttlMs: fc.constantFrom(500, 300_000),
    maxEntries: fc.constantFrom(1, 2),
    when,
  }),
);

/** Random stage configurations (each stage present about half the time). */
export const pipelineConfig = (telemetryFreq: number): fc.Arbitrary<PipelineConfig> =>
  fc.record({
    retry: sometimes(
      fc.record({
        maxRetries: fc.integer({ min: 0, max: 3 }),
        initialDelayMs: fc.constantFrom(0, 10, 30),
        maxDelayMs: fc.constantFrom(40, 1000),
        maxRetryAfterMs: fc.constantFrom(100, 1000, 60_000),
        budget: sometimes(budget),
      }),
      75,
    ),
    breaker: sometimes(
      fc.record({
        threshold: fc.integer({ min: 1, max: 3 }),
        halfOpenAfterMs: fc.oneof(
          fc.constantFrom(100, 500),
          fc.constant({ initialDelayMs: 100, maxDelayMs: 400, multiplier: 2 }),
        ),
        sampling: fc.record({ calls: fc.integer({ min: 1, max: 2 }), threshold: fc.constantFrom(0, 0.5) }),
      }),
      75,
    ),
    attemptTimeoutMs: sometimes(fc.constantFrom(50, 100)),
    totalTimeoutMs: sometimes(fc.constantFrom(45, 155, 385, 995)),
    bulkhead: sometimes(
      fc.record({ maxConcurrent: fc.integer({ min: 1, max: 3 }), maxQueue: fc.integer({ min: 0, max: 2 }) }),
    ),
    rateLimiter: sometimes(
      fc.record({
        kind: fc.constantFrom('token_bucket' as const, 'sliding_window' as const),
        limit: fc.integer({ min: 1, max: 3 }),
        intervalMs: fc.constantFrom(100, 1000),
        maxWaitMs: fc.constantFrom(0, 0, 50, 500),
      }),
    ),
    recovery: sometimes(
      fc.record({
        failureThreshold: fc.integer({ min: 1, max: 3 }),
        successThreshold: fc.integer({ min: 1, max: 2 }),
        degradedTrafficRatio: fc.constantFrom(1, 0.5),
        steps: fc.constantFrom([0.5], [0.25, 0.75]),
        stepMs: fc.constantFrom(100, 1000),
      }),
    ),
    fallback: sometimes(fc.array(fallbackStep, { minLength: 1, maxLength: 3 })),
    listeners: fc.boolean(),
    throwingHooks: fc.integer({ min: 0, max: 3 }).map(n => n === 3),
    telemetry: fc.integer({ min: 0, max: 99 }).map(n => n >= 100 - telemetryFreq),
    seed: fc.integer({ min: 0, max: 0xffff }),
  });

const callFields = {
  preAbort: sometimes(abortReason, 5),
  abortOnRetry: sometimes(fc.record({ retry: fc.integer({ min: 1, max: 3 }), reason: abortReason }), 8),
  cacheKey: sometimes(fc.constantFrom('a', 'b'), 60),
  rateLimitKey: sometimes(fc.constantFrom('x', 'y'), 30),
  attempts: fc.array(outcome, { minLength: 1, maxLength: 4 }),
};

/** Calls one after another, with a gap of virtual time before each. */
export const sequentialCalls: fc.Arbitrary<CallScript[]> = fc.array(
  fc.record({
    atMs: fc.constantFrom(0, 0, 10, 100, 1000, 5000),
    abortAt: fc.constant(undefined),
    ...callFields,
  }),
  { minLength: 1, maxLength: 8 },
);

/** Calls that start at random times and overlap, some aborted by their caller at a random time. */
export const concurrentCalls: fc.Arbitrary<CallScript[]> = fc.array(
  fc
    .record({
      atMs: fc.integer({ min: 0, max: 400 }),
      abortAfter: sometimes(fc.record({ ms: fc.integer({ min: 0, max: 300 }), reason: abortReason }), 30),
      ...callFields,
    })
    .map(({ abortAfter, ...call }) => ({
      ...call,
      abortAt: abortAfter && { ms: call.atMs + abortAfter.ms, reason: abortAfter.reason },
    })),
  { minLength: 1, maxLength: 10 },
);
