import type { IncomingMessage } from 'node:http';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { readJsonBody } from './request-body.js';

const LIMITS = { maxBytes: 32, timeoutMs: 1_000 };

/** A request stream with headers, fed by the test. */
function request(headers: Record<string, string>): PassThrough & IncomingMessage {
  return Object.assign(new PassThrough(), { headers }) as unknown as PassThrough & IncomingMessage;
}

const json = (length: number) => ({ 'content-type': 'application/json', 'content-length': String(length) });
const listeners = (r: PassThrough) => ['data', 'end', 'close', 'error'].map(e => r.listenerCount(e));

describe('readJsonBody', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('parses a JSON body and leaves nothing attached', async () => {
    const r = request(json(8));
    const body = readJsonBody(r, LIMITS);
    r.end('{"a": 1}');
    await expect(body).resolves.toEqual({ a: 1 });
    expect(listeners(r)).toEqual([0, 0, 0, 0]);
  });

  it('resolves undefined without reading when no body is announced', async () => {
    await expect(readJsonBody(request({}), LIMITS)).resolves.toBeUndefined();
    await expect(readJsonBody(request({ 'content-length': '0' }), LIMITS)).resolves.toBeUndefined();
  });

  it("takes a framework's parsed body when a body parser already consumed the stream", async () => {
    // Express with express.json() in front: the stream has ended, waiting for 'end' would hang until the timeout.
    const r = Object.assign(request(json(8)), { body: { parsed: true } });
    r.resume();
    r.end('{"a": 1}');
    await new Promise(resolve => r.once('end', resolve));
    await expect(readJsonBody(r, LIMITS)).resolves.toEqual({ parsed: true });
  });

  it.each([
    ['text/plain', 415],
    ['application/x-www-form-urlencoded', 415],
    ['multipart/form-data; boundary=x', 415],
    ['', 415],
  ])('refuses a %j body with %i before reading it', async (type, status) => {
    const headers: Record<string, string> = { 'content-length': '2' };
    if (type !== '') headers['content-type'] = type;
    await expect(readJsonBody(request(headers), LIMITS)).rejects.toMatchObject({ status });
  });

  it('accepts +json media types and parameters', async () => {
    const r = request({
      'content-type': 'application/merge-patch+json; charset=UTF-8',
      'content-length': '2',
    });
    const body = readJsonBody(r, LIMITS);
    r.end('{}');
    await expect(body).resolves.toEqual({});
  });

  it('refuses a declared length over the limit at once, and a streamed one as soon as it crosses it', async () => {
    await expect(readJsonBody(request(json(33)), LIMITS)).rejects.toMatchObject({
      status: 413,
      code: 'payload_too_large',
    });
    const r = request({ 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    const body = readJsonBody(r, LIMITS);
    r.write('x'.repeat(20));
    r.write('x'.repeat(20)); // never ended: the limit alone settles it
    await expect(body).rejects.toMatchObject({ status: 413 });
    expect(listeners(r)).toEqual([0, 0, 0, 0]);
  });

  it('answers malformed JSON with 400', async () => {
    const r = request(json(5));
    const body = readJsonBody(r, LIMITS);
    r.end('{"a":');
    await expect(body).rejects.toMatchObject({ status: 400, code: 'invalid_json' });
  });

  it('gives up on a body that stops arriving with 408, and leaves no timer or listener', async () => {
    vi.useFakeTimers();
    const r = request(json(10));
    const body = readJsonBody(r, LIMITS);
    r.write('{"a"');
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(LIMITS.timeoutMs);
    await expect(body).rejects.toMatchObject({ status: 408, code: 'body_timeout' });
    expect(vi.getTimerCount()).toBe(0);
    expect(listeners(r)).toEqual([0, 0, 0, 0]);
  });

  it('settles when the client goes away mid-body (it used to wait forever)', async () => {
    vi.useFakeTimers();
    const r = request(json(10));
    const body = readJsonBody(r, LIMITS);
    r.write('{"a"');
    r.destroy();
    await expect(body).rejects.toMatchObject({ status: 400, code: 'request_aborted' });
    expect(vi.getTimerCount()).toBe(0);
    expect(listeners(r)).toEqual([0, 0, 0, 0]);
  });
});
