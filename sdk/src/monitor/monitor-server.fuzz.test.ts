import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PolicyRegistry } from '../core/registry.js';
import { type MonitorServer, startMonitorServer } from './monitor-server.js';
import { sendRaw } from './test-support/raw-http.js';

// Random request lines, headers and bodies, sent raw to a real server on 127.0.0.1: none may crash the process,
// go unanswered or get an answer outside this set (no 500: nothing a client sends is an internal error).
const STATUSES = [200, 400, 401, 404, 405, 408, 413, 414, 415, 417, 431];

const TOKEN = 'fuzz-test-token-0123456789ab';

/** Pieces that tend to break parsers: delimiters, encodings, controls, non-ASCII, route fragments. */
const piece = fc.constantFrom(
  '/',
  '//',
  '/health',
  '/circuit-breakers',
  '/reset',
  '/reset-all',
  '/retry-budgets',
  '/recovery',
  'openai',
  'http://',
  'https://',
  '[',
  ']',
  ':99999',
  '@',
  '%',
  '%zz',
  '%00',
  '%2F',
  '%E0%A4',
  '?',
  '#',
  '\\',
  '..',
  '*',
  ' ',
  '\t',
  '\0',
  '\r\n',
  '\u00e9',
  'a',
  TOKEN,
);
const text = (maxLength: number) => fc.array(piece, { maxLength }).map(parts => parts.join(''));

const method = fc.oneof(
  fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'PROPFIND', 'get', 'FOO', ''),
  fc.string({ maxLength: 8 }),
);
const target = fc.oneof(
  fc.constantFrom(
    '/health',
    '/circuit-breakers/openai',
    '/circuit-breakers/openai/reset',
    '/circuit-breakers/reset-all',
  ),
  text(12),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.nat({ max: 20_000 }).map(n => `/${'/'.repeat(n)}a`),
);
const version = fc.constantFrom('HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'HTTP/1.1x', '');
const header = fc.tuple(
  fc.oneof(
    fc.constantFrom(
      'Host',
      'Authorization',
      'Content-Type',
      'Content-Length',
      'Transfer-Encoding',
      'Expect',
      'Connection',
    ),
    fc.string({ maxLength: 12 }),
  ),
  fc.oneof(
    fc.constantFrom(
      `Bearer ${TOKEN}`,
      'application/json',
      'chunked',
      '0',
      '5',
      '99999999',
      '100-continue',
      'close',
    ),
    text(6),
  ),
);
const body = fc.oneof(
  fc.constant(''),
  fc.constant('{}'),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.nat({ max: 40_000 }).map(n => 'x'.repeat(n)),
  fc.constant('5\r\n{"a":\r\n0\r\n\r\n'),
);
const request = fc
  .record({
    method,
    target,
    version,
    hostHeader: fc.boolean(),
    headers: fc.array(header, { maxLength: 4 }),
    body,
  })
  .map(r => {
    const headers = [
      ...(r.hostHeader ? ['Host: 127.0.0.1'] : []),
      ...r.headers.map(([n, v]) => `${n}: ${v}`),
    ];
    return {
      head: r.method === 'HEAD',
      raw: `${r.method} ${r.target} ${r.version}\r\n${headers.join('\r\n')}\r\n\r\n${r.body}`,
    };
  });

describe('monitoring server under random requests', () => {
  let monitor: MonitorServer;
  beforeAll(async () => {
    const registry = new PolicyRegistry();
    registry.register('circuitBreaker', {
      name: 'openai',
      state: 'closed',
      snapshot: () => ({ name: 'openai', state: 'closed' }),
      reset: () => {},
    });
    monitor = await startMonitorServer({
      port: 0,
      registry,
      token: TOKEN,
      // short, so the requests that stop halfway (announced bodies never sent) are answered quickly
      headersTimeoutMs: 200,
      requestTimeoutMs: 400,
      bodyTimeoutMs: 200,
    });
  });
  afterAll(() => monitor.close());

  it('answers every request with a JSON error or result, from a closed set of statuses, and keeps serving', async () => {
    await fc.assert(
      fc.asyncProperty(request, async ({ head, raw }) => {
        const reply = await sendRaw(monitor.port, raw, { head, timeoutMs: 3_000 });
        expect(reply.failure, `no answer to ${JSON.stringify(raw.slice(0, 200))}`).toBeUndefined();
        expect(STATUSES).toContain(reply.status);
        expect(reply.headers['content-type']).toBe('application/json; charset=utf-8');
        if (!head) expect(() => JSON.parse(reply.text)).not.toThrow();
        const probe = await sendRaw(monitor.port, 'GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
        expect(probe.status).toBe(200);
      }),
      { numRuns: 300, interruptAfterTimeLimit: 60_000 },
    );
  }, 90_000);
});
