import type { Sampler, SpanProcessor } from '@opentelemetry/sdk-trace';
import { OptionsValidator } from '../util/validate.js';
import { checkPrometheusEndpointOptions, type PrometheusEndpointOptions } from './prometheus-endpoint.js';

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
  /**
   * Longest time `shutdown()` waits for the last export and for the exporters to stop; it then resolves anyway.
   * Keep it below your platform's termination grace period (Kubernetes: 30 s).
   * @default 5000
   */
  readonly shutdownTimeoutMs?: number;
}

/** Defaults of {@link StartTelemetryOptions} and {@link OtlpOptions}. */
export const START_TELEMETRY_DEFAULTS = Object.freeze({
  shutdownTimeoutMs: 5000,
  metricExportIntervalMs: 15_000,
});

/** OTLP settings once options and environment are merged. */
export interface OtlpSettings {
  /** Base URL without trailing slashes; undefined lets the exporters read the OTEL_EXPORTER_OTLP_* variables. */
  readonly endpoint: string | undefined;
  readonly headers: Readonly<Record<string, string>> | undefined;
  readonly metricExportIntervalMs: number;
}

/** What {@link startTelemetry} runs with: validated options merged with the environment and the defaults. */
export interface TelemetrySettings {
  /** Undefined when OTLP export is off. */
  readonly otlp: OtlpSettings | undefined;
  readonly shutdownTimeoutMs: number;
}

const OTLP_URL_VARIABLES = [
  'OTEL_EXPORTER_OTLP_ENDPOINT',
  'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
  'OTEL_EXPORTER_OTLP_METRICS_ENDPOINT',
] as const;

const isHttpUrl = (value: unknown): boolean =>
  typeof value === 'string' && URL.canParse(value) && /^https?:$/.test(new URL(value).protocol);

const isStringRecord = (value: unknown): boolean =>
  typeof value === 'object' &&
  value !== null &&
  !Array.isArray(value) &&
  Object.values(value).every(v => typeof v === 'string');

/** A set, non-blank environment variable. */
function env(name: string): string | undefined {
  const value = process.env[name];
  return value === undefined || value.trim() === '' ? undefined : value;
}

function checkOptions(v: OptionsValidator, o: Record<string, unknown>): void {
  if (typeof o.serviceName !== 'string' || o.serviceName.trim() === '') {
    v.fail('serviceName', 'a non-empty string', o.serviceName, typeof o.serviceName !== 'string');
  }
  if (o.serviceVersion !== undefined && typeof o.serviceVersion !== 'string') {
    v.fail('serviceVersion', 'a string', o.serviceVersion, true);
  }
  if (o.resourceAttributes !== undefined && !isStringRecord(o.resourceAttributes)) {
    v.fail('resourceAttributes', 'an object of strings', o.resourceAttributes, true);
  }
  if (typeof o.otlp === 'object' && o.otlp !== null) {
    const otlp = v.object('otlp', o.otlp, ['endpoint', 'headers', 'metricExportIntervalMs']);
    if (otlp.endpoint !== undefined && !isHttpUrl(otlp.endpoint)) {
      v.fail('otlp.endpoint', 'an absolute http(s) URL', otlp.endpoint);
    }
    if (otlp.headers !== undefined && !isStringRecord(otlp.headers)) {
      v.fail('otlp.headers', 'an object of strings', otlp.headers, true);
    }
    v.delay('otlp.metricExportIntervalMs', otlp.metricExportIntervalMs, { above: 0 });
  } else if (o.otlp !== undefined) v.boolean('otlp', o.otlp);
  if (o.prometheus !== false) checkPrometheusEndpointOptions(v, 'prometheus', o.prometheus);
  if (o.spanProcessors !== undefined && !Array.isArray(o.spanProcessors)) {
    v.fail('spanProcessors', 'an array of span processors', o.spanProcessors, true);
  }
  v.delay('shutdownTimeoutMs', o.shutdownTimeoutMs, { above: 0 });
}

/** The OTLP settings, checking the environment variables they are taken from (only when OTLP is on). */
function otlpSettings(v: OptionsValidator, options: StartTelemetryOptions): OtlpSettings | undefined {
  const otlp = options.otlp;
  if (otlp === false || (otlp === undefined && env('OTEL_EXPORTER_OTLP_ENDPOINT') === undefined))
    return undefined;
  const explicit: OtlpOptions = typeof otlp === 'object' ? otlp : {};
  if (explicit.endpoint === undefined) {
    for (const name of OTLP_URL_VARIABLES) {
      const value = env(name);
      if (value !== undefined && !isHttpUrl(value))
        v.fail(`process.env.${name}`, 'an absolute http(s) URL', value);
    }
  }
  let interval = explicit.metricExportIntervalMs;
  const intervalVariable = env('OTEL_METRIC_EXPORT_INTERVAL');
  if (interval === undefined && intervalVariable !== undefined) {
    interval = Number(intervalVariable);
    const name = 'process.env.OTEL_METRIC_EXPORT_INTERVAL';
    if (Number.isNaN(interval)) v.fail(name, 'a number of milliseconds', intervalVariable);
    else v.delay(name, interval, { above: 0 });
  }
  return {
    endpoint: explicit.endpoint?.replace(/\/+$/, ''),
    headers: explicit.headers,
    metricExportIntervalMs: interval ?? START_TELEMETRY_DEFAULTS.metricExportIntervalMs,
  };
}

/**
 * Validates the options of {@link startTelemetry} and the environment variables it reads, and merges them with
 * the defaults. Throws one `TypeError`/`RangeError` naming every bad option or variable.
 */
export function telemetrySettings(options: StartTelemetryOptions): TelemetrySettings {
  const v = new OptionsValidator('startTelemetry');
  const o = v.object('options', options, [
    'serviceName',
    'serviceVersion',
    'resourceAttributes',
    'otlp',
    'prometheus',
    'spanProcessors',
    'sampler',
    'shutdownTimeoutMs',
  ]);
  checkOptions(v, o);
  v.done();
  const otlp = otlpSettings(v, options);
  v.done();
  return {
    otlp,
    shutdownTimeoutMs: options.shutdownTimeoutMs ?? START_TELEMETRY_DEFAULTS.shutdownTimeoutMs,
  };
}
