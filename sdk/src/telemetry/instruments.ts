import type { Counter, Histogram, Meter, MetricAttributes, ObservableResult } from '@opentelemetry/api';
import { createNoopMeter, diag, ValueType } from '@opentelemetry/api';
import {
  DURATION_BUCKETS_SECONDS,
  GEN_AI_AGENT_DURATION_BUCKETS_SECONDS,
  GEN_AI_DURATION_BUCKETS_SECONDS,
  GEN_AI_TIME_TO_FIRST_CHUNK_BUCKETS_SECONDS,
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
  genAiTimeToFirstChunk: GEN_AI_TIME_TO_FIRST_CHUNK_BUCKETS_SECONDS,
  genAiClientInferenceDuration: GEN_AI_DURATION_BUCKETS_SECONDS,
};

const NOOP_METER = createNoopMeter();

function createInstrument(
  meter: Meter,
  key: keyof typeof METRICS,
  d: MetricDescriptor,
): Counter | Histogram | undefined {
  if (d.kind === 'counter') {
    const counter = meter.createCounter(d.name, {
      description: d.description,
      unit: d.unit,
      valueType: ValueType.INT,
    });
    return usable(counter, 'add', d.name);
  }
  if (d.kind === 'histogram') {
    const histogram = meter.createHistogram(d.name, {
      description: d.description,
      unit: d.unit,
      advice: { explicitBucketBoundaries: [...(BUCKETS[key as HistogramKey] ?? DURATION_BUCKETS_SECONDS)] },
    });
    return usable(histogram, 'record', d.name);
  }
  const gauge = meter.createObservableGauge(d.name, {
    description: d.description,
    unit: d.unit,
    valueType: d.unit === '1' ? ValueType.DOUBLE : ValueType.INT,
  });
  usable(gauge, 'addCallback', d.name).addCallback((result: ObservableResult<MetricAttributes>) => {
    for (const observe of gaugeSources(key as GaugeKey)) {
      safely(`observing ${d.name}`, () => observe((value, attributes) => result.observe(value, attributes)));
    }
  });
  return undefined;
}

/** `instrument`, checked to have the method hot paths call (a broken meter may return anything). */
function usable<T>(instrument: T, method: string, name: string): T {
  if (typeof (instrument as Record<string, unknown> | undefined)?.[method] !== 'function') {
    throw new TypeError(`the meter returned an instrument without ${method}() for ${name}`);
  }
  return instrument;
}

/**
 * Creates every instrument of the telemetry contract on `meter`, once per meter. Observable gauges read the
 * live objects registered in {@link gaugeSources} at collection time, so hot paths never touch them.
 * An instrument the meter fails to create (it throws, or returns something unusable) is replaced by one that
 * records nothing; the failures are reported through `diag` in one message.
 */
export function createInstruments(meter: Meter): Instruments {
  const created: Record<string, Counter | Histogram> = {};
  const failed: string[] = [];
  const errors: unknown[] = [];
  const descriptors = Object.entries(METRICS) as [keyof typeof METRICS, MetricDescriptor][];
  for (const [key, d] of descriptors) {
    let instrument: Counter | Histogram | undefined;
    try {
      instrument = createInstrument(meter, key, d);
    } catch (error) {
      instrument = createInstrument(NOOP_METER, key, d);
      failed.push(d.name);
      errors.push(error);
    }
    if (instrument !== undefined) created[key] = instrument;
  }
  if (failed.length > 0) {
    diag.error(
      `agent-resilience: creating ${failed.length} of ${descriptors.length} instruments failed (${failed.join(', ')}); they record nothing`,
      ...errors,
    );
  }
  return created as Instruments;
}
