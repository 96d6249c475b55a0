import type { Counter, Histogram, Meter, MetricAttributes, ObservableResult } from '@opentelemetry/api';
import { ValueType } from '@opentelemetry/api';
import {
  DURATION_BUCKETS_SECONDS,
  GEN_AI_AGENT_DURATION_BUCKETS_SECONDS,
  GEN_AI_DURATION_BUCKETS_SECONDS,
  METRICS,
  type MetricDescriptor,
  RETRY_DELAY_BUCKETS_SECONDS,
} from '../semconv.js';
import { safely } from '../util/safely.js';
import { type GaugeKey, gaugeSources } from './gauge-sources.js';

type CounterKey = {
  [K in keyof typeof METRICS]: (typeof METRICS)[K]['kind'] extends 'counter' ? K : never;
}[keyof typeof METRICS];
type HistogramKey = {
  [K in keyof typeof METRICS]: (typeof METRICS)[K]['kind'] extends 'histogram' ? K : never;
}[keyof typeof METRICS];

/** The synchronous instruments, one per counter and histogram of {@link METRICS}. */
export type Instruments = { readonly [K in CounterKey]: Counter } & {
  readonly [K in HistogramKey]: Histogram;
};

const BUCKETS: Partial<Record<HistogramKey, readonly number[]>> = {
  retryDelay: RETRY_DELAY_BUCKETS_SECONDS,
  genAiClientOperationDuration: GEN_AI_DURATION_BUCKETS_SECONDS,
  genAiExecuteToolDuration: GEN_AI_DURATION_BUCKETS_SECONDS,
  genAiInvokeAgentDuration: GEN_AI_AGENT_DURATION_BUCKETS_SECONDS,
};

/**
 * Creates every instrument of the telemetry contract on `meter`, once per meter. Observable gauges read the
 * live objects registered in {@link gaugeSources} at collection time, so hot paths never touch them.
 */
export function createInstruments(meter: Meter): Instruments {
  const created: Record<string, Counter | Histogram> = {};
  for (const [key, d] of Object.entries(METRICS) as [keyof typeof METRICS, MetricDescriptor][]) {
    if (d.kind === 'counter') {
      created[key] = meter.createCounter(d.name, {
        description: d.description,
        unit: d.unit,
        valueType: ValueType.INT,
      });
    } else if (d.kind === 'histogram') {
      created[key] = meter.createHistogram(d.name, {
        description: d.description,
        unit: d.unit,
        advice: { explicitBucketBoundaries: [...(BUCKETS[key as HistogramKey] ?? DURATION_BUCKETS_SECONDS)] },
      });
    } else {
      const gauge = meter.createObservableGauge(d.name, {
        description: d.description,
        unit: d.unit,
        valueType: d.unit === '1' ? ValueType.DOUBLE : ValueType.INT,
      });
      gauge.addCallback((result: ObservableResult<MetricAttributes>) => {
        for (const observe of gaugeSources(key as GaugeKey)) {
          safely(`observing ${d.name}`, () =>
            observe((value, attributes) => result.observe(value, attributes)),
          );
        }
      });
    }
  }
  return created as Instruments;
}
