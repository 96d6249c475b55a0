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
import type { SavedCircuitState } from './circuit-state.js';

/** Which failures open the circuit. */
export type BreakerSpec =
  /** Opens after `threshold` consecutive failures. */
  | { readonly kind: 'consecutive'; readonly threshold?: number }
  /** Opens when more than `threshold` (0..1) of the last `size` calls failed, once `minimumCalls` were seen. */
  | {
      readonly kind: 'count';
      readonly threshold: number;
      readonly size: number;
      readonly minimumCalls?: number;
    }
  /** Opens when more than `threshold` (0..1) of calls in the last `durationMs` failed, above `minimumRps`. */
  | {
      readonly kind: 'sampling';
      readonly threshold: number;
      readonly durationMs: number;
      readonly minimumRps?: number;
    };

/** Exponentially growing wait in the open state: initial × multiplier^(consecutive opens − 1), capped. */
export interface HalfOpenBackoff {
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  /** @default 2 */
  readonly multiplier?: number;
}

/** Circuit-breaker settings. */
export interface CircuitBreakerOptions {
  /** Breaker algorithm, or any cockatiel `IBreaker`. @default { kind: 'consecutive', threshold: 5 } */
  readonly breaker?: BreakerSpec | IBreaker;
  /** How long the circuit stays open before a probe: fixed ms or a backoff. @default 30000 */
  readonly halfOpenAfterMs?: number | HalfOpenBackoff;
  /** Probes needed in half-open and the failure share that reopens (cockatiel 4). @default { calls: 1, threshold: 0 } */
  readonly halfOpenSampling?: { readonly calls: number; readonly threshold: number };
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

/** Defaults of {@link CircuitBreakerOptions}. */
export const CIRCUIT_BREAKER_DEFAULTS = Object.freeze({
  breaker: Object.freeze({ kind: 'consecutive', threshold: 5 }) as BreakerSpec,
  halfOpenAfterMs: 30_000,
});

const isBreaker = (value: unknown): value is IBreaker =>
  typeof value === 'object' && value !== null && typeof (value as IBreaker).failure === 'function';

/** Validates circuit-breaker options into `v`. */
export function checkCircuitBreakerOptions(
  v: OptionsValidator,
  path: string,
  options: unknown,
): CircuitBreakerOptions {
  const o = v.object(path, options, [
    'breaker',
    'halfOpenAfterMs',
    'halfOpenSampling',
    'failureCategories',
    'initialState',
    'classifier',
    'parent',
    'isolateChildren',
  ]);
  const b = o.breaker;
  if (b !== undefined && !isBreaker(b)) {
    const spec = b as Record<string, unknown>;
    if (v.oneOf(`${path}.breaker.kind`, spec.kind, ['consecutive', 'count', 'sampling'])) {
      const p = `${path}.breaker`;
      if (spec.kind === 'consecutive') {
        v.object(p, spec, ['kind', 'threshold']);
        v.number(`${p}.threshold`, spec.threshold, { min: 1, integer: true });
      } else {
        v.object(
          p,
          spec,
          spec.kind === 'count'
            ? ['kind', 'threshold', 'size', 'minimumCalls']
            : ['kind', 'threshold', 'durationMs', 'minimumRps'],
        );
        v.number(`${p}.threshold`, spec.threshold ?? Number.NaN, { above: 0, below: 1 });
        if (spec.kind === 'count') {
          v.number(`${p}.size`, spec.size ?? Number.NaN, { min: 1, integer: true });
          v.number(`${p}.minimumCalls`, spec.minimumCalls, {
            min: 1,
            max: Number(spec.size) || 1,
            integer: true,
          });
        } else {
          v.delay(`${p}.durationMs`, spec.durationMs ?? Number.NaN, { above: 0 });
          v.number(`${p}.minimumRps`, spec.minimumRps, { above: 0 });
        }
      }
    }
  }
  const h = o.halfOpenAfterMs;
  if (typeof h === 'object' && h !== null) {
    const backoff = v.object(`${path}.halfOpenAfterMs`, h, ['initialDelayMs', 'maxDelayMs', 'multiplier']);
    v.delay(`${path}.halfOpenAfterMs.initialDelayMs`, backoff.initialDelayMs ?? Number.NaN);
    v.delay(`${path}.halfOpenAfterMs.maxDelayMs`, backoff.maxDelayMs ?? Number.NaN, {
      min: Number(backoff.initialDelayMs) || 0,
    });
    v.number(`${path}.halfOpenAfterMs.multiplier`, backoff.multiplier, { min: 1 });
  } else {
    v.delay(`${path}.halfOpenAfterMs`, h);
  }
  const s = o.halfOpenSampling;
  if (s !== undefined) {
    const sampling = v.object(`${path}.halfOpenSampling`, s, ['calls', 'threshold']);
    v.number(`${path}.halfOpenSampling.calls`, sampling.calls ?? Number.NaN, { min: 1, integer: true });
    v.number(`${path}.halfOpenSampling.threshold`, sampling.threshold ?? Number.NaN, { min: 0, below: 1 });
  }
  const categories = o.failureCategories;
  if (categories !== undefined) {
    if (!Array.isArray(categories))
      v.fail(`${path}.failureCategories`, 'an array of error categories', categories, true);
    else {
      for (const [i, c] of categories.entries())
        v.oneOf(`${path}.failureCategories[${i}]`, c, ERROR_CATEGORIES);
    }
  }
  if (o.initialState !== undefined) checkSavedState(v, `${path}.initialState`, o.initialState, o.breaker);
  v.func(`${path}.classifier`, o.classifier);
  const parent = o.parent as { isolate?: unknown; onTransition?: unknown } | undefined;
  if (
    parent !== undefined &&
    (typeof parent?.isolate !== 'function' || typeof parent.onTransition !== 'function')
  ) {
    v.fail(`${path}.parent`, 'a CircuitBreaker', parent, true);
  }
  v.boolean(`${path}.isolateChildren`, o.isolateChildren);
  return o as CircuitBreakerOptions;
}

/** Whether `value` has the shape of `template`: same keys, same array lengths, same kinds of leaves. */
function sameShape(template: unknown, value: unknown, depth = 0): boolean {
  if (depth > 4) return false;
  if (typeof template === 'number') return typeof value === 'number' && Number.isFinite(value) && value >= 0;
  if (template === null || typeof template === 'boolean') return value === null || typeof value === 'boolean';
  if (Array.isArray(template)) {
    return (
      Array.isArray(value) &&
      value.length === template.length &&
      value.every((item, i) => sameShape(template[i], item, depth + 1))
    );
  }
  if (typeof template !== 'object' || typeof value !== 'object' || value === null || Array.isArray(value))
    return false;
  const keys = Object.keys(template);
  const record = value as Record<string, unknown>;
  return (
    Object.keys(record).length === keys.length &&
    keys.every(
      k =>
        Object.hasOwn(record, k) && sameShape((template as Record<string, unknown>)[k], record[k], depth + 1),
    )
  );
}

/**
 * Validates a saved circuit state (from `toJSON()`) into `v`. It comes from storage, so nothing is trusted: the
 * saved state of a built-in breaker must have exactly the shape of that breaker's own state.
 */
function checkSavedState(v: OptionsValidator, path: string, value: unknown, spec: unknown): void {
  const o = v.object(path, value, ['state', 'openedAt', 'openings', 'breaker']);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return;
  if (o.state === undefined) v.fail(`${path}.state`, 'one of "closed", "open"', undefined, true);
  v.oneOf(`${path}.state`, o.state, ['closed', 'open']);
  v.number(`${path}.openedAt`, o.openedAt, { min: 0 });
  v.number(`${path}.openings`, o.openings, { min: 1, max: 1_000, integer: true });
  if (o.breaker === undefined || isBreaker(spec)) return;
  let template: unknown;
  try {
    template = createBreaker(spec as BreakerSpec | undefined).state;
  } catch {
    return; // the spec itself is invalid and reported as such
  }
  const kind = (spec as BreakerSpec | undefined)?.kind ?? CIRCUIT_BREAKER_DEFAULTS.breaker.kind;
  if (!sameShape(template, o.breaker)) {
    v.fail(`${path}.breaker`, `the state of this ${kind} breaker (from toJSON())`, o.breaker, true);
  }
}

/** Builds the cockatiel breaker for a spec. */
export function createBreaker(spec: BreakerSpec | IBreaker | undefined): IBreaker {
  const s = spec ?? CIRCUIT_BREAKER_DEFAULTS.breaker;
  if (isBreaker(s)) return s;
  switch (s.kind) {
    case 'consecutive':
      return new ConsecutiveBreaker(s.threshold ?? 5);
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

/** Builds cockatiel's half-open backoff factory for a setting. */
export function createHalfOpenBackoff(
  setting: number | HalfOpenBackoff | undefined,
): IBackoffFactory<IHalfOpenAfterBackoffContext> {
  const h = setting ?? CIRCUIT_BREAKER_DEFAULTS.halfOpenAfterMs;
  if (typeof h === 'number') return new ConstantBackoff(h);
  const multiplier = h.multiplier ?? 2;
  return new DelegateBackoff<IHalfOpenAfterBackoffContext>(ctx =>
    Math.min(h.maxDelayMs, h.initialDelayMs * multiplier ** Math.max(0, ctx.attempt - 1)),
  );
}
