import {
  ConsecutiveBreaker,
  ConstantBackoff,
  CountBreaker,
  DelegateBackoff,
  type IBackoffFactory,
  type IBreaker,
  type IHalfOpenAfterBackoffContext,
  SamplingBreaker,
} from 'cockatiel';
import type { Classifier } from '../classify/types.js';
import { ERROR_CATEGORIES, type ErrorCategory } from '../semconv.js';
import type { OptionsValidator } from '../util/validate.js';
import type { CircuitBreaker } from './circuit-breaker.js';
import {
  checkNamedOptions,
  NAMED_KEYS,
  type NamedCircuitBreakerOptions,
} from './circuit-breaker-named-options.js';
import type { HalfOpenSampling, SavedCircuitState } from './circuit-state.js';
import { checkSavedState } from './circuit-state-options.js';

/** Which failures open the circuit. `kind` is required: the other fields depend on it. */
export type BreakerSpec =
  /** Opens after `threshold` consecutive failures (@default 5). */
  | { readonly kind: 'consecutive'; readonly threshold?: number }
  /**
   * Opens when more than `threshold` (0..1) of the last `size` calls (1..100000, one slot each) failed, once
   * `minimumCalls` (@default size) were seen.
   */
  | {
      readonly kind: 'count';
      readonly threshold: number;
      readonly size: number;
      readonly minimumCalls?: number;
    }
  /**
   * Opens when more than `threshold` (0..1) of calls in the last `durationMs` (at most one hour: one window per
   * second) failed, above `minimumRps` (@default cockatiel's, 5 / threshold per second).
   */
  | {
      readonly kind: 'sampling';
      readonly threshold: number;
      readonly durationMs: number;
      readonly minimumRps?: number;
    };

/**
 * Exponentially growing wait in the open state: initial × multiplier^(consecutive opens − 1), capped. Missing
 * fields take {@link CIRCUIT_BREAKER_DEFAULTS}`.halfOpenBackoff`.
 */
export interface HalfOpenBackoff {
  /** Wait after the first opening, in ms. @default 30000 */
  readonly initialDelayMs?: number;
  /**
   * Cap of the wait, in ms, at least `initialDelayMs`. @default max(300000, initialDelayMs) (as Envoy's outlier
   * detection caps its ejection time: 5 min or the base time, whichever is larger)
   */
  readonly maxDelayMs?: number;
  /** @default 2 */
  readonly multiplier?: number;
}

/** Circuit-breaker settings. */
export interface CircuitBreakerOptions {
  /** Breaker algorithm, or any cockatiel `IBreaker`. @default { kind: 'consecutive', threshold: 5 } */
  readonly breaker?: BreakerSpec | IBreaker;
  /** How long the circuit stays open before a probe: fixed ms or a backoff. @default 30000 */
  readonly halfOpenAfterMs?: number | HalfOpenBackoff;
  /**
   * Probes needed in half-open (`calls`) and the failure share of them that reopens (`threshold`, cockatiel 4);
   * a missing field takes its default. @default { calls: 1, threshold: 0 }
   */
  readonly halfOpenSampling?: HalfOpenSampling;
  /**
   * Error categories that count as failures. Others (cancelled, validation, not_found, content_filtered,
   * context_length_exceeded, circuit_open, rejected, programming) neither trip nor heal the circuit.
   * @default DEFAULT_FAILURE_CATEGORIES
   */
  readonly failureCategories?: readonly ErrorCategory[];
  /** State from an earlier `toJSON()`, to survive restarts (serverless). */
  readonly initialState?: SavedCircuitState;
  /** Classifier for standalone breakers; inline breakers use their policy's. @default classifyError */
  readonly classifier?: Classifier;
  /**
   * Parent breaker (e.g. the provider's, for a model's or an endpoint's breaker). Calls go through the parent
   * first: while it is open every call is rejected without reaching this breaker, and this breaker's failures
   * count for the parent too.
   */
  readonly parent?: CircuitBreaker;
  /** Hold every child breaker isolated while this one is open or isolated (released when it half-opens). @default false */
  readonly isolateChildren?: boolean;
}

/** Categories that count as downstream failures by default. */
export const DEFAULT_FAILURE_CATEGORIES: readonly ErrorCategory[] = Object.freeze([
  'rate_limited',
  'quota_exceeded',
  'overloaded',
  'server_error',
  'timeout',
  'network',
  'authentication',
  'unknown',
]);

/** Defaults of {@link CircuitBreakerOptions}, and of the fields a partial sub-object leaves out. */
export const CIRCUIT_BREAKER_DEFAULTS = Object.freeze({
  breaker: Object.freeze({ kind: 'consecutive', threshold: 5 }) as BreakerSpec,
  halfOpenAfterMs: 30_000,
  /** A `halfOpenAfterMs` backoff's missing fields (`maxDelayMs`: at least the `initialDelayMs` given). */
  halfOpenBackoff: Object.freeze({ initialDelayMs: 30_000, maxDelayMs: 300_000, multiplier: 2 }),
  halfOpenSampling: Object.freeze({ calls: 1, threshold: 0 }) as HalfOpenSampling,
});

const CONSECUTIVE_THRESHOLD = (CIRCUIT_BREAKER_DEFAULTS.breaker as { threshold: number }).threshold;
const KINDS = ['consecutive', 'count', 'sampling'] as const;
/** Largest `size` of a count breaker: it keeps one slot per call. */
const MAX_COUNT_SIZE = 100_000;
/** Longest `durationMs` of a sampling breaker: it keeps one window per second. */
const MAX_SAMPLING_MS = 3_600_000;

const isBreaker = (value: unknown): value is IBreaker =>
  typeof value === 'object' && value !== null && typeof (value as IBreaker).failure === 'function';

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const KEYS = [
  'breaker',
  'halfOpenAfterMs',
  'halfOpenSampling',
  'failureCategories',
  'initialState',
  'classifier',
  'parent',
  'isolateChildren',
];

/**
 * Validates circuit-breaker options into `v` (`named`: those of `createCircuitBreaker`, which also take the
 * {@link NamedCircuitBreakerOptions}) and returns them with every sub-object complete: a breaker spec, half-open
 * backoff or half-open sampling takes the defaults of the fields it leaves out.
 */
export function checkCircuitBreakerOptions(
  v: OptionsValidator,
  path: string,
  options: unknown,
  named = false,
): CircuitBreakerOptions & NamedCircuitBreakerOptions {
  const o = v.object(path, options, named ? [...KEYS, ...NAMED_KEYS] : KEYS);
  if (named) checkNamedOptions(v, path, o);
  const breaker = checkBreaker(v, `${path}.breaker`, o.breaker);
  const halfOpenAfterMs = checkHalfOpenAfter(v, `${path}.halfOpenAfterMs`, o.halfOpenAfterMs);
  const halfOpenSampling = checkHalfOpenSampling(v, `${path}.halfOpenSampling`, o.halfOpenSampling);
  const categories = o.failureCategories;
  if (categories !== undefined) {
    if (!Array.isArray(categories))
      v.fail(`${path}.failureCategories`, 'an array of error categories', categories, true);
    else {
      for (const [i, c] of categories.entries())
        v.oneOf(`${path}.failureCategories[${i}]`, c, ERROR_CATEGORIES);
    }
  }
  if (o.initialState !== undefined) {
    const kind = isBreaker(breaker) ? undefined : breaker?.kind;
    const template = kind === undefined ? undefined : createBreaker(breaker).state;
    checkSavedState(v, `${path}.initialState`, o.initialState, kind, template);
  }
  v.func(`${path}.classifier`, o.classifier);
  const parent = o.parent as { isolate?: unknown; onTransition?: unknown } | undefined;
  if (
    parent !== undefined &&
    (typeof parent?.isolate !== 'function' || typeof parent.onTransition !== 'function')
  ) {
    v.fail(`${path}.parent`, 'a CircuitBreaker', parent, true);
  }
  v.boolean(`${path}.isolateChildren`, o.isolateChildren);
  return { ...o, breaker, halfOpenAfterMs, halfOpenSampling } as CircuitBreakerOptions;
}

/**
 * Validates `breaker` and returns it complete (a cockatiel `IBreaker` as it is), or `undefined` when it is
 * invalid. `kind` is required: the other fields depend on it, so nothing is guessed.
 */
function checkBreaker(v: OptionsValidator, p: string, value: unknown): BreakerSpec | IBreaker | undefined {
  if (value === undefined) return CIRCUIT_BREAKER_DEFAULTS.breaker;
  if (isBreaker(value)) return value;
  if (!isRecord(value)) {
    v.fail(p, 'a breaker spec ({ kind, … }) or a cockatiel IBreaker', value, true);
    return undefined;
  }
  if (!v.oneOf(`${p}.kind`, value.kind, KINDS, { required: true })) return undefined;
  const threshold = { above: 0, below: 1, required: true };
  if (value.kind === 'consecutive') {
    v.object(p, value, ['kind', 'threshold']);
    if (!v.number(`${p}.threshold`, value.threshold, { min: 1, integer: true })) return undefined;
    return {
      kind: 'consecutive',
      threshold: (value.threshold as number | undefined) ?? CONSECUTIVE_THRESHOLD,
    };
  }
  if (value.kind === 'count') {
    v.object(p, value, ['kind', 'threshold', 'size', 'minimumCalls']);
    const size = value.size as number;
    const ok = [
      v.number(`${p}.threshold`, value.threshold, threshold),
      v.number(`${p}.size`, size, { min: 1, max: MAX_COUNT_SIZE, integer: true, required: true }) &&
        v.number(`${p}.minimumCalls`, value.minimumCalls, { min: 1, max: size, integer: true }),
    ].every(Boolean);
    const spec = value as unknown as BreakerSpec & { kind: 'count' };
    return ok ? { ...spec, minimumCalls: spec.minimumCalls ?? size } : undefined;
  }
  v.object(p, value, ['kind', 'threshold', 'durationMs', 'minimumRps']);
  const ok = [
    v.number(`${p}.threshold`, value.threshold, threshold),
    v.number(`${p}.durationMs`, value.durationMs, { above: 0, max: MAX_SAMPLING_MS, required: true }),
    v.number(`${p}.minimumRps`, value.minimumRps, { above: 0 }),
  ].every(Boolean);
  return ok ? (value as unknown as BreakerSpec) : undefined;
}

/** Validates `halfOpenAfterMs` (a fixed wait or a backoff) and returns it complete. */
function checkHalfOpenAfter(v: OptionsValidator, p: string, value: unknown): number | HalfOpenBackoff {
  if (!isRecord(value)) {
    v.delay(p, value);
    return (value as number | undefined) ?? CIRCUIT_BREAKER_DEFAULTS.halfOpenAfterMs;
  }
  const d = CIRCUIT_BREAKER_DEFAULTS.halfOpenBackoff;
  const b = v.object(p, value, ['initialDelayMs', 'maxDelayMs', 'multiplier']);
  const initialOk = v.delay(`${p}.initialDelayMs`, b.initialDelayMs);
  const initialDelayMs = initialOk ? ((b.initialDelayMs as number | undefined) ?? d.initialDelayMs) : 0;
  v.delay(`${p}.maxDelayMs`, b.maxDelayMs, { min: initialDelayMs });
  v.number(`${p}.multiplier`, b.multiplier, { min: 1 });
  return {
    initialDelayMs,
    maxDelayMs: (b.maxDelayMs as number | undefined) ?? Math.max(d.maxDelayMs, initialDelayMs),
    multiplier: (b.multiplier as number | undefined) ?? d.multiplier,
  };
}

/** Validates `halfOpenSampling` and returns it complete. */
function checkHalfOpenSampling(v: OptionsValidator, p: string, value: unknown): HalfOpenSampling {
  const s = v.object(p, value, ['calls', 'threshold']);
  v.number(`${p}.calls`, s.calls, { min: 1, integer: true });
  v.number(`${p}.threshold`, s.threshold, { min: 0, below: 1 });
  const d = CIRCUIT_BREAKER_DEFAULTS.halfOpenSampling;
  return {
    calls: (s.calls as number | undefined) ?? d.calls,
    threshold: (s.threshold as number | undefined) ?? d.threshold,
  };
}

/** Builds the cockatiel breaker for a complete (validated) spec. */
export function createBreaker(spec: BreakerSpec | IBreaker | undefined): IBreaker {
  const s = spec ?? CIRCUIT_BREAKER_DEFAULTS.breaker;
  if (isBreaker(s)) return s;
  switch (s.kind) {
    case 'consecutive':
      return new ConsecutiveBreaker(s.threshold ?? CONSECUTIVE_THRESHOLD);
    case 'count':
      return new CountBreaker({
        threshold: s.threshold,
        size: s.size,
        minimumNumberOfCalls: s.minimumCalls ?? s.size,
      });
    case 'sampling':
      return new SamplingBreaker({
        threshold: s.threshold,
        duration: s.durationMs,
        ...(s.minimumRps === undefined ? {} : { minimumRps: s.minimumRps }),
      });
  }
}

/** Builds cockatiel's half-open backoff factory for a setting; a backoff's missing fields take the defaults. */
export function createHalfOpenBackoff(
  setting: number | HalfOpenBackoff | undefined,
): IBackoffFactory<IHalfOpenAfterBackoffContext> {
  const h = setting ?? CIRCUIT_BREAKER_DEFAULTS.halfOpenAfterMs;
  if (typeof h === 'number') return new ConstantBackoff(h);
  const d = CIRCUIT_BREAKER_DEFAULTS.halfOpenBackoff;
  const initial = h.initialDelayMs ?? d.initialDelayMs;
  const max = h.maxDelayMs ?? Math.max(d.maxDelayMs, initial);
  const multiplier = h.multiplier ?? d.multiplier;
  return new DelegateBackoff<IHalfOpenAfterBackoffContext>(ctx =>
    Math.min(max, initial * multiplier ** Math.max(0, ctx.attempt - 1)),
  );
}
