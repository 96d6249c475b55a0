import { context, logs, metrics, propagation, trace } from '@opentelemetry/api';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { freeLoopbackPort, listenOn } from '../test-support/ports.js';
import { startTelemetry } from './start-telemetry.js';

describe('startTelemetry configuration from the environment', () => {
  afterEach(() => {
    metrics.disable();
    trace.disable();
    logs.disable();
    context.disable();
    propagation.disable();
  });

  it.each([
    ['OTEL_METRIC_EXPORT_INTERVAL', 'often', 'a number of milliseconds, got "often"'],
    ['OTEL_METRIC_EXPORT_INTERVAL', '-5', 'a number in (0, 2147483647], got -5'],
    ['OTEL_EXPORTER_OTLP_ENDPOINT', 'collector:4318', 'an absolute http(s) URL, got "collector:4318"'],
    ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'not a url', 'an absolute http(s) URL, got "not a url"'],
  ])('rejects %s=%s with a message naming it, before binding a port', async (name, value, constraint) => {
    vi.stubEnv('OTEL_EXPORTER_OTLP_ENDPOINT', 'http://127.0.0.1:4318');
    vi.stubEnv(name, value);
    const port = await freeLoopbackPort();
    await expect(startTelemetry({ serviceName: 'env', prometheus: { port } })).rejects.toThrow(
      `Invalid options for startTelemetry: process.env.${name} must be ${constraint}`,
    );
    await expect(listenOn(port)).resolves.toBe(port);
  });

  it('ignores OTLP variables when OTLP is off', async () => {
    vi.stubEnv('OTEL_METRIC_EXPORT_INTERVAL', 'often');
    const handle = await startTelemetry({ serviceName: 'env', otlp: false, prometheus: false });
    expect(handle.otlpEnabled).toBe(false);
    await handle.shutdown();
  });
});

describe('startTelemetry options', () => {
  it('names every invalid option, its constraint and the value received', async () => {
    await expect(
      startTelemetry({
        serviceName: 'x',
        serviceVersion: 1 as never,
        resourceAttributes: { 'deployment.environment.name': 3 } as never,
        otlp: { endpoint: 'ftp://collector', headers: { authorization: undefined } as never },
        spanProcessors: {} as never,
        shutdownTimeoutMs: 0,
      }),
    ).rejects.toThrow(
      new TypeError(
        'Invalid options for startTelemetry: serviceVersion must be a string, got 1; resourceAttributes must be an object of strings, got an object (Object); otlp.endpoint must be an absolute http(s) URL, got "ftp://collector"; otlp.headers must be an object of strings, got an object (Object); spanProcessors must be an array of span processors, got an object (Object); shutdownTimeoutMs must be a number in (0, 2147483647], got 0',
      ),
    );
  });
});
