import type { Server } from 'node:http';
import { connect } from 'node:net';
import { diag } from '@opentelemetry/api';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { captureDiagErrors } from '../test-support/diag.js';
import { PrometheusEndpoint } from './prometheus-endpoint.js';

/** Sends `request` as raw bytes and resolves with the status line of the answer ('' when the socket closed). */
function rawRequest(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('data', chunk => {
      answer += chunk;
    });
    socket.on('close', () => resolve(answer.split('\r\n')[0] ?? ''));
    socket.on('error', reject);
    socket.end(request);
  });
}

describe('PrometheusEndpoint', () => {
  let endpoint: PrometheusEndpoint;
  let provider: MeterProvider;
  let port: number;
  let errors: string[];
  beforeEach(async () => {
    errors = captureDiagErrors();
    endpoint = new PrometheusEndpoint({ port: 0 });
    provider = new MeterProvider({ readers: [endpoint] });
    port = Number(new URL(await endpoint.listen()).port);
  });
  afterEach(async () => {
    await provider.shutdown();
    diag.disable();
  });

  it.each(['http://[', '//[', 'http://user:pass@[::1]:99999/metrics'])(
    'answers the unparseable request target %s with 400 and keeps serving',
    async target => {
      // Issue 8 (same class as the monitoring API's `new URL()` crash): these answered 500 and logged an error.
      expect(await rawRequest(port, `GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`)).toBe(
        'HTTP/1.1 400 Bad Request',
      );
      expect(errors).toEqual([]);
      expect(await rawRequest(port, 'GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')).toBe(
        'HTTP/1.1 200 OK',
      );
    },
  );

  it.each([
    ['GET /metrics?name[]=x HTTP/1.1', 'HTTP/1.1 200 OK'],
    ['HEAD /metrics HTTP/1.1', 'HTTP/1.1 200 OK'],
    ['GET /other HTTP/1.1', 'HTTP/1.1 404 Not Found'],
    ['GET * HTTP/1.1', 'HTTP/1.1 404 Not Found'],
    ['DELETE /metrics HTTP/1.1', 'HTTP/1.1 405 Method Not Allowed'],
    ['NONSENSE', 'HTTP/1.1 400 Bad Request'],
  ])('answers %s with %s', async (requestLine, status) => {
    expect(await rawRequest(port, `${requestLine}\r\nHost: x\r\nConnection: close\r\n\r\n`)).toBe(status);
  });

  it('reports a server error after listening (e.g. EMFILE on accept) instead of crashing the process', () => {
    const server = (endpoint as unknown as { server: Server }).server;
    const emfile = Object.assign(new Error('accept EMFILE'), { code: 'EMFILE' });
    expect(() => server.emit('error', emfile)).not.toThrow();
    expect(errors).toEqual(['agent-resilience: the /metrics endpoint failed']);
  });
});

describe('PrometheusEndpoint options', () => {
  it('keeps the defaults for options passed as undefined (host undefined bound every interface)', async () => {
    const endpoint = new PrometheusEndpoint({ host: undefined, port: 0, path: undefined });
    const provider = new MeterProvider({ readers: [endpoint] });
    try {
      const url = new URL(await endpoint.listen());
      expect(url.hostname).toBe('127.0.0.1');
      expect(url.pathname).toBe('/metrics');
    } finally {
      await provider.shutdown();
    }
  });

  it('validates its options at construction, naming each', () => {
    expect(() => new PrometheusEndpoint({ host: '', port: 1.5, path: 'metrics' })).toThrow(
      'Invalid options for PrometheusEndpoint: port must be an integer in [0, 65535], got 1.5; host must be a host name or IP, got ""; path must be a path starting with "/", got "metrics"',
    );
    expect(() => new PrometheusEndpoint({ prot: 9464 } as never)).toThrow(/prot is not a known option/);
  });
});
