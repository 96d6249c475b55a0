import type { TargetInput } from '../core/attempt-context.js';
import { MAX_TIMER_MS } from '../util/timers.js';
import type { OptionsValidator } from '../util/validate.js';
import { CircuitBreaker } from './circuit-breaker.js';
import type { RetryBudgetGate } from './retry-options.js';

/** A model (or endpoint) a hedged attempt may go to instead of the call's own function. */
export interface HedgeTarget {
  /** Name reported on the hedge's span ({@link ATTR_RESILIENCE_HEDGE_TARGET}); `[A-Za-z0-9_.:-]{1,64}`. */
  readonly name: string;
  /**
   * Runs the request against this target. It receives the attempt's `signal` (aborted when another attempt wins)
   * and the call's `properties` (pass what the request needs: `execute(fn, { properties: { prompt } })`). For
   * `executeStream` it returns the target's stream.
   */
  readonly fn: (input: TargetInput) => unknown;
  /**
   * The target's own breaker: a hedge to it passes this breaker (and the attempt timeout) instead of the policy's
   * breaker, recovery and adaptive limiter, and is not started while it is open. Absent: the policy's stages.
   */
  readonly circuitBreaker?: CircuitBreaker;
}

/** When a hedge starts: learned from the policy's own recent latencies. */
export interface LearnedHedgeDelay {
  /** Latency percentile of recent original attempts after which a hedge starts. @default 0.95 */
  readonly percentile?: number;
  /** How far back latencies count, in ms. @default 60_000 */
  readonly windowMs?: number;
  /** Lower bound of the learned delay, in ms. @default 50 */
  readonly minMs?: number;
  /** Upper bound of the learned delay, and the delay while fewer than `minSamples` latencies are known. @default 10_000 */
  readonly maxMs?: number;
  /** Latencies needed in the window before the learned delay is used. @default 20 */
  readonly minSamples?: number;
}

/**
 * Hedging (as Polly v8's): when an attempt has not answered (or, for `executeStream`, sent its first content
 * chunk) within the delay, start another attempt and keep the first that succeeds; the others are aborted at
 * once. Only calls marked replay-safe are hedged: a request must be safe to send twice.
 */
export interface HedgingOptions {
  /** Extra attempts a round may start (Polly's `MaxHedgedAttempts`), 1-10. @default 1 */
  readonly maxHedgedAttempts?: number;
  /** Fixed delay before each hedge, in ms (0: all at once). @default 2000 unless `delay` is given */
  readonly delayMs?: number;
  /** A delay learned from recent latencies instead of (or, while learning, after) `delayMs`. */
  readonly delay?: LearnedHedgeDelay;
  /**
   * Where hedges go, in order (hedge n goes to `targets[(n - 1) % length]`, skipping one whose breaker is open).
   * When an attempt to another target fails, the next target is tried at once. @default the call's own function
   */
  readonly targets?: readonly HedgeTarget[];
  /**
   * Budget hedges draw from (hedges are extra load, like retries): a hedge is not started when it is empty
   * (`denied`). @default the retry's `budget`, when one is set; else hedges are bounded by `maxHedgedAttempts` only
   */
  readonly budget?: RetryBudgetGate;
  /**
   * Whether calls are replay-safe unless they say otherwise (`ExecuteOptions.replaySafe`). @default false: only
   * calls made with `replaySafe: true` are hedged
   */
  readonly replaySafe?: boolean;
}

/** Validated hedging settings with defaults applied. */
export interface HedgingConfig {
  readonly maxHedgedAttempts: number;
  /** Fixed delay, or the delay while a learned one has too few samples. */
  readonly delayMs: number;
  readonly learned: Required<LearnedHedgeDelay> | undefined;
  readonly targets: readonly HedgeTarget[];
  readonly budget: RetryBudgetGate | undefined;
  /** True when the budget is not the retry's (then hedging tells it about each call itself). */
  readonly ownBudget: boolean;
  readonly replaySafe: boolean;
}

const HEDGING_KEYS = ['maxHedgedAttempts', 'delayMs', 'delay', 'targets', 'budget', 'replaySafe'];
const DELAY_KEYS = ['percentile', 'windowMs', 'minMs', 'maxMs', 'minSamples'];
const TARGET_KEYS = ['name', 'fn', 'circuitBreaker'];
/** Polly's default hedging delay. */
const DEFAULT_DELAY_MS = 2000;
const MAX_TARGETS = 16;

/** Validates `hedging` options under `path` and applies the defaults; `retryBudget` is the retry's budget. */
export function resolveHedgingOptions(
  v: OptionsValidator,
  path: string,
  options: unknown,
  retryBudget: RetryBudgetGate | undefined,
): HedgingConfig {
  const o = v.object(path, options, HEDGING_KEYS);
  v.number(`${path}.maxHedgedAttempts`, o.maxHedgedAttempts, { min: 1, max: 10, integer: true });
  v.delay(`${path}.delayMs`, o.delayMs);
  v.boolean(`${path}.replaySafe`, o.replaySafe);
  const d = v.object(`${path}.delay`, o.delay, DELAY_KEYS);
  v.number(`${path}.delay.percentile`, d.percentile, { above: 0, below: 1 });
  v.delay(`${path}.delay.windowMs`, d.windowMs, { min: 1000 });
  v.delay(`${path}.delay.minMs`, d.minMs);
  v.delay(`${path}.delay.maxMs`, d.maxMs);
  v.number(`${path}.delay.minSamples`, d.minSamples, { min: 1, max: 10_000, integer: true });
  const budget = o.budget as Record<string, unknown> | undefined;
  if (budget !== undefined && typeof budget?.tryAcquireRetry !== 'function') {
    v.fail(`${path}.budget`, 'an object with a tryAcquireRetry() method', budget, true);
  }
  const targets = checkTargets(v, `${path}.targets`, o.targets);
  const learned =
    o.delay === undefined
      ? undefined
      : {
          percentile: (d.percentile as number | undefined) ?? 0.95,
          windowMs: (d.windowMs as number | undefined) ?? 60_000,
          minMs: (d.minMs as number | undefined) ?? 50,
          maxMs: Math.min((d.maxMs as number | undefined) ?? 10_000, MAX_TIMER_MS),
          minSamples: (d.minSamples as number | undefined) ?? 20,
        };
  if (learned !== undefined && learned.minMs > learned.maxMs) {
    v.fail(`${path}.delay.minMs`, `at most delay.maxMs (${learned.maxMs})`, learned.minMs);
  }
  const chosenBudget = (budget as RetryBudgetGate | undefined) ?? retryBudget;
  return {
    maxHedgedAttempts: (o.maxHedgedAttempts as number | undefined) ?? 1,
    delayMs: (o.delayMs as number | undefined) ?? learned?.maxMs ?? DEFAULT_DELAY_MS,
    learned,
    targets,
    budget: chosenBudget,
    ownBudget: chosenBudget !== undefined && chosenBudget !== retryBudget,
    replaySafe: (o.replaySafe as boolean | undefined) ?? false,
  };
}

function checkTargets(v: OptionsValidator, path: string, value: unknown): readonly HedgeTarget[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_TARGETS) {
    v.fail(path, `a non-empty array of at most ${MAX_TARGETS} targets`, value, !Array.isArray(value));
    return [];
  }
  value.forEach((target, i) => {
    const t = v.object(`${path}[${i}]`, target, TARGET_KEYS);
    v.name(`${path}[${i}].name`, t.name);
    if (typeof t.fn !== 'function') v.fail(`${path}[${i}].fn`, 'a function', t.fn, true);
    v.instance(`${path}[${i}].circuitBreaker`, t.circuitBreaker, CircuitBreaker, 'a CircuitBreaker');
  });
  return value as readonly HedgeTarget[];
}
