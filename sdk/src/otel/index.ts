/**
 * `agent-resilience/otel`: OpenTelemetry SDK bootstrap for agent apps. Depends on `@opentelemetry/sdk-node` and
 * the exporters (optional peer dependencies); the core package needs only `@opentelemetry/api`.
 */
export {
  PROMETHEUS_ENDPOINT_DEFAULTS,
  PrometheusEndpoint,
  type PrometheusEndpointOptions,
} from './prometheus-endpoint.js';
export { type PrometheusMetricType, prometheusLabelName, prometheusMetricName } from './prometheus-naming.js';
export { startTelemetry, type TelemetryHandle } from './start-telemetry.js';
export {
  type OtlpOptions,
  START_TELEMETRY_DEFAULTS,
  type StartTelemetryOptions,
} from './start-telemetry-options.js';
