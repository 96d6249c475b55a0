import { Agent, request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { PolicyRegistry } from '../core/registry.js';
import { type MonitorServer, type MonitorServerOptions, startMonitorServer } from './monitor-server.js';
import { fakeChaos } from './test-support/fake-chaos.js';
import { rawRequest, sendRaw } from './test-support/raw-http.js';

const TOKEN = 'server-test-token-0123456789';

/**
 * Starts a reset whose body has not arrived yet, and resolves once the handler holds it: the request asks for
 * `100 Continue`, which node:http sends as it hands the request to the handler.
 */
function inFlight(socket: Socket): Promise<void> {
  socket.write(
    rawRequest(
      'POST /circuit-breakers/reset-all HTTP/1.1',
      [
        `Authorization: Bearer ${TOKEN}`,
        'Content-Type: application/json',
        'Content-Length: 2',
        'Expect: 100-continue',
      ],
      '{',
    ),
  );
  return new Promise(resolve => socket.once('data', () => resolve()));
}

describe('startMonitorServer', () => {
  const started: MonitorServer[] = [];
  const start = async (options: MonitorServerOptions = {}) => {
    const monitor = await startMonitorServer({ port: 0, registry: new PolicyRegistry(), ...options });
    started.push(monitor);
    return monitor;
  };
  afterEach(async () => {
    await Promise.all(started.splice(0).map(m => m.close()));
  });

  it('binds 127.0.0.1 by default and serves the API', async () => {
    const monitor = await start();
    expect(monitor.host).toBe('127.0.0.1');
    expect(monitor.port).toBeGreaterThan(0);
    expect(monitor.url).toBe(`http://127.0.0.1:${monitor.port}`);
    const reply = await fetch(`${monitor.url}/health`);
    expect(reply.status).toBe(200);
    expect(await reply.json()).toMatchObject({ status: 'healthy' });
  });

  it('answers what node:http refuses itself as JSON too (400, 431)', async () => {
    const monitor = await start({ maxHeaderBytes: 2_048 });
    for (const line of ['GET /he\0alth HTTP/1.1', 'FOO /health HTTP/1.1', 'GET http://[ HTTP/1.1']) {
      const reply = await sendRaw(monitor.port, rawRequest(line));
      expect(reply.status).toBe(400);
      expect(reply.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(JSON.parse(reply.text)).toEqual({
        error: { code: expect.any(String), message: expect.any(String) },
      });
    }
    const hostless = await sendRaw(monitor.port, 'GET /health HTTP/1.1\r\n\r\n');
    expect(hostless.status).toBe(400);
    expect(JSON.parse(hostless.text).error.code).toBe('missing_host');
    const big = await sendRaw(
      monitor.port,
      rawRequest('GET /health HTTP/1.1', [`X-Big: ${'b'.repeat(3_000)}`]),
    );
    expect(big.status).toBe(431);
    expect(JSON.parse(big.text).error.code).toBe('headers_too_large');
    expect(big.text).not.toContain('bbbb');
  });

  it('answers 408 to a client that never finishes its headers (slowloris)', async () => {
    const monitor = await start({ headersTimeoutMs: 100, requestTimeoutMs: 100 });
    const reply = await sendRaw(monitor.port, 'GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: 1');
    expect(reply.status).toBe(408);
    expect(JSON.parse(reply.text).error.code).toBe('request_timeout');
  });

  it('answers 408 through the response when a whole request takes longer than requestTimeoutMs', async () => {
    const monitor = await start({
      token: TOKEN,
      headersTimeoutMs: 100,
      requestTimeoutMs: 150,
      bodyTimeoutMs: 60_000,
    });
    const reply = await sendRaw(
      monitor.port,
      rawRequest(
        'POST /circuit-breakers/reset-all HTTP/1.1',
        [`Authorization: Bearer ${TOKEN}`, 'Content-Type: application/json', 'Content-Length: 10'],
        '{"a"',
      ),
    );
    expect(reply.status).toBe(408);
    expect(reply.headers.connection).toBe('close');
  });

  it('closes idle keep-alive connections', async () => {
    const monitor = await start({ keepAliveTimeoutMs: 50 });
    const socket = connect(monitor.port, '127.0.0.1');
    const closed = new Promise(resolve => socket.once('close', resolve));
    socket.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    socket.resume();
    await closed; // the server ends the idle connection; without a keep-alive timeout the test would time out
  });

  it('closes a keep-alive connection after 100 requests', async () => {
    const monitor = await start();
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const connectionHeaders: (string | undefined)[] = [];
    for (let i = 0; i < 100; i++) {
      connectionHeaders.push(
        await new Promise<string | undefined>((resolve, reject) => {
          httpRequest(`${monitor.url}/health`, { agent }, res => {
            res.resume().on('end', () => resolve(res.headers.connection));
          })
            .on('error', reject)
            .end();
        }),
      );
    }
    agent.destroy();
    expect(connectionHeaders.slice(0, 99).every(c => c === 'keep-alive')).toBe(true);
    expect(connectionHeaders[99]).toBe('close');
  });

  it('close() lets a request in flight finish, then refuses new connections', async () => {
    const monitor = await start({ token: TOKEN });
    const socket = connect(monitor.port, '127.0.0.1');
    let answer = '';
    socket.on('data', chunk => {
      answer += chunk;
    });
    await inFlight(socket);
    const closed = monitor.close();
    expect(monitor.close()).toBe(closed);
    socket.write('}');
    await Promise.all([closed, new Promise(resolve => socket.once('close', resolve))]);
    expect(answer).toMatch(/\r\n\r\nHTTP\/1\.1 200 /); // served in full, not cut
    const refused = await sendRaw(monitor.port, rawRequest('GET /health HTTP/1.1'));
    expect(refused.failure).toBe('ECONNREFUSED');
  });

  it('close() cuts a request that does not finish within closeTimeoutMs', async () => {
    const monitor = await start({ token: TOKEN, closeTimeoutMs: 50 });
    const socket = connect(monitor.port, '127.0.0.1');
    socket.on('error', () => {});
    await inFlight(socket);
    await monitor.close();
    await new Promise(resolve => socket.once('close', resolve));
  });

  it('rejects a port in use with an error naming it', async () => {
    const first = await start();
    await expect(start({ port: first.port })).rejects.toThrow(
      `startMonitorServer: port ${first.port} on 127.0.0.1 is already in use; pass another port (0 picks a free one)`,
    );
  });

  it('refuses to bind a non-loopback address without a token, saying why and how to opt out', async () => {
    const refusal = startMonitorServer({ host: '0.0.0.0', port: 0 });
    await expect(refusal).rejects.toThrow(RangeError);
    await expect(refusal).rejects.toThrow(
      'Invalid options for startMonitorServer: token must be set to bind "0.0.0.0", which is not a loopback address',
    );
    await expect(refusal).rejects.toThrow('allowRemoteWithoutToken: true');
    // the opt-out lifts that objection only (checked without binding: the port is invalid)
    await expect(
      startMonitorServer({ host: '0.0.0.0', port: -1, allowRemoteWithoutToken: true }),
    ).rejects.toThrow(
      /^Invalid options for startMonitorServer: port must be an integer in \[0, 65535\], got -1$/,
    );
  });

  it.each([
    ['loopback', {}],
    ['a remote host opted out of the token', { host: '0.0.0.0', allowRemoteWithoutToken: true }],
  ])(
    'refuses chaos without a token on %s: chaos can never be switched on an open server',
    async (_, where) => {
      // Issue 11: a server given a chaos controller and no token would show chaos but never let anyone switch it.
      const refusal = startMonitorServer({ port: 0, chaos: fakeChaos(), ...where });
      await expect(refusal).rejects.toThrow(RangeError);
      await expect(refusal).rejects.toThrow(
        'Invalid options for startMonitorServer: token must be set when chaos is given (POST /chaos switches ' +
          'faults on: only a token holder may), got undefined',
      );
    },
  );

  it('serves /chaos with the controller it was given, switching it with the token only', async () => {
    const chaos = fakeChaos();
    const monitor = await start({ chaos, token: TOKEN });
    const post = (headers: Record<string, string>) =>
      fetch(`${monitor.url}/chaos`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: '{"enabled":true}',
      });
    expect((await post({})).status).toBe(401);
    const ok = await post({ authorization: `Bearer ${TOKEN}` });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ enabled: true });
    expect(await (await fetch(`${monitor.url}/chaos`)).json()).toMatchObject({ enabled: true });
  });

  it('keeps mutations disabled without a token', async () => {
    const monitor = await start();
    const reply = await fetch(`${monitor.url}/circuit-breakers/reset-all`, { method: 'POST' });
    expect(reply.status).toBe(403);
  });

  it.each([
    [{ port: 65_536 }, 'port must be an integer in [0, 65535], got 65536'],
    [{ host: '' }, 'host must be a host name or IP address, got ""'],
    [{ headersTimeoutMs: 0 }, 'headersTimeoutMs must be an integer in [1, 2147483647], got 0'],
    [{ requestTimeoutMs: 5_000 }, 'requestTimeoutMs must be >= headersTimeoutMs (10000), got 5000'],
    [{ keepAliveTimeoutMs: 0 }, 'keepAliveTimeoutMs must be an integer in [1, 2147483647], got 0'],
    [{ maxHeaderBytes: 100 }, 'maxHeaderBytes must be an integer in [1024, 1048576], got 100'],
    [{ maxConnections: 0 }, 'maxConnections must be an integer >= 1, got 0'],
    [{ closeTimeoutMs: -1 }, 'closeTimeoutMs must be an integer in [0, 2147483647], got -1'],
    [{ token: 'short' }, 'token must be a string of 16-1024 visible ASCII characters'],
    [{ hots: '127.0.0.1' }, 'hots is not a known option'],
  ])('validates %j', async (options, message) => {
    await expect(startMonitorServer(options as MonitorServerOptions)).rejects.toThrow(message);
  });
});
