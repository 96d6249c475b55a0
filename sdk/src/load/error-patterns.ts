import { trace } from '@opentelemetry/api';
import type { ErrorAggregator, PatternThreshold } from '../classify/error-aggregator.js';
import type { ClassifiedError } from '../classify/types.js';
import { CircuitBreaker } from '../policies/circuit-breaker.js';
import {
  ATTR_RESILIENCE_ERROR_CATEGORY,
  ERROR_CATEGORIES,
  type ErrorCategory,
  EVENT_ERROR_PATTERN,
  METRIC_ERROR_PATTERNS,
} from '../semconv.js';
import { AttributeCache } from '../telemetry/attributes.js';
import { addSpanEvent } from '../telemetry/spans.js';
import { currentTelemetry } from '../telemetry/telemetry.js';
import { safely, safelyGet } from '../util/safely.js';
import { OptionsValidator } from '../util/validate.js';
import { Feature } from './feature.js';
import { unrefTimer } from './internal.js';

/** A detected (or cleared) error pattern. */
export interface ErrorPatternEvent {
  /** Name of the watcher (the policy attribute of its telemetry). */
  readonly watcher: string;
  readonly category: ErrorCategory;
  readonly threshold: PatternThreshold;
  /** Errors of the category in the aggregator's window when it fired. */
  readonly count: number;
}

/** Something to do when a pattern is detected, undone when it clears. */
export interface ErrorPatternAction {
  onDetected(event: ErrorPatternEvent): void;
  onCleared?(event: ErrorPatternEvent): void;
}

/** One pattern: a category crossing a threshold in the aggregator's window. */
export interface ErrorPatternRule {
  readonly category: ErrorCategory;
  /** A minimum count, or `{ count?, rate? }` (see `ErrorAggregator.isPatternDetected`). */
  readonly threshold: PatternThreshold;
  readonly actions?: readonly ErrorPatternAction[];
  /** Called when the category crosses the threshold (once, until it clears). */
  readonly onDetected?: (event: ErrorPatternEvent) => void;
  /** Called when the category is back under the threshold. */
  readonly onCleared?: (event: ErrorPatternEvent) => void;
}

/** Options of {@link watchErrorPatterns}. */
export interface ErrorPatternWatcherOptions {
  /** Reported as the policy attribute on the counter and span event. @default 'error_patterns' */
  readonly name?: string;
  /**
   * How often the aggregator is re-checked (errors recorded elsewhere, patterns clearing as the window
   * slides), in ms, with an `unref`'d timer; `null` for no timer (checks run on `record()` and `check()` only).
   * @default 1000
   */
  readonly pollIntervalMs?: number | null;
}

/** Defaults of {@link ErrorPatternWatcherOptions}. */
export const ERROR_PATTERN_DEFAULTS = Object.freeze({ name: 'error_patterns', pollIntervalMs: 1_000 });

/**
 * Watches an `ErrorAggregator` (by composition; the aggregator is unchanged) and fires callbacks and actions when
 * a category crosses its threshold in the window: edge-triggered, once per crossing, and again as "cleared" when
 * it falls back under. Each detection is counted in {@link METRIC_ERROR_PATTERNS} (by policy and category) and
 * added as an {@link EVENT_ERROR_PATTERN} event to the active span (the call whose error crossed the threshold).
 */
export class ErrorPatternWatcher {
  private readonly active: boolean[];
  private readonly attributes: AttributeCache;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    readonly aggregator: ErrorAggregator,
    private readonly rules: readonly ErrorPatternRule[],
    readonly name: string,
    pollIntervalMs: number | null,
  ) {
    this.active = rules.map(() => false);
    this.attributes = new AttributeCache(name);
    if (pollIntervalMs !== null) {
      this.timer = setInterval(() => this.check(), pollIntervalMs);
      unrefTimer(this.timer);
    }
  }

  /** Records an error in the aggregator and checks the rules of its category at once. */
  record(error: unknown): ClassifiedError {
    const classified = this.aggregator.record(error);
    this.check(classified.category);
    return classified;
  }

  /** Records a success in the aggregator. */
  recordSuccess(): void {
    this.aggregator.recordSuccess();
  }

  /** Evaluates the rules (of one category, or all) now. */
  check(category?: ErrorCategory): void {
    this.rules.forEach((rule, i) => {
      if (category !== undefined && rule.category !== category) return;
      const detected = safelyGet(
        'error pattern check',
        () => this.aggregator.isPatternDetected(rule.category, rule.threshold),
        false,
      );
      if (detected === this.active[i]) return;
      this.active[i] = detected;
      const event: ErrorPatternEvent = {
        watcher: this.name,
        category: rule.category,
        threshold: rule.threshold,
        count: this.aggregator.counts()[rule.category],
      };
      if (detected) this.detected(rule, event);
      else this.cleared(rule, event);
    });
  }

  /** Categories whose pattern is currently detected. */
  detectedCategories(): ErrorCategory[] {
    return this.rules.filter((_, i) => this.active[i]).map(rule => rule.category);
  }

  private detected(rule: ErrorPatternRule, event: ErrorPatternEvent): void {
    const attributes = this.attributes.get(`p|${rule.category}`, () => ({
      [ATTR_RESILIENCE_ERROR_CATEGORY]: rule.category,
    }));
    const telemetry = currentTelemetry();
    if (telemetry.metricsEnabled) {
      safely('recording an error pattern', () => telemetry.instruments.errorPatterns.add(1, attributes));
    }
    addSpanEvent(trace.getActiveSpan(), EVENT_ERROR_PATTERN, attributes);
    if (rule.onDetected !== undefined) safely('error pattern onDetected', () => rule.onDetected?.(event));
    for (const action of rule.actions ?? []) safely('error pattern action', () => action.onDetected(event));
  }

  private cleared(rule: ErrorPatternRule, event: ErrorPatternEvent): void {
    if (rule.onCleared !== undefined) safely('error pattern onCleared', () => rule.onCleared?.(event));
    for (const action of rule.actions ?? []) safely('error pattern action', () => action.onCleared?.(event));
  }

  /** Stops the poll timer. */
  dispose(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }
}

/** Action: disables `feature` while the pattern lasts (or for `forMs`), then re-enables it if nothing else disabled it. */
export function disableFeature(
  feature: Feature<unknown>,
  options: { readonly forMs?: number } = {},
): ErrorPatternAction {
  const v = new OptionsValidator('disableFeature');
  if (!(feature instanceof Feature))
    v.fail('feature', 'a Feature (from FeatureRegistry.define)', feature, true);
  v.delay('options.forMs', v.object('options', options, ['forMs']).forMs, { above: 0 });
  v.done();
  return {
    onDetected: () => feature.disable(options.forMs, 'error_pattern'),
    onCleared: () => {
      if (options.forMs === undefined) feature.enableIfDisabledBy('error_pattern');
    },
  };
}

/** Action: holds `breaker` isolated (open) while the pattern lasts. */
export function isolateBreaker(breaker: CircuitBreaker): ErrorPatternAction {
  const v = new OptionsValidator('isolateBreaker');
  if (!(breaker instanceof CircuitBreaker)) v.fail('breaker', 'a CircuitBreaker', breaker, true);
  v.done();
  let handle: { dispose(): void } | undefined;
  return {
    onDetected: () => {
      handle ??= breaker.isolate();
    },
    onCleared: () => {
      handle?.dispose();
      handle = undefined;
    },
  };
}

/**
 * Starts watching `aggregator` for error patterns. Record errors through the watcher (`watcher.record(error)`) to
 * check at once, or keep recording in the aggregator and let the poll timer notice.
 *
 * @example
 * const errors = new ErrorAggregator({ windowMs: 60_000 });
 * const watcher = watchErrorPatterns(errors, [
 *   { category: 'rate_limited', threshold: { count: 10, rate: 0.3 }, actions: [disableFeature(suggestions)] },
 *   { category: 'authentication', threshold: 3, actions: [isolateBreaker(openaiBreaker)] },
 * ]);
 */
export function watchErrorPatterns(
  aggregator: ErrorAggregator,
  rules: readonly ErrorPatternRule[],
  options: ErrorPatternWatcherOptions = {},
): ErrorPatternWatcher {
  const v = new OptionsValidator('watchErrorPatterns');
  if (typeof (aggregator as { isPatternDetected?: unknown } | null)?.isPatternDetected !== 'function') {
    v.fail('aggregator', 'an ErrorAggregator', aggregator, true);
  }
  if (!Array.isArray(rules)) v.fail('rules', 'an array of rules', rules, true);
  else for (const [i, rule] of rules.entries()) checkRule(v, `rules[${i}]`, rule);
  const o = v.object('options', options, ['name', 'pollIntervalMs']);
  if (o.name !== undefined) v.name('options.name', o.name);
  if (o.pollIntervalMs !== null) v.delay('options.pollIntervalMs', o.pollIntervalMs, { above: 0 });
  v.done();
  const d = ERROR_PATTERN_DEFAULTS;
  return new ErrorPatternWatcher(
    aggregator,
    [...rules],
    options.name ?? d.name,
    options.pollIntervalMs === undefined ? d.pollIntervalMs : options.pollIntervalMs,
  );
}

function checkRule(v: OptionsValidator, path: string, rule: unknown): void {
  const r = v.object(path, rule, ['category', 'threshold', 'actions', 'onDetected', 'onCleared']);
  if (r.category === undefined) v.fail(`${path}.category`, 'an error category', undefined, true);
  v.oneOf(`${path}.category`, r.category, ERROR_CATEGORIES);
  const t = r.threshold;
  if (typeof t === 'number' || t === undefined) {
    if (t === undefined) v.fail(`${path}.threshold`, 'a count or { count, rate }', t, true);
    v.number(`${path}.threshold`, t, { min: 1, integer: true });
  } else {
    const o = v.object(`${path}.threshold`, t, ['count', 'rate']);
    if (o.count === undefined && o.rate === undefined)
      v.fail(`${path}.threshold`, 'a count and/or a rate', t);
    v.number(`${path}.threshold.count`, o.count, { min: 1, integer: true });
    v.number(`${path}.threshold.rate`, o.rate, { above: 0, max: 1 });
  }
  if (r.actions !== undefined && !Array.isArray(r.actions))
    v.fail(`${path}.actions`, 'an array of actions', r.actions, true);
  for (const [i, action] of (Array.isArray(r.actions) ? r.actions : []).entries()) {
    const p = `${path}.actions[${i}]`;
    if (typeof action !== 'object' || action === null) {
      v.fail(p, 'an action ({ onDetected, onCleared? })', action, true);
      continue;
    }
    if (typeof action.onDetected !== 'function')
      v.fail(`${p}.onDetected`, 'a function', action.onDetected, true);
    v.func(`${p}.onCleared`, action.onCleared);
  }
  v.func(`${path}.onDetected`, r.onDetected);
  v.func(`${path}.onCleared`, r.onCleared);
}
