/** The hedging bench's view of the policy's own telemetry: `resilience.hedges` by result. */
import { AggregationTemporality, MetricReader } from '@opentelemetry/sdk-metrics';
import {
  ATTR_RESILIENCE_HEDGE_RESULT,
  HEDGE_RESULTS,
  type HedgeResult,
  METRIC_HEDGES,
} from '../sdk/src/semconv.js';

/** A metric reader that collects only when asked. */
export class OnDemandReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

/** `resilience.hedges` by result, as the policy reported it. */
export async function hedgeCounts(reader: OnDemandReader): Promise<Record<HedgeResult, number>> {
  const counts = Object.fromEntries(HEDGE_RESULTS.map(r => [r, 0])) as Record<HedgeResult, number>;
  const { resourceMetrics } = await reader.collect();
  for (const scope of resourceMetrics.scopeMetrics) {
    for (const metric of scope.metrics) {
      if (metric.descriptor.name !== METRIC_HEDGES) continue;
      for (const point of metric.dataPoints) {
        const result = point.attributes[ATTR_RESILIENCE_HEDGE_RESULT] as HedgeResult;
        counts[result] += point.value as number;
      }
    }
  }
  return counts;
}
