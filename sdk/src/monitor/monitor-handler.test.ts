import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PolicyRegistry } from '../core/registry.js';
import { createPolicy } from '../pipeline/create-policy.js';
import { createCircuitBreaker } from '../policies/create-circuit-breaker.js';
import { httpError } from '../test-support/errors.js';
import { createMonitorHandler, type MonitorOptions } from './monitor-handler.js';

const TOKEN = 'test-token-0123456789abcdef';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

function call(
  server: Server,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<Reply> {
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers }, res => {
      const chunks: Buffer[] = [];
      res.on('data', c => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: text === '' ? undefined : JSON.parse(text),
        });
      });
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

describe('monitoring API', () => {
  let registry: PolicyRegistry;
  let server: Server;
  const start = async (options: MonitorOptions = {}) => {
    server = createServer(createMonitorHandler({ registry, ...options }));
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  };

  beforeEach(() => {
    registry = new PolicyRegistry();
  });
  afterEach(async () => {
    await new Promise(resolve => server.close(resolve));
  });

  it('summarises health: circuit counts, open circuit names, health percentage', async () => {
    await start();
    const openai = createCircuitBreaker('openai', {
      registry,
      breaker: { kind: 'consecutive', threshold: 1 },
    });
    createCircuitBreaker('anthropic', { registry });
    expect((await call(server, 'GET', '/health')).body).toMatchObject({
      status: 'healthy',
      circuitBreakers: { total: 2, closed: 2, open: 0, healthPercentage: 100, openCircuits: [] },
    });
    await expect(openai.execute(() => Promise.reject(httpError(503)))).rejects.toThrow();
    const degraded = await call(server, 'GET', '/health');
    expect(degraded.status).toBe(200);
    expect(degraded.body).toMatchObject({
      status: 'degraded',
      circuitBreakers: { closed: 1, open: 1, healthPercentage: 50, openCircuits: ['openai'] },
    });
  });

  it('answers 503 when every circuit is open', async () => {
    await start();
    const only = createCircuitBreaker('only', { registry, breaker: { kind: 'consecutive', threshold: 1 } });
    await expect(only.execute(() => Promise.reject(httpError(500)))).rejects.toThrow();
    const reply = await call(server, 'GET', '/health');
    expect(reply.status).toBe(503);
    expect(reply.body).toMatchObject({ status: 'unhealthy' });
  });

  it('lists breakers and shows one with its statistics and configuration', async () => {
    await start();
    const policy = createPolicy('llm', { registry, circuitBreaker: { halfOpenAfterMs: 5_000 } });
    await policy.execute(() => 'ok');
    await expect(policy.execute(() => Promise.reject(httpError(502, {}, 'bad gateway')))).rejects.toThrow();
    const list = await call(server, 'GET', '/circuit-breakers');
    expect(list.body).toEqual([expect.objectContaining({ name: 'llm', state: 'closed' })]);
    const one = await call(server, 'GET', '/circuit-breakers/llm');
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({
      name: 'llm',
      calls: 2,
      successes: 1,
      failures: 1,
      successRate: 0.5,
      consecutiveFailures: 1,
      lastFailure: { category: 'server_error', errorType: '502' },
      config: { halfOpenAfterMs: 5_000 },
    });
    expect(one.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(one.headers['cache-control']).toBe('no-store');
  });

  it('resets a breaker only with the right bearer token', async () => {
    await start({ token: TOKEN });
    const b = createCircuitBreaker('openai', { registry, breaker: { kind: 'consecutive', threshold: 1 } });
    await expect(b.execute(() => Promise.reject(httpError(503)))).rejects.toThrow();
    const missing = await call(server, 'POST', '/circuit-breakers/openai/reset');
    expect(missing.status).toBe(401);
    expect(missing.headers['www-authenticate']).toBe('Bearer');
    const wrong = await call(server, 'POST', '/circuit-breakers/openai/reset', {
      authorization: 'Bearer nope',
    });
    expect(wrong.status).toBe(401);
    expect(b.state).toBe('open');
    const ok = await call(server, 'POST', '/circuit-breakers/openai/reset', {
      authorization: `Bearer ${TOKEN}`,
    });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ name: 'openai', state: 'closed' });
    expect(b.state).toBe('closed');
  });

  it('resets all breakers', async () => {
    await start({ token: TOKEN });
    const a = createCircuitBreaker('a', { registry, breaker: { kind: 'consecutive', threshold: 1 } });
    const b = createCircuitBreaker('b', { registry, breaker: { kind: 'consecutive', threshold: 1 } });
    await expect(a.execute(() => Promise.reject(httpError(503)))).rejects.toThrow();
    await expect(b.execute(() => Promise.reject(httpError(503)))).rejects.toThrow();
    const reply = await call(server, 'POST', '/circuit-breakers/reset-all', {
      authorization: `Bearer ${TOKEN}`,
    });
    expect(reply.body).toEqual({ reset: ['a', 'b'] });
    expect([a.state, b.state]).toEqual(['closed', 'closed']);
  });

  it('disables mutations when no token is configured', async () => {
    await start();
    createCircuitBreaker('x', { registry });
    const reply = await call(server, 'POST', '/circuit-breakers/reset-all');
    expect(reply.status).toBe(403);
    expect(reply.body).toEqual({ error: { code: 'mutations_disabled', message: expect.any(String) } });
  });

  it('answers malformed requests with 4xx JSON and keeps serving', async () => {
    await start({ token: TOKEN, maxBodyBytes: 64 });
    createCircuitBreaker('x', { registry });
    const auth = { authorization: `Bearer ${TOKEN}` };
    expect((await call(server, 'GET', '/nope')).status).toBe(404);
    expect((await call(server, 'GET', '/circuit-breakers/unknown')).status).toBe(404);
    expect((await call(server, 'GET', '/circuit-breakers/bad%20name')).status).toBe(400);
    expect((await call(server, 'GET', '/circuit-breakers/%E0%A4%A')).status).toBe(400);
    const method = await call(server, 'DELETE', '/circuit-breakers');
    expect(method.status).toBe(405);
    expect(method.headers.allow).toBe('GET');
    expect((await call(server, 'POST', '/circuit-breakers/x/reset', auth, '{not json')).status).toBe(400);
    expect((await call(server, 'POST', '/circuit-breakers/x/reset', auth, 'x'.repeat(10_000))).status).toBe(
      413,
    );
    expect((await call(server, 'GET', '/health')).status).toBe(200);
  });

  it('lists retry budgets and recovery managers from the registry', async () => {
    await start();
    registry.register('retryBudget', { name: 'global', snapshot: () => ({ name: 'global', available: 3 }) });
    registry.register('recovery', {
      name: 'openai',
      state: 'recovering',
      snapshot: () => ({ name: 'openai', state: 'recovering' }),
    });
    expect((await call(server, 'GET', '/retry-budgets')).body).toEqual([{ name: 'global', available: 3 }]);
    expect((await call(server, 'GET', '/recovery')).body).toEqual([{ name: 'openai', state: 'recovering' }]);
    expect((await call(server, 'GET', '/health')).body).toMatchObject({
      status: 'degraded',
      recovery: { openai: 'recovering' },
    });
  });

  it('calls next() for unknown paths when mounted Express-style', async () => {
    const handler = createMonitorHandler({ registry });
    server = createServer((req, res) =>
      handler(req, res, () => {
        res.writeHead(418).end();
      }),
    );
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    expect((await call(server, 'GET', '/elsewhere')).status).toBe(418);
    expect((await call(server, 'GET', '/health')).status).toBe(200);
  });

  it('validates its options', () => {
    expect(() => createMonitorHandler({ token: 'short' })).toThrow(
      'Invalid options for createMonitorHandler: token must be a string of at least 16 characters, got "(a shorter string)"',
    );
    server = createServer();
    server.listen(0);
  });
});
