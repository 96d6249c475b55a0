import { DataPointType, type MetricData, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { type PrometheusMetricType, prometheusMetricName } from './prometheus-naming.js';

function typeOf(metric: MetricData): PrometheusMetricType {
  switch (metric.dataPointType) {
    case DataPointType.SUM:
      return metric.isMonotonic ? 'counter' : 'updowncounter';
    case DataPointType.GAUGE:
      return 'gauge';
    default:
      return 'histogram';
  }
}

/**
 * Renames every metric to the name the Collector's Prometheus exporter would give it (unit suffixes, `_total`,
 * `_ratio`), so the stock serializer, which only adds `_total`, produces the Collector's series names.
 */
export function withCollectorNames(resourceMetrics: ResourceMetrics): ResourceMetrics {
  return {
    resource: resourceMetrics.resource,
    scopeMetrics: resourceMetrics.scopeMetrics.map(scope => ({
      scope: scope.scope,
      metrics: scope.metrics.map(
        metric =>
          ({
            ...metric,
            descriptor: {
              ...metric.descriptor,
              name: prometheusMetricName(metric.descriptor.name, metric.descriptor.unit, typeOf(metric)),
            },
          }) as MetricData,
      ),
    })),
  };
}
