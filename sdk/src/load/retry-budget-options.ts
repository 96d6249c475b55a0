import { PolicyRegistry } from '../core/registry.js';
import { OptionsValidator } from '../util/validate.js';
import type { Clock } from './internal.js';
import { isRetryBudgetCoordinator, type RetryBudgetCoordinator } from './shared-retry-budget.js';

/**
 * Finagle's budget (also tower's and Linkerd's): retries are allowed while, over the sliding window,
 * `retries ≤ ratio × calls + minPerSecond × windowSeconds`. The floor keeps low-traffic clients able to retry.
 */
export interface SlidingWindowBudgetOptions {
  readonly kind?: 'sliding_window';
  /** Retries allowed per logical call, in (0, 1]. @default 0.2 */
  readonly ratio?: number;
  /** Retries per second allowed whatever the traffic (the floor), >= 0. @default 10 */
  readonly minPerSecond?: number;
  /** Length of the sliding window, in ms: calls and retries older than it stop counting. @default 10000 */
  readonly windowMs?: number;
  /** Buckets the window is split into (memory and precision). @default 10 */
  readonly buckets?: number;
  /**
   * A fleet coordinator (`createRedisCoordinator()` of `agent-resilience/redis`): the ratio then holds over the
   * calls and retries of every replica using this budget's name, with one floor for the whole fleet. Counts are
   * exchanged in the background every 250 ms (a call never waits on the store); after 1 s without an answer
   * from the store, each replica decides on its local counters. Without it the budget holds per process.
   */
  readonly shared?: RetryBudgetCoordinator;
}

/**
 * gRPC retry throttling (proposal A6): a token count starts at `maxTokens`; each failed attempt takes 1, each
 * successful one gives back `tokenRatio`; retries are allowed only while the count is above `maxTokens / 2`.
 */
export interface TokenBucketBudgetOptions {
  readonly kind: 'token_bucket';
  /** Tokens when full, in (0, 1000]. @default 10 */
  readonly maxTokens?: number;
  /** Tokens a successful attempt gives back, in (0, 1]. @default 0.1 */
  readonly tokenRatio?: number;
  /**
   * Not supported: only `kind: 'sliding_window'` is shared across a fleet (a token count moves with every
   * attempt's result, in an order a batched exchange cannot keep).
   */
  readonly shared?: undefined;
}

/** Settings every budget shares. */
export interface RetryBudgetCommonOptions {
  /** Registry the budget joins (the monitoring API lists it); `null` for none. @default defaultRegistry */
  readonly registry?: PolicyRegistry | null;
  /** Monotonic clock in ms (inject a fake one in tests). @default () => performance.now() */
  readonly now?: Clock;
}

/** Options of `createRetryBudget`. */
export type RetryBudgetOptions = (SlidingWindowBudgetOptions | TokenBucketBudgetOptions) &
  RetryBudgetCommonOptions;

/** Defaults of {@link RetryBudgetOptions}: Finagle's 20 % + 10/s over 10 s, gRPC's 10 tokens and 0.1. */
export const RETRY_BUDGET_DEFAULTS = Object.freeze({
  kind: 'sliding_window' as const,
  ratio: 0.2,
  minPerSecond: 10,
  windowMs: 10_000,
  buckets: 10,
  maxTokens: 10,
  tokenRatio: 0.1,
});

/** Validated settings of a sliding-window budget. */
export interface SlidingWindowBudgetConfig {
  readonly kind: 'sliding_window';
  readonly ratio: number;
  readonly minPerSecond: number;
  readonly windowMs: number;
  readonly buckets: number;
  /** The fleet's coordinator, when the budget is shared. */
  readonly shared: RetryBudgetCoordinator | undefined;
}

/** Validated settings of a token-bucket budget. */
export interface TokenBucketBudgetConfig {
  readonly kind: 'token_bucket';
  readonly maxTokens: number;
  readonly tokenRatio: number;
}

/** Validates `createRetryBudget` arguments (every problem in one error) and applies the defaults. */
export function resolveRetryBudgetOptions(
  name: unknown,
  options: unknown,
): SlidingWindowBudgetConfig | TokenBucketBudgetConfig {
  const v = OptionsValidator.forNamed('createRetryBudget', name);
  const common = ['kind', 'registry', 'now', 'shared'];
  const raw = (options ?? {}) as Record<string, unknown>;
  const d = RETRY_BUDGET_DEFAULTS;
  v.oneOf('kind', raw.kind, ['sliding_window', 'token_bucket']);
  v.func('now', raw.now);
  v.instance('registry', raw.registry, PolicyRegistry, 'a PolicyRegistry', { nullable: true });
  if (raw.kind === 'token_bucket' && raw.shared !== undefined) {
    v.fail(
      'shared',
      "unset for kind 'token_bucket' (only kind 'sliding_window' is shared across a fleet)",
      raw.shared,
    );
  } else if (raw.shared !== undefined && !isRetryBudgetCoordinator(raw.shared)) {
    v.fail(
      'shared',
      'a fleet coordinator (createRedisCoordinator() of agent-resilience/redis)',
      raw.shared,
      true,
    );
  }
  if (raw.kind === 'token_bucket') {
    const o = v.object('', options, [...common, 'maxTokens', 'tokenRatio']);
    v.number('maxTokens', o.maxTokens, { above: 0, max: 1000 });
    v.number('tokenRatio', o.tokenRatio, { above: 0, max: 1 });
    v.done();
    return {
      kind: 'token_bucket',
      maxTokens: (o.maxTokens as number | undefined) ?? d.maxTokens,
      tokenRatio: (o.tokenRatio as number | undefined) ?? d.tokenRatio,
    };
  }
  const o = v.object('', options, [...common, 'ratio', 'minPerSecond', 'windowMs', 'buckets']);
  v.number('ratio', o.ratio, { above: 0, max: 1 });
  v.number('minPerSecond', o.minPerSecond, { min: 0 });
  v.delay('windowMs', o.windowMs, { above: 0 });
  v.number('buckets', o.buckets, { min: 1, max: 1000, integer: true });
  v.done();
  return {
    kind: 'sliding_window',
    ratio: (o.ratio as number | undefined) ?? d.ratio,
    minPerSecond: (o.minPerSecond as number | undefined) ?? d.minPerSecond,
    windowMs: (o.windowMs as number | undefined) ?? d.windowMs,
    buckets: (o.buckets as number | undefined) ?? d.buckets,
    shared: o.shared as RetryBudgetCoordinator | undefined,
  };
}
