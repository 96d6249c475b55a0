import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { type MetricReader, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor, type Sampler, type SpanProcessor } from '@opentelemetry/sdk-trace';
import { currentTelemetry } from '../telemetry/telemetry.js';
import { OptionsValidator } from '../util/validate.js';
import { PrometheusEndpoint, type PrometheusEndpointOptions } from './prometheus-endpoint.js';

/** OTLP/HTTP (protobuf) export to a Collector. */
export interface OtlpOptions {
  /** Base URL; `/v1/traces` and `/v1/metrics` are appended. @default OTEL_EXPORTER_OTLP_ENDPOINT or http://localhost:4318 */
  readonly endpoint?: string;
  /** Extra request headers (e.g. an auth token). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Interval between metric exports. @default OTEL_METRIC_EXPORT_INTERVAL or 15000 */
  readonly metricExportIntervalMs?: number;
}

/** Options of {@link startTelemetry}. */
export interface StartTelemetryOptions {
  /** `service.name` of the resource; becomes the `service_name` label and the Collector's `job`. */
  readonly serviceName: string;
  /** `service.version` of the resource. */
  readonly serviceVersion?: string;
  /** Extra resource attributes (e.g. `deployment.environment.name`). */
  readonly resourceAttributes?: Readonly<Record<string, string>>;
  /**
   * Traces and metrics over OTLP/HTTP to a Collector. `true` uses the standard environment variables.
   * @default enabled when OTEL_EXPORTER_OTLP_ENDPOINT is set, otherwise off
   */
  readonly otlp?: boolean | OtlpOptions;
  /**
   * An embedded Prometheus endpoint with the same series names and labels as the Collector path; `false` for none.
   * @default { host: '127.0.0.1', port: 9464, path: '/metrics' }
   */
  readonly prometheus?: false | PrometheusEndpointOptions;
  /** Additional span processors (e.g. a console exporter while developing). @default [] */
  readonly spanProcessors?: readonly SpanProcessor[];
  /** Trace sampler. @default parent-based always-on (or OTEL_TRACES_SAMPLER) */
  readonly sampler?: Sampler;
}

/** A running telemetry setup. */
export interface TelemetryHandle {
  /** URL of the embedded Prometheus endpoint, when enabled. */
  readonly metricsUrl: string | undefined;
  /** Whether traces and metrics are exported over OTLP. */
  readonly otlpEnabled: boolean;
  /** Flushes and stops exporters and the endpoint. */
  shutdown(): Promise<void>;
}

function validate(options: unknown): void {
  const v = new OptionsValidator('startTelemetry');
  const o = v.object('options', options, [
    'serviceName',
    'serviceVersion',
    'resourceAttributes',
    'otlp',
    'prometheus',
    'spanProcessors',
    'sampler',
  ]);
  if (typeof o.serviceName !== 'string' || o.serviceName.trim() === '') {
    v.fail('serviceName', 'a non-empty string', o.serviceName, typeof o.serviceName !== 'string');
  }
  if (typeof o.otlp === 'object' && o.otlp !== null) {
    const otlp = v.object('otlp', o.otlp, ['endpoint', 'headers', 'metricExportIntervalMs']);
    if (otlp.endpoint !== undefined && !URL.canParse(String(otlp.endpoint))) {
      v.fail('otlp.endpoint', 'an absolute URL', otlp.endpoint);
    }
    v.number('otlp.metricExportIntervalMs', otlp.metricExportIntervalMs, { above: 0 });
  } else if (o.otlp !== undefined) v.boolean('otlp', o.otlp);
  if (o.prometheus !== undefined && o.prometheus !== false) {
    const p = v.object('prometheus', o.prometheus, ['host', 'port', 'path']);
    v.number('prometheus.port', p.port, { min: 0, max: 65_535, integer: true });
    if (p.host !== undefined && (typeof p.host !== 'string' || p.host === ''))
      v.fail('prometheus.host', 'a host name or IP', p.host);
    if (p.path !== undefined && !(typeof p.path === 'string' && p.path.startsWith('/'))) {
      v.fail('prometheus.path', 'a path starting with "/"', p.path);
    }
  }
  v.done();
}

function otlpSettings(otlp: StartTelemetryOptions['otlp']): OtlpOptions | undefined {
  if (otlp === false) return undefined;
  if (otlp === undefined) return process.env.OTEL_EXPORTER_OTLP_ENDPOINT ? {} : undefined;
  return otlp === true ? {} : otlp;
}

/**
 * Starts the OpenTelemetry Node SDK for an agent app: OTLP/HTTP export to a Collector when configured, and an
 * embedded Prometheus endpoint whose series match the Collector path, so the same dashboards and alerts work on
 * both. Call it before creating policies' first calls (instruments bind to the provider registered at call time).
 *
 * @example
 * const telemetry = await startTelemetry({ serviceName: 'support-agent' });
 * console.log(`metrics at ${telemetry.metricsUrl}`);
 * process.once('SIGTERM', () => void telemetry.shutdown());
 */
export async function startTelemetry(options: StartTelemetryOptions): Promise<TelemetryHandle> {
  validate(options);
  const otlp = otlpSettings(options.otlp);
  const readers: MetricReader[] = [];
  const spanProcessors: SpanProcessor[] = [...(options.spanProcessors ?? [])];
  let endpoint: PrometheusEndpoint | undefined;
  let metricsUrl: string | undefined;
  if (options.prometheus !== false) {
    endpoint = new PrometheusEndpoint(options.prometheus ?? {});
    metricsUrl = await endpoint.listen();
    readers.push(endpoint);
  }
  if (otlp !== undefined) {
    const base = otlp.endpoint?.replace(/\/+$/, '');
    const common = { ...(otlp.headers === undefined ? {} : { headers: { ...otlp.headers } }) };
    readers.push(
      new PeriodicExportingMetricReader({
        exporter: new OTLPMetricExporter({
          ...common,
          ...(base === undefined ? {} : { url: `${base}/v1/metrics` }),
        }),
        exportIntervalMillis:
          otlp.metricExportIntervalMs ?? (Number(process.env.OTEL_METRIC_EXPORT_INTERVAL) || 15_000),
      }),
    );
    spanProcessors.push(
      new BatchSpanProcessor({
        exporter: new OTLPTraceExporter({
          ...common,
          ...(base === undefined ? {} : { url: `${base}/v1/traces` }),
        }),
      }),
    );
  }
  const sdk = new NodeSDK({
    serviceName: options.serviceName,
    resource: resourceFromAttributes({
      ...(options.serviceVersion === undefined ? {} : { 'service.version': options.serviceVersion }),
      ...options.resourceAttributes,
    }),
    metricReaders: readers,
    spanProcessors,
    logRecordProcessors: [],
    instrumentations: [],
    ...(options.sampler === undefined ? {} : { sampler: options.sampler }),
  });
  sdk.start();
  // Bind the instruments (and the observable gauges) to the new providers now, so /metrics shows every live
  // breaker, budget and ramp before the first call.
  currentTelemetry();
  let stopped: Promise<void> | undefined;
  return {
    metricsUrl,
    otlpEnabled: otlp !== undefined,
    shutdown() {
      stopped ??= sdk.shutdown();
      return stopped;
    },
  };
}
