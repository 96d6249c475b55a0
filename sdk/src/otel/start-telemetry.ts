import { logs, metrics, trace } from '@opentelemetry/api';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { type MetricReader, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace';
import { currentTelemetry, globalTracerDelegate } from '../telemetry/telemetry.js';
import { PrometheusEndpoint } from './prometheus-endpoint.js';
import { resourceDetectors } from './resource-detectors.js';
import { settleWithin } from './settle-within.js';
import {
  type OtlpSettings,
  type StartTelemetryOptions,
  telemetrySettings,
} from './start-telemetry-options.js';

/** A running telemetry setup. */
export interface TelemetryHandle {
  /** URL of the embedded Prometheus endpoint, when enabled. */
  readonly metricsUrl: string | undefined;
  /** Whether traces and metrics are exported over OTLP. */
  readonly otlpEnabled: boolean;
  /**
   * Unregisters the global meter, tracer and logger providers (so `startTelemetry()` can run again), exports
   * what is left, and stops the exporters and the endpoint. Resolves within `shutdownTimeoutMs` whatever the
   * exporters do (a Collector that is down, an exporter that hangs or throws) and never rejects: failures are
   * reported through OpenTelemetry's `diag`. Calling it again returns the same promise.
   */
  shutdown(): Promise<void>;
}

/** The OTLP metric reader and span processor. */
function otlpPipeline(otlp: OtlpSettings): { reader: MetricReader; spanProcessor: SpanProcessor } {
  const headers = otlp.headers === undefined ? {} : { headers: { ...otlp.headers } };
  const url = (path: string) => (otlp.endpoint === undefined ? {} : { url: `${otlp.endpoint}${path}` });
  return {
    reader: new PeriodicExportingMetricReader({
      exporter: new OTLPMetricExporter({ ...headers, ...url('/v1/metrics') }),
      exportIntervalMillis: otlp.metricExportIntervalMs,
    }),
    spanProcessor: new BatchSpanProcessor({
      exporter: new OTLPTraceExporter({ ...headers, ...url('/v1/traces') }),
    }),
  };
}

/** The global providers the OTel API hands out (the tracer provider unwrapped from its proxy). */
const globalProviders = () => ({
  meter: metrics.getMeterProvider(),
  tracer: globalTracerDelegate(),
  logger: logs.getLoggerProvider(),
});

/**
 * Runs `start`, tells whether it registered the global meter provider, and returns a function that unregisters
 * the global meter, tracer and logger providers it registered, if they are still registered: they stay
 * registered after the SDK's own shutdown and would keep a later `startTelemetry()` from registering. (The
 * context manager and propagator it registers stay: they keep working, and a later start only reports a
 * duplicate registration through `diag`.)
 */
function startRegistering(start: () => void): { meterRegistered: boolean; unregister(): void } {
  const before = globalProviders();
  start();
  const registered = globalProviders();
  return {
    meterRegistered: registered.meter !== before.meter,
    unregister() {
      const now = globalProviders();
      if (registered.meter !== before.meter && now.meter === registered.meter) metrics.disable();
      if (registered.tracer !== before.tracer && now.tracer === registered.tracer) trace.disable();
      if (registered.logger !== before.logger && now.logger === registered.logger) logs.disable();
    },
  };
}

const ALREADY_REGISTERED =
  'startTelemetry: a global OpenTelemetry meter provider is already registered (a startTelemetry() not shut down, or another SDK); shut it down first';

/**
 * Starts the OpenTelemetry Node SDK for an agent app: OTLP/HTTP export to a Collector when configured, and an
 * embedded Prometheus endpoint whose series match the Collector path, so the same dashboards and alerts work on
 * both. Call it before creating policies' first calls (instruments bind to the provider registered at call time).
 * Rejects when options or the OTEL_* variables it reads are invalid, and when a meter provider is already
 * registered (an earlier `startTelemetry()` must be shut down first).
 *
 * @example
 * const telemetry = await startTelemetry({ serviceName: 'support-agent' });
 * console.log(`metrics at ${telemetry.metricsUrl}`);
 * process.once('SIGTERM', () => void telemetry.shutdown());
 */
export async function startTelemetry(options: StartTelemetryOptions): Promise<TelemetryHandle> {
  const settings = telemetrySettings(options);
  if (currentTelemetry().metricsEnabled) throw new Error(ALREADY_REGISTERED);
  const readers: MetricReader[] = [];
  const spanProcessors: SpanProcessor[] = [...(options.spanProcessors ?? [])];
  if (settings.otlp !== undefined) {
    const { reader, spanProcessor } = otlpPipeline(settings.otlp);
    readers.push(reader);
    spanProcessors.push(spanProcessor);
  }
  let metricsUrl: string | undefined;
  if (options.prometheus !== false) {
    const endpoint = new PrometheusEndpoint(options.prometheus ?? {});
    metricsUrl = await endpoint.listen();
    readers.push(endpoint);
  }
  const sdk = new NodeSDK({
    serviceName: options.serviceName,
    // The app's attributes are detected last, so they win over what NodeSDK detects (see resourceDetectors).
    resourceDetectors: resourceDetectors({
      ...(options.serviceVersion === undefined ? {} : { 'service.version': options.serviceVersion }),
      ...options.resourceAttributes,
    }),
    metricReaders: readers,
    spanProcessors,
    logRecordProcessors: [],
    instrumentations: [],
    ...(options.sampler === undefined ? {} : { sampler: options.sampler }),
  });
  const started = startRegistering(() => sdk.start());
  let stopped: Promise<void> | undefined;
  const handle: TelemetryHandle = {
    metricsUrl,
    otlpEnabled: settings.otlp !== undefined,
    shutdown() {
      stopped ??= settleWithin('shutting down telemetry', settings.shutdownTimeoutMs, () => {
        started.unregister();
        return sdk.shutdown();
      });
      return stopped;
    },
  };
  if (readers.length > 0 && !started.meterRegistered) {
    // Another start registered its provider while this one was binding its port.
    await handle.shutdown();
    throw new Error(ALREADY_REGISTERED);
  }
  // Bind the instruments (and the observable gauges) to the new providers now, so /metrics shows every live
  // breaker, budget and ramp before the first call.
  currentTelemetry();
  return handle;
}
