import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DiagLogLevel, diag } from '@opentelemetry/api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PolicyRegistry } from '../core/registry.js';
import { createPolicy } from '../pipeline/create-policy.js';
import { createCircuitBreaker } from '../policies/create-circuit-breaker.js';
import { captureDiagErrors } from '../test-support/diag.js';
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
    server = createServer();
  });
  afterEach(async () => {
    diag.disable();
    if (!server.listening) return;
    server.closeAllConnections();
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
    expect(method.headers.allow).toBe('GET, HEAD');
    const json = { ...auth, 'content-type': 'application/json' };
    expect((await call(server, 'POST', '/circuit-breakers/x/reset', json, '{not json')).status).toBe(400);
    expect((await call(server, 'POST', '/circuit-breakers/x/reset', json, 'x'.repeat(10_000))).status).toBe(
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

  it('answers 500 JSON when a snapshot throws or cannot be serialised, reports it, and keeps serving', async () => {
    const errors = captureDiagErrors();
    await start();
    registry.register('retryBudget', {
      name: 'broken',
      snapshot: () => {
        throw new Error('bug with a secret sk-0123456789abcdef0123');
      },
    });
    registry.register('recovery', { name: 'big', state: 'healthy', snapshot: () => ({ n: 1n }) });
    for (const path of ['/retry-budgets', '/recovery']) {
      const reply = await call(server, 'GET', path);
      expect(reply.status).toBe(500);
      expect(reply.body).toEqual({ error: { code: 'internal_error', message: 'Internal error' } });
    }
    expect(errors).toEqual([
      'agent-resilience: monitoring API route failed',
      'agent-resilience: monitoring API answer could not be serialised',
    ]);
    expect((await call(server, 'GET', '/health')).status).toBe(200);
  });

  it('still answers when the diag logger itself throws', async () => {
    const fail = () => {
      throw new Error('logger down');
    };
    diag.setLogger({ error: fail, warn: fail, info: fail, debug: fail, verbose: fail }, DiagLogLevel.ERROR);
    await start();
    registry.register('retryBudget', {
      name: 'broken',
      snapshot: () => {
        throw new Error('bug');
      },
    });
    registry.register('recovery', { name: 'big', state: 'healthy', snapshot: () => ({ n: 1n }) });
    expect((await call(server, 'GET', '/retry-budgets')).status).toBe(500);
    expect((await call(server, 'GET', '/recovery')).status).toBe(500);
  });

  it('requires the token on every route but /health with protectReads', async () => {
    await start({ token: TOKEN, protectReads: true });
    createCircuitBreaker('x', { registry });
    expect((await call(server, 'GET', '/health')).status).toBe(200);
    for (const path of ['/circuit-breakers', '/circuit-breakers/x', '/retry-budgets', '/recovery']) {
      const refused = await call(server, 'GET', path);
      expect(refused.status).toBe(401);
      expect(refused.headers['www-authenticate']).toBe('Bearer');
      expect((await call(server, 'GET', path, { authorization: `Bearer ${TOKEN}` })).status).toBe(200);
    }
  });

  describe('mounted in a framework (the (req, res, next) shape Express passes)', () => {
    /** What `app.use('/resilience', handler)` does: strip the mount path from `req.url`, pass `next`. */
    const mount = (handler = createMonitorHandler({ registry, token: TOKEN }), consumeBody = false) => {
      const passed: string[] = [];
      server = createServer(async (req, res) => {
        const original = req.url ?? '';
        if (!original.startsWith('/resilience/')) {
          res.writeHead(418).end();
          return;
        }
        if (consumeBody) {
          // what express.json() does before the handler runs
          const chunks: Buffer[] = [];
          for await (const chunk of req) chunks.push(chunk as Buffer);
          Object.assign(req, { body: JSON.parse(Buffer.concat(chunks).toString() || '{}') });
        }
        req.url = original.slice('/resilience'.length);
        handler(req, res, error => {
          passed.push(`${req.url}${error === undefined ? '' : ' with an error'}`);
          res.writeHead(418).end();
        });
      });
      return new Promise<string[]>(resolve => server.listen(0, '127.0.0.1', () => resolve(passed)));
    };

    it('serves its own paths and passes every other request on, without an error', async () => {
      const passed = await mount();
      expect((await call(server, 'GET', '/resilience/health')).status).toBe(200);
      expect((await call(server, 'GET', '/resilience/elsewhere')).status).toBe(418);
      // a target this API cannot read is not its business either: another route may accept it
      expect((await call(server, 'GET', '/resilience/search?q=100%')).status).toBe(418);
      expect(passed).toEqual(['/elsewhere', '/search?q=100%']);
    });

    it('still answers a malformed request for its own path itself', async () => {
      const passed = await mount();
      const reply = await call(server, 'GET', '/resilience/health?x=%zz');
      expect(reply.status).toBe(400);
      expect(reply.body).toMatchObject({ error: { code: 'invalid_target' } });
      expect(passed).toEqual([]);
    });

    it('resets behind a body parser that already read the body (it waited for an end that had already passed)', async () => {
      await mount(createMonitorHandler({ registry, token: TOKEN, bodyTimeoutMs: 60_000 }), true);
      createCircuitBreaker('x', { registry });
      const reply = await call(
        server,
        'POST',
        '/resilience/circuit-breakers/reset-all',
        { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        '{"why":"drill"}',
      );
      expect(reply.status).toBe(200);
      expect(reply.body).toEqual({ reset: ['x'] });
    });
  });

  it.each([
    [
      { token: 'short' },
      'token must be a string of 16-1024 visible ASCII characters, got "(hidden, 5 characters)"',
    ],
    [{ token: 'has a space in it, 16+' }, 'token must be a string of 16-1024 visible ASCII characters'],
    [{ token: 'caf\u00e9-caf\u00e9-caf\u00e9-caf\u00e9' }, 'token must be a string of 16-1024 visible ASCII'],
    [{ protectReads: true }, 'token must be set when protectReads is true, got undefined'],
    [{ maxBodyBytes: -1 }, 'maxBodyBytes must be an integer in [0, 1048576], got -1'],
    [{ bodyTimeoutMs: 0 }, 'bodyTimeoutMs must be an integer in [1, 2147483647], got 0'],
    [{ tokn: TOKEN }, 'tokn is not a known option'],
  ])('refuses %j with a RangeError naming the option, the constraint and the value', (options, message) => {
    expect(() => createMonitorHandler(options as MonitorOptions)).toThrow(RangeError);
    expect(() => createMonitorHandler(options as MonitorOptions)).toThrow(message);
  });

  it.each([
    [{ token: 1234 }, 'token must be a string of 16-1024 visible ASCII characters'],
    [{ registry: {} }, 'registry must be a PolicyRegistry, got an object (Object)'],
    [{ protectReads: 'yes' }, 'protectReads must be a boolean, got "yes"'],
  ])('refuses %j with a TypeError', (options, message) => {
    expect(() => createMonitorHandler(options as unknown as MonitorOptions)).toThrow(TypeError);
    expect(() => createMonitorHandler(options as unknown as MonitorOptions)).toThrow(message);
  });

  it('never shows the token it refuses', () => {
    expect(() => createMonitorHandler({ token: 'secret with spaces 123' })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('secret') }),
    );
  });
});
