import { trace } from '@opentelemetry/api';
import { EventEmitter } from 'cockatiel';
import { classifyError } from '../classify/index.js';
import type { Classifier } from '../classify/types.js';
import { joinRegistry, PolicyRegistry } from '../core/registry.js';
import {
  ATTR_RESILIENCE_FEATURE,
  ATTR_RESILIENCE_FEATURE_REASON,
  ATTR_RESILIENCE_FEATURE_STATE,
  EVENT_FEATURE_STATE_CHANGE,
  type FeatureChangeReason,
  METRIC_FEATURE_ENABLED,
} from '../semconv.js';
import { addSpanEvent } from '../telemetry/spans.js';
import { isolatedListeners } from '../util/isolated-listeners.js';
import { OptionsValidator } from '../util/validate.js';
import { Feature, type FeatureCallOptions, type FeatureOptions } from './feature.js';
import { checkFeatureOptions } from './feature-options.js';
import { type Clock, monotonicNow, registerGauges } from './internal.js';

/** A feature was disabled or enabled again. */
export interface FeatureChange {
  readonly feature: string;
  readonly enabled: boolean;
  readonly reason: FeatureChangeReason;
  /** `Date.now()` of the change. */
  readonly at: number;
}

/** Options of {@link createFeatureRegistry}. */
export interface FeatureRegistryOptions {
  /** Registry each feature joins (kind `feature`; the monitoring API can list them); `null` for none. @default defaultRegistry */
  readonly registry?: PolicyRegistry | null;
  /** Classifies feature errors (to skip cancellations and filter by category). @default classifyError */
  readonly classifier?: Classifier;
  /** Monotonic clock in ms (inject a fake one in tests). @default () => performance.now() */
  readonly now?: Clock;
}

/**
 * Graceful degradation: named features with a fallback value that are disabled by hand or automatically after
 * too many errors in a window, and re-enabled after a cool-down (an automatic disable never lasts forever).
 * `executeIfEnabled` runs a feature's function while it is enabled and serves its fallback otherwise (and, by
 * default, when it fails). Gauge: {@link METRIC_FEATURE_ENABLED} (by feature name; 1 or 0); each change
 * adds an {@link EVENT_FEATURE_STATE_CHANGE} event to the active span and fires {@link onChange}.
 */
export class FeatureRegistry {
  private readonly features = new Map<string, Feature<unknown>>();
  private readonly emitter = new EventEmitter<FeatureChange>();
  private readonly cleanups: Array<() => void> = [];
  private readonly classify: Classifier;
  private readonly now: Clock;

  /** Fires when a feature is disabled or enabled (listeners run safely). */
  readonly onChange = isolatedListeners(this.emitter, 'feature onChange');

  constructor(private readonly options: FeatureRegistryOptions = {}) {
    this.classify = options.classifier ?? classifyError;
    this.now = options.now ?? monotonicNow;
    const gauge = registerGauges({
      observers: {
        featureEnabled: report => {
          for (const feature of this.features.values()) report(feature.enabled ? 1 : 0, feature.attributes);
        },
      },
    });
    this.cleanups.push(() => gauge.dispose());
  }

  /** Defines a feature; names are unique per registry (and per `registry` kind `feature`). */
  define<T>(name: string, options: FeatureOptions<T>): Feature<T> {
    const v = OptionsValidator.forNamed('FeatureRegistry.define', name);
    checkFeatureOptions(v, options);
    if (this.features.has(name)) v.fail('name', 'a name not yet defined in this registry', name);
    v.done();
    const feature = new Feature<T>(name, options, this.now, this.classify, change => this.changed(change));
    const leave = joinRegistry(this.options.registry, 'feature', feature);
    this.features.set(name, feature as Feature<unknown>);
    this.cleanups.push(leave);
    return feature;
  }

  private changed(change: FeatureChange): void {
    addSpanEvent(trace.getActiveSpan(), EVENT_FEATURE_STATE_CHANGE, {
      [ATTR_RESILIENCE_FEATURE]: change.feature,
      [ATTR_RESILIENCE_FEATURE_STATE]: change.enabled ? 'enabled' : 'disabled',
      [ATTR_RESILIENCE_FEATURE_REASON]: change.reason,
    });
    this.emitter.emit(change);
  }

  /** The feature named `name`. */
  get(name: string): Feature<unknown> | undefined {
    return this.features.get(name);
  }

  /** Every feature, in definition order. */
  list(): Feature<unknown>[] {
    return [...this.features.values()];
  }

  /** Whether `name` is enabled (an unknown name throws). */
  isEnabled(name: string): boolean {
    return this.require(name).enabled;
  }

  /**
   * Runs `fn` if the feature is enabled; otherwise (and, unless the feature `rethrow`s, when `fn` fails) resolves
   * its fallback. Errors of the feature count towards its automatic disable; a failure after the caller's
   * `signal` aborted is a cancellation: rethrown, never counted.
   */
  executeIfEnabled<T>(
    feature: Feature<T> | string,
    fn: () => T | PromiseLike<T>,
    options?: FeatureCallOptions,
  ): Promise<T> {
    const target = typeof feature === 'string' ? (this.require(feature) as Feature<T>) : feature;
    return target.execute(fn, options);
  }

  private require(name: string): Feature<unknown> {
    const feature = this.features.get(name);
    if (feature === undefined) throw new RangeError(`No feature named ${JSON.stringify(name)} is defined`);
    return feature;
  }

  /** Stops the gauge and leaves the registry. */
  dispose(): void {
    for (const cleanup of this.cleanups.splice(0)) cleanup();
  }
}

/**
 * Creates a feature registry for graceful degradation.
 *
 * @example
 * const features = createFeatureRegistry();
 * const suggestions = features.define('suggestions', { fallback: [], errorThreshold: 5, cooldownMs: 60_000 });
 * const items = await features.executeIfEnabled(suggestions, () => suggest(prompt));
 * features.get('suggestions')?.disable(); // by hand, until enable()
 */
export function createFeatureRegistry(options: FeatureRegistryOptions = {}): FeatureRegistry {
  const v = new OptionsValidator('createFeatureRegistry');
  const o = v.object('', options, ['registry', 'classifier', 'now']);
  v.instance('registry', o.registry, PolicyRegistry, 'a PolicyRegistry', { nullable: true });
  v.func('classifier', o.classifier);
  v.func('now', o.now);
  v.done();
  return new FeatureRegistry(options);
}
