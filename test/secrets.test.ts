/**
 * Issue 8, defect 3, end to end: a provider error carrying secrets in every form the issue lists (the JSON body
 * the `openai` `APIError` message holds when the body has no `message`, quoted and single-quoted keys, URL
 * credentials, `password: x`, `aws_secret_access_key=`, `Cookie:`, `Set-Cookie:`, `Ocp-Apim-Subscription-Key:`,
 * keys, tokens) goes through every public way out: a policy with retry, circuit breaker and fallback, an agent run
 * with its callbacks, the monitoring API's `/circuit-breakers`, a batch with the file store, and spans and metrics
 * recorded by the real OpenTelemetry SDK. No secret may come out of any of them.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, get, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAgent, createPolicy, PolicyRegistry, type ResilienceError } from 'agent-resilience';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBatchRetryManager, createFileBatchStore } from '../sdk/src/batch/index.js';
import * as openai from '../sdk/src/classify/test-support/openai.js';
import { SECRET_FORMS } from '../sdk/src/classify/test-support/secret-forms.js';
import { createMonitorHandler } from '../sdk/src/monitor/index.js';
import { TestTelemetry } from '../sdk/src/test-support/otel.js';

const SECRETS = [...new Set(SECRET_FORMS.map(form => form.example))];

/**
 * Provider errors, two per form: the `openai` 7.x `APIError` of a 503 whose body has no `message` (the message is
 * the JSON-encoded body) with secret headers, and a plain `Error` whose message holds the form as it is.
 */
const PROVIDER_ERRORS: readonly Error[] = SECRET_FORMS.flatMap(({ embed, example }) => [
  openai.APIError.generate(
    503,
    { error: { detail: embed(example), 'x-api-key': example } },
    { 'x-api-key': example, 'set-cookie': `sid=${example}; HttpOnly` },
  ),
  Object.assign(new Error(`upstream failed: ${embed(example)}`), { status: 503 }),
]);

/** Every piece of output a user, a log or a backend may see, as text. */
const outputs: string[] = [];
const record = (label: string, value: unknown) => outputs.push(`${label}: ${JSON.stringify(value)}`);

/** Secrets (or 10-character pieces of them) found in `text`. */
function leaks(text: string): string[] {
  return SECRETS.flatMap(secret => {
    const pieces = [secret];
    for (let i = 0; i + 10 <= secret.length; i++) pieces.push(secret.slice(i, i + 10));
    return pieces.filter(piece => text.includes(piece));
  });
}

function httpGet(server: Server, path: string): Promise<string> {
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path }, response => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', chunk => {
        body += chunk;
      });
      response.on('end', () => resolve(body));
    }).on('error', reject);
  });
}

const telemetry = new TestTelemetry();
const registry = new PolicyRegistry();
let server: Server;
let dir: string;

beforeAll(async () => {
  telemetry.install();
  dir = mkdtempSync(join(tmpdir(), 'secrets-'));
  server = createServer(createMonitorHandler({ registry }));
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
});

afterAll(async () => {
  await new Promise<void>(resolve => server.close(() => resolve()));
  await telemetry.uninstall();
  rmSync(dir, { recursive: true, force: true });
});

describe('a provider error carrying secrets', () => {
  it('leaves no secret in thrown errors, callbacks, fallbacks or /circuit-breakers', async () => {
    const retry = { maxRetries: 1, initialDelayMs: 0, onRetry: (info: unknown) => record('onRetry', info) };
    const circuitBreaker = {
      breaker: { kind: 'consecutive', threshold: 1_000 },
      halfOpenAfterMs: 60_000,
    } as const;
    const failing = createPolicy('secrets.failing', { registry, retry, circuitBreaker });
    const withFallback = createPolicy<string>('secrets.fallback', {
      registry,
      retry,
      circuitBreaker,
      fallback: {
        factory: ctx => {
          record('fallback context', ctx);
          return 'fallback answer';
        },
      },
    });
    withFallback.onFallback(event => record('onFallback', event));
    for (const error of PROVIDER_ERRORS) {
      const thrown = (await failing.execute(() => Promise.reject(error)).catch(e => e)) as ResilienceError;
      record('thrown error', thrown);
      outputs.push(`message: ${thrown.message}`, `string: ${String(thrown)}`, `stack: ${thrown.stack}`);
      expect(await withFallback.execute(() => Promise.reject(error))).toBe('fallback answer');
      outputs.push(`/circuit-breakers: ${await httpGet(server, '/circuit-breakers')}`);
    }
    const joined = outputs.join('\n');
    expect(joined).toContain('[REDACTED]');
    expect(joined).toMatch(/"lastFailure": ?{/);
    expect(leaks(joined)).toEqual([]);
  });

  it('leaves no secret in agent runs and their onRetrying/onFailed callbacks', async () => {
    const agent = createAgent('secrets-agent', {
      registry,
      retry: { maxRetries: 1, initialDelayMs: 0 },
      models: { retry: { maxRetries: 0 } },
    });
    const events: string[] = [];
    for (const error of PROVIDER_ERRORS) {
      const thrown = await agent
        .run(run => run.model('gpt-4o', () => Promise.reject(error)), {
          onRetrying: event => events.push(`onRetrying: ${JSON.stringify(event)}`),
          onFailed: event => events.push(`onFailed: ${JSON.stringify(event)}`),
        })
        .catch(e => e as ResilienceError);
      events.push(`agent error: ${JSON.stringify(thrown)} ${thrown.message}`);
    }
    expect(events.filter(e => e.startsWith('onFailed')).length).toBe(PROVIDER_ERRORS.length);
    expect(leaks(events.join('\n'))).toEqual([]);
  });

  it('leaves no secret in a batch: results, events, state file and audit log', async () => {
    const events: string[] = [];
    const batch = await createBatchRetryManager({
      name: 'secrets',
      batchId: 'secrets-1',
      store: createFileBatchStore({ dir }),
      backoff: false,
      breaker: false,
      maxRetriesPerItem: 1,
      onEvent: event => events.push(JSON.stringify(event)),
    });
    const items = PROVIDER_ERRORS.map((_, i) => `item-${i}`);
    const result = await batch.run(items, item => Promise.reject(PROVIDER_ERRORS[Number(item.slice(5))]));
    await batch.close();
    expect(result.failed).toBe(items.length);
    const files = readdirSync(dir).map(name => readFileSync(join(dir, name), 'utf8'));
    expect(files.join('\n')).toContain('[REDACTED]');
    expect(leaks([JSON.stringify(result), ...events, ...files].join('\n'))).toEqual([]);
  });

  it('leaves no secret in span names, attributes, events and status, nor in metric attributes', async () => {
    const spans = telemetry.spans().map(span =>
      JSON.stringify({
        name: span.name,
        attributes: span.attributes,
        events: span.events.map(event => ({ name: event.name, attributes: event.attributes })),
        status: span.status,
      }),
    );
    const points = [...(await telemetry.metrics()).values()].flatMap(metric =>
      metric.dataPoints.map(point => JSON.stringify(point.attributes)),
    );
    expect(spans.some(span => span.includes('"exception"') && span.includes('[REDACTED]'))).toBe(true);
    expect(points.length).toBeGreaterThan(0);
    expect(leaks([...spans, ...points].join('\n'))).toEqual([]);
  });
});
