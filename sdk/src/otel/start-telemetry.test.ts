import { context, metrics, propagation, trace } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import { createPolicy } from '../pipeline/create-policy.js';
import { ATTR_RESILIENCE_POLICY, METRICS, type MetricDescriptor } from '../semconv.js';
import { httpError } from '../test-support/errors.js';
import { prometheusLabelName, prometheusMetricName } from './prometheus-naming.js';
import { startTelemetry, type TelemetryHandle } from './start-telemetry.js';

interface Series {
  readonly name: string;
  readonly labels: Record<string, string>;
}

function parseExposition(text: string): Series[] {
  const series: Series[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? /.exec(line);
    if (match === null) throw new Error(`unparseable exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[pair[1]!] = pair[2]!;
    }
    series.push({ name: match[1]!, labels });
  }
  return series;
}

const expectedSeriesNames = (d: MetricDescriptor): string[] => {
  const base = prometheusMetricName(d.name, d.unit, d.kind);
  return d.kind === 'histogram' ? [`${base}_bucket`, `${base}_sum`, `${base}_count`] : [base];
};

describe('startTelemetry', () => {
  let handle: TelemetryHandle | undefined;
  afterEach(async () => {
    await handle?.shutdown();
    handle = undefined;
    metrics.disable();
    trace.disable();
    context.disable();
    propagation.disable();
  });

  it('serves /metrics with the same series names and labels as the Collector path', async () => {
    handle = await startTelemetry({ serviceName: 'naming-test', otlp: false, prometheus: { port: 0 } });
    const policy = createPolicy('naming.policy', {
      registry: null,
      retry: { maxRetries: 1, initialDelayMs: 0 },
      circuitBreaker: { breaker: { kind: 'consecutive', threshold: 1 } },
      fallback: { value: 'fallback' },
    });
    await policy.execute(() => 'ok');
    await policy.execute(() => Promise.reject(httpError(503)));
    await policy.execute(() => 'rejected by the open breaker');

    const response = await fetch(handle.metricsUrl!);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const series = parseExposition(await response.text()).filter(s => s.name.startsWith('resilience_'));

    const used = Object.values(METRICS).filter(d =>
      series.some(s => expectedSeriesNames(d).includes(s.name)),
    );
    expect(used.map(d => d.name)).toEqual(
      expect.arrayContaining([
        'resilience.call.duration',
        'resilience.attempt.duration',
        'resilience.errors',
        'resilience.retries',
        'resilience.retry.delay',
        'resilience.circuit_breaker.state',
        'resilience.circuit_breaker.transitions',
        'resilience.rejections',
        'resilience.fallbacks',
      ]),
    );
    const names = new Set(series.map(s => s.name));
    expect(names).toContain('resilience_call_duration_seconds_bucket');
    expect(names).toContain('resilience_errors_total');
    expect(names).toContain('resilience_circuit_breaker_state');
    for (const s of series) {
      const descriptor = Object.values(METRICS).find(d => expectedSeriesNames(d).includes(s.name));
      expect(descriptor, `series ${s.name} must come from semconv.METRICS`).toBeDefined();
      const allowed = new Set([
        ...descriptor!.attributes.map(prometheusLabelName),
        'service_name',
        'otel_scope_name',
        'otel_scope_version',
        'otel_scope_schema_url',
        ...(descriptor!.kind === 'histogram' ? ['le'] : []),
      ]);
      for (const label of Object.keys(s.labels))
        expect(allowed, `label ${label} of ${s.name}`).toContain(label);
      expect(s.labels.service_name).toBe('naming-test');
      expect(s.labels[prometheusLabelName(ATTR_RESILIENCE_POLICY)]).toBe('naming.policy');
    }
    expect(series).toContainEqual(
      expect.objectContaining({
        name: 'resilience_circuit_breaker_state',
        labels: expect.objectContaining({ resilience_circuit_breaker_state: 'open' }),
      }),
    );
  });

  it('answers unknown paths with 404 and other methods with 405', async () => {
    handle = await startTelemetry({ serviceName: 'naming-test', otlp: false, prometheus: { port: 0 } });
    const url = new URL(handle.metricsUrl!);
    expect((await fetch(new URL('/nope', url))).status).toBe(404);
    expect((await fetch(url, { method: 'POST' })).status).toBe(405);
  });

  it('fails fast with a clear message when the port is taken', async () => {
    handle = await startTelemetry({ serviceName: 'a', otlp: false, prometheus: { port: 0 } });
    const port = Number(new URL(handle.metricsUrl!).port);
    await expect(startTelemetry({ serviceName: 'b', otlp: false, prometheus: { port } })).rejects.toThrow(
      `prometheus.port ${port} on 127.0.0.1 is already in use`,
    );
  });

  it('validates its options', async () => {
    await expect(startTelemetry({ serviceName: '', prometheus: { port: 70_000 } })).rejects.toThrow(
      'Invalid options for startTelemetry: serviceName must be a non-empty string, got ""; prometheus.port must be an integer in [0, 65535], got 70000',
    );
    await expect(startTelemetry({ serviceName: 'x', otlp: { endpoint: 'not a url' } })).rejects.toThrow(
      /otlp\.endpoint must be an absolute URL/,
    );
  });
});
