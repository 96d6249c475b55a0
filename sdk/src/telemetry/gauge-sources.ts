import type { MetricAttributes } from '@opentelemetry/api';
import type { METRICS } from '../semconv.js';

/** Keys of the gauge metrics in the contract. */
export type GaugeKey = {
  [K in keyof typeof METRICS]: (typeof METRICS)[K]['kind'] extends 'gauge' ? K : never;
}[keyof typeof METRICS];

/** Reports the current value(s) of a gauge at collection time. */
export type GaugeObserver = (report: (value: number, attributes: MetricAttributes) => void) => void;

/** A live object whose state feeds observable gauges (a breaker, a budget, a recovery manager, …). */
export interface GaugeSource {
  readonly observers: Partial<Record<GaugeKey, GaugeObserver>>;
}

const sources = new Set<WeakRef<GaugeSource>>();
const cleanup = new FinalizationRegistry<WeakRef<GaugeSource>>(ref => sources.delete(ref));

/**
 * Registers an object whose state is reported through observable gauges. Held weakly: an object that is
 * garbage-collected stops being reported even if nobody called the returned `dispose`.
 */
export function registerGaugeSource(source: GaugeSource): { dispose(): void } {
  const ref = new WeakRef(source);
  sources.add(ref);
  cleanup.register(source, ref, ref);
  return {
    dispose() {
      sources.delete(ref);
      cleanup.unregister(ref);
    },
  };
}

/** The observers currently registered for one gauge. */
export function* gaugeSources(key: GaugeKey): Generator<GaugeObserver> {
  for (const ref of sources) {
    const source = ref.deref();
    if (source === undefined) {
      sources.delete(ref);
      continue;
    }
    const observer = source.observers[key];
    if (observer !== undefined) yield observer;
  }
}
