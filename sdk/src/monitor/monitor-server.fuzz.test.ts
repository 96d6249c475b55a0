import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PolicyRegistry } from '../core/registry.js';
import { type MonitorServer, startMonitorServer } from './monitor-server.js';
import { fakeChaos } from './test-support/fake-chaos.js';
import { rawRequest, sendRaw } from './test-support/raw-http.js';

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
  '/chaos',
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
    '/chaos',
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
/** Members that reach a prototype when merged: what a hostile client adds to chaos settings. */
const prototypeMember = fc.constantFrom(
  '"__proto__":{"enabled":true}',
  '"\\u005f_proto__":{"enabled":true}',
  '"constructor":{"prototype":{"enabled":true}}',
  '"prototype":{"enabled":true}',
);
/** JSON a chaos controller may be sent: settings-like (with unknown and prototype members), any JSON, deep nesting. */
const chaosJson = fc.oneof(
  fc
    .tuple(
      fc.record(
        {
          enabled: fc.oneof(fc.boolean(), fc.string({ maxLength: 4 })),
          faults: fc.array(fc.record({ fault: fc.string({ maxLength: 8 }), rate: fc.double() }), {
            maxLength: 3,
          }),
          scope: fc.jsonValue({ maxDepth: 3 }),
          unknown: fc.jsonValue({ maxDepth: 3 }),
        },
        { requiredKeys: [] },
      ),
      fc.array(prototypeMember, { maxLength: 2 }),
    )
    .map(([settings, extra]) => {
      const members = JSON.stringify(settings).slice(1, -1);
      return `{${[members, ...extra].filter(m => m !== '').join(',')}}`;
    }),
  fc.json({ maxDepth: 12 }),
  // deep, within the body limit (16 KiB)
  fc.nat({ max: 2_500 }).map(n => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`),
);
const body = fc.oneof(
  fc.constant(''),
  fc.constant('{}'),
  chaosJson,
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
      chaos: fakeChaos(),
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

  it('answers every well-formed POST /chaos with 200 and the state, or 400 naming the settings problem', async () => {
    await fc.assert(
      fc.asyncProperty(chaosJson, async json => {
        const raw = rawRequest(
          'POST /chaos HTTP/1.1',
          [
            `Authorization: Bearer ${TOKEN}`,
            'Content-Type: application/json',
            `Content-Length: ${Buffer.byteLength(json)}`,
          ],
          json,
        );
        const reply = await sendRaw(monitor.port, raw, { timeoutMs: 3_000 });
        expect([200, 400]).toContain(reply.status);
        const answer = JSON.parse(reply.text) as { error?: { code: string; message: string } };
        if (reply.status === 400) expect(answer.error?.code).toBe('invalid_chaos_settings');
        expect(({} as Record<string, unknown>).enabled).toBeUndefined();
      }),
      { numRuns: 300, interruptAfterTimeLimit: 30_000 },
    );
  }, 60_000);
});
