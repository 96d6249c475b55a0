import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PolicyRegistry, type RegisteredCircuitBreaker } from '../core/registry.js';
import { createMonitorHandler } from './monitor-handler.js';
import { fakeChaos } from './test-support/fake-chaos.js';
import { type RawReply, rawRequest, sendRaw } from './test-support/raw-http.js';

// Issue 8 §2.1: one request killed the monitoring API (`GET http://[` made `new URL()` throw in the request
// listener, an uncaught exception that ended the process). Every request here goes over a raw socket, so no
// client-side check cleans it up first; the handler sits on a bare `node:http` server, as a user would mount it.

const TOKEN = 'hostile-test-token-0123456789';

/** A registered breaker without cockatiel behind it: the API only reads its name, state and snapshot. */
function stubBreaker(name: string): RegisteredCircuitBreaker {
  return { name, state: 'closed', snapshot: () => ({ name, state: 'closed' }), reset: () => {} };
}

const errorBody = (reply: RawReply) => JSON.parse(reply.text) as { error: { code: string; message: string } };

describe('monitoring API under hostile requests', () => {
  let server: Server;
  let port: number;
  const send = (line: string, headers: string[] = [], body = '') =>
    sendRaw(port, rawRequest(line, headers, body), { head: line.startsWith('HEAD ') });
  const auth = `Authorization: Bearer ${TOKEN}`;
  const json = 'Content-Type: application/json';

  beforeEach(async () => {
    const registry = new PolicyRegistry();
    registry.register('circuitBreaker', stubBreaker('openai'));
    server = createServer(createMonitorHandler({ registry, token: TOKEN, bodyTimeoutMs: 100 }));
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterEach(async () => {
    server.closeAllConnections();
    await new Promise(resolve => server.close(resolve));
  });

  it.each([
    'http://[',
    'http://x:99999/',
    'http://%zz/',
    'http://[::1/health',
    'http://user:secret-password@127.0.0.1/health',
    '/health?x=%zz',
    '/health?%',
    '/health#fragment',
    '/a\\b',
    '*',
  ])('answers 400 to the malformed target %j without echoing it', async target => {
    const reply = await send(`GET ${target} HTTP/1.1`);
    expect(reply.status).toBe(400);
    expect(reply.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(errorBody(reply).error.code).toBe('invalid_target');
    expect(reply.text).not.toContain('secret-password');
    expect(reply.text).not.toContain(target);
  });

  it('serves a well-formed absolute-form target (RFC 9112 §3.2.2: servers must accept it)', async () => {
    const reply = await send('GET http://127.0.0.1/health HTTP/1.1');
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.text)).toMatchObject({ status: 'healthy' });
  });

  it.each(['//evil', '//evil/health', '/health/../health', '/%2e%2e/health', '/x%00y'])(
    'never resolves %j to another route: 404',
    async target => {
      const reply = await send(`GET ${target} HTTP/1.1`);
      expect(reply.status).toBe(404);
      expect(errorBody(reply).error.code).toBe('not_found');
      expect(reply.text).not.toContain(target);
    },
  );

  it('answers 414 to a target longer than any route, without echoing it', async () => {
    // Targets were unbounded (up to node:http's 16 KiB header limit) and trailing slashes were stripped with
    // `replace(/\/+$/, '')`, quadratic: 16,000 slashes then a letter blocked the event loop for 348 ms.
    const reply = await send(`GET /${'a'.repeat(5_000)} HTTP/1.1`);
    expect(reply.status).toBe(414);
    expect(errorBody(reply).error.code).toBe('uri_too_long');
    expect(reply.text.length).toBeLessThan(500);
  });

  it.each([
    ['GET /circuit-breakers/%zz HTTP/1.1', 'invalid_target'],
    ['GET /circuit-breakers/%E0%A4 HTTP/1.1', 'invalid_name'],
    ['GET /circuit-breakers/a%00b HTTP/1.1', 'invalid_name'],
    [`GET /circuit-breakers/${'n'.repeat(65)} HTTP/1.1`, 'invalid_name'],
  ])('answers 400 to a bad name: %s', async (line, code) => {
    const reply = await send(line);
    expect(reply.status).toBe(400);
    expect(errorBody(reply).error.code).toBe(code);
  });

  it('leaves bytes that are not HTTP to node:http (400) and keeps serving', async () => {
    for (const line of ['GET /he\0alth HTTP/1.1', 'FOO /health HTTP/1.1', 'GET /é HTTP/1.1', '\0\0\0']) {
      expect((await send(line)).status).toBe(400);
    }
    expect((await send('GET /health HTTP/1.1')).status).toBe(200);
  });

  it('answers methods a route does not serve with 405 and Allow; HEAD is GET without a body', async () => {
    const propfind = await send('PROPFIND /health HTTP/1.1');
    expect(propfind.status).toBe(405);
    expect(propfind.headers.allow).toBe('GET, HEAD');
    const del = await send('DELETE /circuit-breakers/openai/reset HTTP/1.1', [auth]);
    expect(del.status).toBe(405);
    expect(del.headers.allow).toBe('POST');
    const head = await send('HEAD /health HTTP/1.1');
    expect(head.status).toBe(200);
    expect(head.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(head.text).toBe('');
  });

  it.each([
    ['no Authorization header', [], 401],
    ['another scheme', ['Authorization: Basic dXNlcjpwYXNz'], 401],
    ['a scheme without a token', ['Authorization: Bearer'], 401],
    ['two tokens', [`Authorization: Bearer ${TOKEN} ${TOKEN}`], 401],
    ['a longer token', [`Authorization: Bearer ${TOKEN}x`], 401],
    ['a huge header', [`Authorization: Bearer ${'x'.repeat(8_000)}`], 401],
    ['bytes beyond ASCII', [`Authorization: Bearer ${TOKEN}\xff`], 401],
    ['two Authorization headers', [auth, auth], 400],
    ['two Authorization headers, the first wrong', ['Authorization: Bearer nope', auth], 400],
  ])('refuses a reset with %s and never echoes a credential', async (_, headers, status) => {
    const reply = await send('POST /circuit-breakers/openai/reset HTTP/1.1', headers as string[]);
    expect(reply.status).toBe(status);
    expect(reply.text).not.toContain(TOKEN);
    expect(reply.text).not.toContain('dXNlcjpwYXNz');
    expect(reply.text).not.toContain('xxxxxxxx');
  });

  it('takes the scheme case-insensitively (RFC 9110 §11.1)', async () => {
    const reply = await send('POST /circuit-breakers/openai/reset HTTP/1.1', [
      `authorization: bEaReR ${TOKEN}`,
    ]);
    expect(reply.status).toBe(200);
  });

  it('checks the token before it looks the breaker up', async () => {
    const reply = await send('POST /circuit-breakers/nobody/reset HTTP/1.1');
    expect(reply.status).toBe(401);
  });

  it.each([
    ['malformed JSON', [json, 'Content-Length: 9'], '{not json', 400, 'invalid_json'],
    [
      'a body that is not JSON',
      ['Content-Type: text/plain', 'Content-Length: 2'],
      'hi',
      415,
      'unsupported_media_type',
    ],
    ['a declared length over the limit', [json, 'Content-Length: 1000000000'], '', 413, 'payload_too_large'],
    [
      'a chunked body over the limit',
      [json, 'Transfer-Encoding: chunked'],
      `4000\r\n${'x'.repeat(0x4000)}\r\n4000\r\n${'x'.repeat(0x4000)}\r\n0\r\n\r\n`,
      413,
      'payload_too_large',
    ],
    ['a body that stops arriving', [json, 'Content-Length: 100'], '{"a":', 408, 'body_timeout'],
  ])('answers a reset with %s', async (_, headers, body, status, code) => {
    const reply = await send('POST /circuit-breakers/openai/reset HTTP/1.1', [auth, ...headers], body);
    expect(reply.status).toBe(status);
    expect(errorBody(reply).error.code).toBe(code);
    if (status !== 400) expect(reply.headers.connection).toBe('close');
  });

  it('accepts an empty body and a JSON body with parameters in its media type', async () => {
    expect(
      (await send('POST /circuit-breakers/openai/reset HTTP/1.1', [auth, 'Content-Length: 0'])).status,
    ).toBe(200);
    const body = '{"reason":"drill"}';
    const reply = await send(
      'POST /circuit-breakers/reset-all HTTP/1.1',
      [auth, 'Content-Type: Application/JSON; charset=utf-8', `Content-Length: ${body.length}`],
      body,
    );
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.text)).toEqual({ reset: ['openai'] });
  });

  it('sends headers that keep error bodies out of caches and sniffers', async () => {
    for (const line of ['GET /health HTTP/1.1', 'GET /nope HTTP/1.1', 'GET http://[ HTTP/1.1']) {
      const reply = await send(line);
      expect(reply.headers['cache-control']).toBe('no-store');
      expect(reply.headers['x-content-type-options']).toBe('nosniff');
    }
  });
});

describe('POST /chaos under hostile bodies', () => {
  // Issue 11: POST /chaos is the first route that reads its body, and what it reads reaches a chaos controller.
  // The server takes the largest body the options allow (1 MiB), so depth and width are as hostile as they get.
  let server: Server;
  let port: number;
  let chaos: ReturnType<typeof fakeChaos>;
  const auth = `Authorization: Bearer ${TOKEN}`;
  const postChaos = (body: string, headers: string[] = [auth]) =>
    sendRaw(
      port,
      rawRequest(
        'POST /chaos HTTP/1.1',
        [...headers, 'Content-Type: application/json', `Content-Length: ${Buffer.byteLength(body)}`],
        body,
      ),
    );

  beforeEach(async () => {
    chaos = fakeChaos();
    server = createServer(
      createMonitorHandler({ registry: new PolicyRegistry(), token: TOKEN, chaos, maxBodyBytes: 1_048_576 }),
    );
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterEach(async () => {
    server.closeAllConnections();
    await new Promise(resolve => server.close(resolve));
  });

  it.each([
    ['arrays', (n: number) => `{"faults":${'['.repeat(n)}${']'.repeat(n)}}`],
    ['objects', (n: number) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`],
  ])(
    'answers 400 to 1 MiB of nested %s without walking them (no stack overflow, no 500)',
    async (_, nest) => {
      const body = nest(Math.floor(1_048_000 / 6));
      const reply = await postChaos(body);
      expect(reply.status).toBe(400);
      expect(errorBody(reply).error).toEqual({
        code: 'invalid_chaos_settings',
        message: 'The chaos settings nest deeper than 8 levels',
      });
      expect(chaos.received).toEqual([]);
    },
  );

  it('answers 413 to a body over the limit, declared or streamed, before the controller sees it', async () => {
    const declared = await sendRaw(
      port,
      rawRequest('POST /chaos HTTP/1.1', [auth, 'Content-Type: application/json', 'Content-Length: 1048577']),
    );
    expect(declared.status).toBe(413);
    const chunk = `{"enabled":true,"x":"${'x'.repeat(0x10000)}"`;
    const size = Buffer.byteLength(chunk).toString(16);
    const streamed = await sendRaw(
      port,
      rawRequest(
        'POST /chaos HTTP/1.1',
        [auth, 'Content-Type: application/json', 'Transfer-Encoding: chunked'],
        `${`${size}\r\n${chunk}\r\n`.repeat(20)}0\r\n\r\n`,
      ),
    );
    expect(streamed.status).toBe(413);
    expect(chaos.received).toEqual([]);
  });

  it.each([
    '{"__proto__":{"enabled":true}}',
    '{"\\u005f_proto__":{"enabled":true}}',
    '{"faults":[{"fault":"timeout","rate":1,"constructor":{"prototype":{"enabled":true}}}]}',
  ])('refuses prototype keys in %s and pollutes nothing', async body => {
    const reply = await postChaos(body);
    expect(reply.status).toBe(400);
    expect(errorBody(reply).error.code).toBe('invalid_chaos_settings');
    expect(chaos.received).toEqual([]);
    expect(({} as Record<string, unknown>).enabled).toBeUndefined();
  });

  it("answers unknown fields with the controller's error, bounded, whatever their size", async () => {
    const reply = await postChaos(JSON.stringify({ enabled: true, [`k${'e'.repeat(100_000)}`]: 1 }));
    expect(reply.status).toBe(400);
    const { code, message } = errorBody(reply).error;
    expect(code).toBe('invalid_chaos_settings');
    // redact() drops a token cut at its window whole: the 100,000-character key is not repeated at all
    expect(message).toBe('Invalid options for ChaosController.configure:…');
    expect(message.length).toBeLessThanOrEqual(512);
    expect((await sendRaw(port, rawRequest('GET /chaos HTTP/1.1'))).text).toContain('"enabled": false');
  });

  it('never answers a secret sent in the body, with or without the token', async () => {
    const key = `sk-ant-api03-${'k'.repeat(40)}`;
    const body = JSON.stringify({ enabled: key, scope: { tenants: [key] } });
    const refused = await postChaos(body, []);
    expect(refused.status).toBe(401);
    const invalid = await postChaos(body);
    expect(invalid.status).toBe(400);
    for (const reply of [refused, invalid]) {
      expect(reply.text).not.toContain(key.slice(0, 20));
      expect(reply.text).not.toContain(TOKEN);
    }
  });
});
