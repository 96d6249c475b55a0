import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { diag } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import { PolicyRegistry } from '../core/registry.js';
import { createChaos } from '../policies/chaos/index.js';
import { captureDiagErrors } from '../test-support/diag.js';
import { createMonitorHandler, type MonitorOptions } from './monitor-handler.js';
import { type FakeChaos, fakeChaos } from './test-support/fake-chaos.js';

// Issue 11: chaos is switched at runtime through the monitoring API. `GET /chaos` shows the controller's state,
// `POST /chaos` (bearer token) configures it; the API knows the controller only by its configure() and state().

const TOKEN = 'chaos-test-token-0123456789';
const AUTH = { authorization: `Bearer ${TOKEN}` };
const JSON_TYPE = { 'content-type': 'application/json' };

interface Reply {
  readonly status: number;
  readonly headers: Headers;
  readonly body: unknown;
}

describe('monitoring API: /chaos', () => {
  let server: Server | undefined;
  let base = '';
  const start = async (options: MonitorOptions) => {
    server = createServer(createMonitorHandler({ registry: new PolicyRegistry(), ...options }));
    await new Promise<void>(resolve => server?.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  };
  const call = async (
    method: string,
    headers: Record<string, string> = {},
    body?: string,
  ): Promise<Reply> => {
    const reply = await fetch(`${base}/chaos`, { method, headers, body });
    const text = await reply.text();
    return { status: reply.status, headers: reply.headers, body: text === '' ? undefined : JSON.parse(text) };
  };
  const post = (body: string, headers: Record<string, string> = { ...AUTH, ...JSON_TYPE }) =>
    call('POST', headers, body);
  const errorOf = (reply: Reply) => (reply.body as { error: { code: string; message: string } }).error;

  afterEach(async () => {
    diag.disable();
    if (server === undefined) return;
    server.closeAllConnections();
    await new Promise(resolve => server?.close(resolve));
    server = undefined;
  });

  it('shows the controller state on GET (and HEAD), without a token unless protectReads', async () => {
    const chaos = fakeChaos();
    await start({ chaos });
    const reply = await call('GET');
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ enabled: false, faults: [], scope: {}, injections: {} });
    expect(reply.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect((await call('HEAD')).status).toBe(200);
  });

  it('configures the controller on POST with the token and answers the new state', async () => {
    const chaos = fakeChaos();
    await start({ chaos, token: TOKEN });
    const settings = { enabled: true, faults: [{ fault: 'rate_limited', rate: 0.5 }] };
    const reply = await post(JSON.stringify(settings));
    expect(reply.status).toBe(200);
    expect(chaos.received).toEqual([settings]);
    expect(reply.body).toEqual({ ...settings, scope: {}, injections: {} });
    expect((await call('GET')).body).toEqual(reply.body);
  });

  it.each([
    ['no Authorization header', {}, 'A bearer token is required'],
    ['a wrong token', { authorization: 'Bearer not-the-token-0123456789' }, 'Invalid bearer token'],
  ])('refuses a POST with %s (401) and leaves the controller alone', async (_, auth, message) => {
    const chaos = fakeChaos();
    await start({ chaos, token: TOKEN });
    const reply = await post('{"enabled":true}', { ...auth, ...JSON_TYPE });
    expect(reply.status).toBe(401);
    expect(errorOf(reply)).toEqual({ code: 'unauthorized', message });
    expect(chaos.received).toEqual([]);
  });

  it('refuses every POST when no token is configured (403): chaos cannot be switched on an open handler', async () => {
    const chaos = fakeChaos();
    await start({ chaos });
    const reply = await post('{"enabled":true}', { ...AUTH, ...JSON_TYPE });
    expect(reply.status).toBe(403);
    expect(errorOf(reply).code).toBe('mutations_disabled');
    expect(chaos.received).toEqual([]);
    expect((await call('GET')).body).toMatchObject({ enabled: false });
  });

  it('requires the token on GET with protectReads', async () => {
    await start({ chaos: fakeChaos(), token: TOKEN, protectReads: true });
    expect((await call('GET')).status).toBe(401);
    expect((await call('GET', AUTH)).status).toBe(200);
  });

  it('answers 404 chaos_not_configured when no controller was given', async () => {
    await start({ token: TOKEN });
    for (const reply of [await call('GET'), await post('{"enabled":true}')]) {
      expect(reply.status).toBe(404);
      expect(errorOf(reply)).toEqual({
        code: 'chaos_not_configured',
        message: 'No chaos controller is configured: pass one as the chaos option',
      });
    }
  });

  it('answers other methods with 405 and Allow', async () => {
    await start({ chaos: fakeChaos(), token: TOKEN });
    for (const method of ['DELETE', 'PUT', 'PATCH']) {
      const reply = await call(method, AUTH);
      expect(reply.status).toBe(405);
      expect(reply.headers.get('allow')).toBe('GET, HEAD, POST');
    }
  });

  it('answers 400 with the settings error the controller threw, and keeps the old state', async () => {
    const chaos = fakeChaos();
    await start({ chaos, token: TOKEN });
    const reply = await post('{"enabled":"yes"}');
    expect(reply.status).toBe(400);
    expect(errorOf(reply)).toEqual({
      code: 'invalid_chaos_settings',
      message: 'Invalid options for ChaosController.configure: enabled must be a boolean, got "yes"',
    });
    expect((await call('GET')).body).toMatchObject({ enabled: false });
  });

  it('bounds and redacts the settings error it repeats (a value may carry a key or control characters)', async () => {
    const chaos: FakeChaos = {
      ...fakeChaos(),
      configure: () => {
        throw new RangeError(
          `faults[0].fault must be a fault, got "sk-proj-${'a'.repeat(40)}"\r\n\u0007${'x '.repeat(2_000)}`,
        );
      },
    };
    await start({ chaos, token: TOKEN });
    const { message } = errorOf(await post('{"faults":[]}'));
    expect(message).toMatch(/^faults\[0\]\.fault must be a fault, got "\[REDACTED\]" x x /);
    expect(message).not.toContain('sk-proj');
    expect([...message].filter(c => c.charCodeAt(0) < 0x20)).toEqual([]);
    expect(message.length).toBeLessThanOrEqual(512);
  });

  it('answers 500 (reported through diag, not repeated) when configure fails for another reason', async () => {
    const errors = captureDiagErrors();
    const chaos: FakeChaos = {
      ...fakeChaos(),
      configure: () => {
        throw new Error('bug with a secret sk-0123456789abcdef0123');
      },
    };
    await start({ chaos, token: TOKEN });
    const reply = await post('{}');
    expect(reply.status).toBe(500);
    expect(errorOf(reply)).toEqual({ code: 'internal_error', message: 'Internal error' });
    expect(errors).toEqual(['agent-resilience: monitoring API route failed']);
  });

  it.each([
    ['no body', undefined, 'A JSON object of chaos settings is required'],
    ['an empty body', '', 'A JSON object of chaos settings is required'],
    ['an array', '[{"enabled":true}]', 'The chaos settings must be a JSON object, got an array'],
    ['null', 'null', 'The chaos settings must be a JSON object, got null'],
    ['a number', '1', 'The chaos settings must be a JSON object, got a number'],
    ['a string', '"enabled"', 'The chaos settings must be a JSON object, got a string'],
  ])('refuses %s with 400 before the controller sees it', async (_, body, message) => {
    const chaos = fakeChaos();
    await start({ chaos, token: TOKEN });
    const reply = await call('POST', { ...AUTH, ...JSON_TYPE }, body);
    expect(reply.status).toBe(400);
    expect(errorOf(reply)).toEqual({ code: 'invalid_chaos_settings', message });
    expect(chaos.received).toEqual([]);
  });

  it.each([
    ['__proto__', '{"__proto__":{"polluted":true}}'],
    ['constructor', '{"scope":{"constructor":{"prototype":{"polluted":true}}}}'],
    ['prototype', '{"faults":[{"prototype":{"polluted":true}}]}'],
  ])(
    'refuses the key %s at any depth (prototype pollution) before the controller sees it',
    async (key, body) => {
      const chaos = fakeChaos();
      await start({ chaos, token: TOKEN });
      const reply = await post(body);
      expect(reply.status).toBe(400);
      expect(errorOf(reply)).toEqual({
        code: 'invalid_chaos_settings',
        message: `The chaos settings must not use the key "${key}"`,
      });
      expect(chaos.received).toEqual([]);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    },
  );

  it('refuses settings nested deeper than any chaos setting is (8 levels)', async () => {
    const chaos = fakeChaos();
    await start({ chaos, token: TOKEN });
    const deep = (levels: number) => `${'{"a":'.repeat(levels - 1)}{}${'}'.repeat(levels - 1)}`;
    const reply = await post(deep(9));
    expect(reply.status).toBe(400);
    expect(errorOf(reply)).toEqual({
      code: 'invalid_chaos_settings',
      message: 'The chaos settings nest deeper than 8 levels',
    });
    expect(chaos.received).toEqual([]);
    expect((await post(deep(8))).status).toBe(400); // the fake's own "a is not a known option"
    expect(chaos.received).toHaveLength(1);
  });

  it('answers bodies it cannot read as every POST route does (400 invalid_json, 413, 415)', async () => {
    const chaos = fakeChaos();
    await start({ chaos, token: TOKEN, maxBodyBytes: 64 });
    expect(errorOf(await post('{"enabled":')).code).toBe('invalid_json');
    const big = await post(JSON.stringify({ faults: 'x'.repeat(100) }));
    expect([big.status, errorOf(big).code]).toEqual([413, 'payload_too_large']);
    const text = await post('enabled=true', { ...AUTH, 'content-type': 'text/plain' });
    expect([text.status, errorOf(text).code]).toEqual([415, 'unsupported_media_type']);
    expect(chaos.received).toEqual([]);
  });

  it('drives a real createChaos() controller: switched on with the token, refused settings change nothing', async () => {
    const chaos = createChaos();
    await start({ chaos, token: TOKEN });
    expect((await call('GET')).body).toMatchObject({
      enabled: false,
      faults: [],
      injections: { rate_limited: 0 },
    });
    const on = await post(
      '{"enabled":true,"faults":[{"fault":"rate_limited","rate":0.5}],"scope":{"models":["gpt"]}}',
    );
    expect(on.status).toBe(200);
    expect(on.body).toMatchObject({
      enabled: true,
      faults: [{ fault: 'rate_limited', rate: 0.5, provider: 'openai', retryAfterMs: 1_000 }],
      scope: { models: ['gpt'] },
    });
    expect(chaos.enabled).toBe(true);
    const refused = await post('{"enabled":false,"faults":[{"fault":"rate_limited","rate":2}],"extra":1}');
    expect(refused.status).toBe(400);
    expect(errorOf(refused).code).toBe('invalid_chaos_settings');
    expect(errorOf(refused).message).toContain('faults[0].rate must be a number in [0, 1], got 2');
    expect(errorOf(refused).message).toContain('extra is not a known option');
    expect((await call('GET')).body).toEqual(on.body);
  });

  it.each([
    [
      {},
      'chaos must be a chaos controller (createChaos()) with configure() and state(), got an object (Object)',
    ],
    ['on', 'chaos must be a chaos controller (createChaos()) with configure() and state(), got "on"'],
    [{ configure: () => ({}) }, 'chaos must be a chaos controller'],
  ])('refuses the chaos option %j with a TypeError', (chaos, message) => {
    const create = () => createMonitorHandler({ chaos } as unknown as MonitorOptions);
    expect(create).toThrow(TypeError);
    expect(create).toThrow(message);
  });
});
