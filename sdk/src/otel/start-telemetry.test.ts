import { createServer } from 'node:net';
import { context, diag, logs, metrics, propagation, trace } from '@opentelemetry/api';
import type { SpanProcessor } from '@opentelemetry/sdk-trace';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createPolicy } from '../index.js';
import { ATTR_RESILIENCE_POLICY, METRICS, type MetricDescriptor } from '../semconv.js';
import { captureDiagErrors } from '../test-support/diag.js';
import { httpError } from '../test-support/errors.js';
import { freeLoopbackPort, listenOn } from '../test-support/ports.js';
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
    logs.disable();
    context.disable();
    propagation.disable();
    diag.disable();
    vi.useRealTimers();
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
        'service_instance_id',
        'otel_scope_name',
        'otel_scope_version',
        'otel_scope_schema_url',
        ...(descriptor!.kind === 'histogram' ? ['le'] : []),
      ]);
      for (const label of Object.keys(s.labels))
        expect(allowed, `label ${label} of ${s.name}`).toContain(label);
      expect(s.labels.service_name).toBe('naming-test');
      // The replica: the random service.instance.id of NodeSDK's default resource detectors.
      expect(s.labels.service_instance_id).toMatch(/^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$/);
      expect(s.labels[prometheusLabelName(ATTR_RESILIENCE_POLICY)]).toBe('naming.policy');
    }
    expect(series).toContainEqual(
      expect.objectContaining({
        name: 'resilience_circuit_breaker_state',
        labels: expect.objectContaining({ resilience_circuit_breaker_state: 'open' }),
      }),
    );
  });

  // Defect: NodeSDK merges the resource it detects (a random service.instance.id among others) over the configured
  // one, so resourceAttributes lost to detection: a replica could not name itself.
  it('labels the series with the resourceAttributes given, over what NodeSDK detects', async () => {
    handle = await startTelemetry({
      serviceName: 'resource-test',
      otlp: false,
      prometheus: { port: 0 },
      resourceAttributes: { 'service.instance.id': 'replica-7', 'host.name': 'configured-host' },
    });
    await createPolicy('resource.policy', { registry: null }).execute(() => 'ok');
    const series = parseExposition(await (await fetch(handle.metricsUrl!)).text()).filter(s =>
      s.name.startsWith('resilience_'),
    );
    expect(series.length).toBeGreaterThan(0);
    for (const s of series) expect(s.labels.service_instance_id).toBe('replica-7');
  });

  it('answers unknown paths with 404 and other methods with 405', async () => {
    handle = await startTelemetry({ serviceName: 'naming-test', otlp: false, prometheus: { port: 0 } });
    const url = new URL(handle.metricsUrl!);
    expect((await fetch(new URL('/nope', url))).status).toBe(404);
    expect((await fetch(url, { method: 'POST' })).status).toBe(405);
  });

  it('fails fast with a clear message when the port is taken', async () => {
    const taken = createServer();
    await new Promise<void>(resolve => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as { port: number }).port;
    try {
      await expect(startTelemetry({ serviceName: 'b', otlp: false, prometheus: { port } })).rejects.toThrow(
        `prometheus.port ${port} on 127.0.0.1 is already in use`,
      );
    } finally {
      taken.close();
    }
  });

  it('validates its options', async () => {
    await expect(startTelemetry({ serviceName: '', prometheus: { port: 70_000 } })).rejects.toThrow(
      'Invalid options for startTelemetry: serviceName must be a non-empty string, got ""; prometheus.port must be an integer in [0, 65535], got 70000',
    );
    await expect(startTelemetry({ serviceName: 'x', otlp: { endpoint: 'not a url' } })).rejects.toThrow(
      'otlp.endpoint must be an absolute http(s) URL, got "not a url"',
    );
  });

  it('refuses to start while a meter provider is registered, before binding its port; starts again after shutdown', async () => {
    // Issue 8: a second startTelemetry() served an empty /metrics (its providers could not register), and so did a
    // startTelemetry() after shutdown() (the shut-down providers stayed registered).
    handle = await startTelemetry({ serviceName: 'first', otlp: false, prometheus: { port: 0 } });
    const port = await freeLoopbackPort();
    await expect(
      startTelemetry({ serviceName: 'second', otlp: false, prometheus: { port } }),
    ).rejects.toThrow(
      'startTelemetry: a global OpenTelemetry meter provider is already registered (a startTelemetry() not shut down, or another SDK); shut it down first',
    );
    await expect(listenOn(port)).resolves.toBe(port);

    await handle.shutdown();
    handle = await startTelemetry({ serviceName: 'third', otlp: false, prometheus: { port: 0 } });
    const policy = createPolicy('restart.policy', { registry: null });
    await policy.execute(() => 'ok');
    policy.dispose();
    expect(await (await fetch(handle.metricsUrl!)).text()).toMatch(
      /^resilience_call_duration_seconds_count\{resilience_policy="restart\.policy",.*service_name="third"/m,
    );
  });
});

describe('startTelemetry started twice at once', () => {
  afterEach(() => {
    metrics.disable();
    trace.disable();
    logs.disable();
    context.disable();
    propagation.disable();
  });

  it('starts one and rejects the other, which releases its port', async () => {
    const ports = [await freeLoopbackPort(), await freeLoopbackPort()];
    const results = await Promise.allSettled(
      ports.map(port => startTelemetry({ serviceName: `p${port}`, otlp: false, prometheus: { port } })),
    );
    const started = results.flatMap(r => (r.status === 'fulfilled' ? [r.value] : []));
    const refused = results.flatMap(r => (r.status === 'rejected' ? [r.reason as Error] : []));
    expect(started).toHaveLength(1);
    expect(refused.map(e => e.message)).toEqual([
      'startTelemetry: a global OpenTelemetry meter provider is already registered (a startTelemetry() not shut down, or another SDK); shut it down first',
    ]);
    const refusedPort = ports.find(port => !started[0]!.metricsUrl!.includes(`:${port}/`))!;
    await expect(listenOn(refusedPort)).resolves.toBe(refusedPort);
    await started[0]!.shutdown();
  });
});

describe('startTelemetry shutdown', () => {
  let handle: TelemetryHandle | undefined;
  afterEach(async () => {
    vi.useRealTimers();
    await handle?.shutdown();
    handle = undefined;
    metrics.disable();
    trace.disable();
    logs.disable();
    context.disable();
    propagation.disable();
    diag.disable();
  });

  /** A span processor whose flush and shutdown do what `behave` says. */
  const processor = (behave: () => Promise<void>): SpanProcessor & { shutdowns: number } => {
    const p = {
      shutdowns: 0,
      onStart: () => {},
      onEnd: () => {},
      forceFlush: behave,
      shutdown: () => {
        p.shutdowns++;
        return behave();
      },
    };
    return p;
  };

  it('resolves, and reports the failure, when the Collector is down', async () => {
    // Issue 8 item 4: shutdown() rejected with ECONNREFUSED, so `process.once('SIGTERM', () => void
    // telemetry.shutdown())` ended in an unhandled rejection and exit code 1.
    vi.stubEnv('OTEL_EXPORTER_OTLP_TIMEOUT', '300'); // the exporter's own retries stop quickly
    const errors = captureDiagErrors();
    handle = await startTelemetry({
      serviceName: 'collector-down',
      otlp: { endpoint: `http://127.0.0.1:${await freeLoopbackPort()}` },
      prometheus: false,
    });
    await createPolicy('down.policy', { registry: null }).execute(() => 'ok');

    await expect(handle.shutdown()).resolves.toBeUndefined();
    expect(errors).toContain('agent-resilience: shutting down telemetry failed');
  });

  it('resolves after shutdownTimeoutMs when an exporter hangs, not before', async () => {
    const errors = captureDiagErrors();
    handle = await startTelemetry({
      serviceName: 'hang',
      otlp: false,
      prometheus: false,
      spanProcessors: [processor(() => new Promise(() => {}))],
      shutdownTimeoutMs: 2000,
    });
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    let settled = false;
    void handle.shutdown().then(() => {
      settled = true;
    });
    await vi.advanceTimersByTimeAsync(1999);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(settled).toBe(true);
    expect(errors).toEqual([
      'agent-resilience: shutting down telemetry did not finish within 2000 ms; gave up waiting',
    ]);
  });

  it('resolves, and reports the failure, when an exporter throws synchronously', async () => {
    const errors = captureDiagErrors();
    const throwing = processor(() => {
      throw new Error('exporter exploded');
    });
    handle = await startTelemetry({
      serviceName: 'sync',
      otlp: false,
      prometheus: false,
      spanProcessors: [throwing],
    });

    const stopping = handle.shutdown();
    expect(stopping).toBeInstanceOf(Promise);
    await expect(stopping).resolves.toBeUndefined();
    expect(errors).toEqual(['agent-resilience: shutting down telemetry failed']);
  });

  it('is idempotent: a second call returns the same promise and shuts down once', async () => {
    const ok = processor(() => Promise.resolve());
    handle = await startTelemetry({
      serviceName: 'twice',
      otlp: false,
      prometheus: false,
      spanProcessors: [ok],
    });
    const first = handle.shutdown();
    expect(handle.shutdown()).toBe(first);
    await first;
    expect(ok.shutdowns).toBe(1);
  });
});
