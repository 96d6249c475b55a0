import { type AddressInfo, createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { classifyError } from '../classifier.js';
import { type Expected, expectClassified } from '../test-support/expect.js';
import {
  ConnectTimeoutError,
  fetchFailed,
  HeadersTimeoutError,
  happyEyeballs,
  SocketError,
  systemError,
} from '../test-support/undici.js';
import { categoryOfSystemCode } from './node-errors.js';

const nodeAbortError = (cause?: unknown) =>
  Object.assign(new Error('The operation was aborted', cause === undefined ? undefined : { cause }), {
    name: 'AbortError',
    code: 'ABORT_ERR',
  });

const rows: [string, unknown, Expected][] = [
  // fetch (undici): TypeError: fetch failed, refined by its cause; never `programming`.
  [
    'fetch failed ← ECONNREFUSED',
    fetchFailed(systemError('ECONNREFUSED')),
    { category: 'network', retryable: true, errorType: 'ECONNREFUSED', code: 'ECONNREFUSED' },
  ],
  [
    'fetch failed ← ECONNRESET',
    fetchFailed(systemError('ECONNRESET', 'read')),
    { category: 'network', retryable: true, errorType: 'ECONNRESET' },
  ],
  [
    'fetch failed ← UND_ERR_CONNECT_TIMEOUT',
    fetchFailed(new ConnectTimeoutError()),
    {
      category: 'timeout',
      retryable: true,
      errorType: 'ConnectTimeoutError',
      code: 'UND_ERR_CONNECT_TIMEOUT',
    },
  ],
  [
    'fetch failed ← UND_ERR_HEADERS_TIMEOUT',
    fetchFailed(new HeadersTimeoutError()),
    { category: 'timeout', retryable: true, errorType: 'HeadersTimeoutError' },
  ],
  [
    'fetch failed ← UND_ERR_SOCKET',
    fetchFailed(new SocketError()),
    { category: 'network', retryable: true, errorType: 'SocketError', code: 'UND_ERR_SOCKET' },
  ],
  [
    'fetch failed ← AggregateError with code (Happy Eyeballs)',
    fetchFailed(happyEyeballs([systemError('ECONNREFUSED', 'connect', '::1'), systemError('ECONNREFUSED')])),
    { category: 'network', retryable: true, errorType: 'ECONNREFUSED' },
  ],
  [
    'fetch failed ← AggregateError without code',
    fetchFailed(happyEyeballs([systemError('ETIMEDOUT'), systemError('ECONNREFUSED')], false)),
    { category: 'timeout', retryable: true, errorType: 'ETIMEDOUT' },
  ],
  [
    'fetch failed without cause',
    new TypeError('fetch failed'),
    { category: 'network', retryable: true, errorType: 'TypeError' },
  ],
  [
    'fetch failed ← an unrecognised cause',
    fetchFailed(new Error('unknown scheme')),
    { category: 'network', retryable: true, errorType: 'TypeError' },
  ],
  [
    'TypeError: terminated ← SocketError (body read)',
    new TypeError('terminated', { cause: new SocketError() }),
    { category: 'network', retryable: true, errorType: 'SocketError' },
  ],
  [
    'browser: Failed to fetch',
    new TypeError('Failed to fetch'),
    { category: 'network', retryable: true, errorType: 'TypeError' },
  ],
  // Node system errors.
  [
    'ECONNRESET',
    systemError('ECONNRESET', 'read'),
    { category: 'network', retryable: true, errorType: 'ECONNRESET' },
  ],
  [
    'ECONNREFUSED',
    systemError('ECONNREFUSED'),
    { category: 'network', retryable: true, errorType: 'ECONNREFUSED' },
  ],
  ['ETIMEDOUT', systemError('ETIMEDOUT'), { category: 'timeout', retryable: true, errorType: 'ETIMEDOUT' }],
  [
    'ENOTFOUND',
    systemError('ENOTFOUND', 'getaddrinfo', 'api.openai.com'),
    { category: 'network', retryable: true, errorType: 'ENOTFOUND' },
  ],
  [
    'EAI_AGAIN',
    systemError('EAI_AGAIN', 'getaddrinfo', 'api.openai.com'),
    { category: 'network', retryable: true, errorType: 'EAI_AGAIN' },
  ],
  ['EPIPE', systemError('EPIPE', 'write'), { category: 'network', retryable: true, errorType: 'EPIPE' }],
  [
    'ECONNABORTED',
    systemError('ECONNABORTED', 'read'),
    { category: 'network', retryable: true, errorType: 'ECONNABORTED' },
  ],
  [
    'socket hang up (ECONNRESET)',
    Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
    { category: 'network', retryable: true, errorType: 'ECONNRESET' },
  ],
  // DOMException and AbortError.
  [
    'DOMException TimeoutError (AbortSignal.timeout)',
    new DOMException('The operation was aborted due to timeout', 'TimeoutError'),
    { category: 'timeout', retryable: true, errorType: 'TimeoutError' },
  ],
  [
    'DOMException AbortError',
    new DOMException('This operation was aborted', 'AbortError'),
    { category: 'cancelled', retryable: false, errorType: 'AbortError' },
  ],
  [
    "Node's AbortError",
    nodeAbortError(),
    { category: 'cancelled', retryable: false, errorType: 'AbortError' },
  ],
  [
    "Node's AbortError ← a timeout reason",
    nodeAbortError(new DOMException('The operation was aborted due to timeout', 'TimeoutError')),
    { category: 'timeout', retryable: true, errorType: 'AbortError' },
  ],
  [
    "Node's AbortError ← a network reason stays cancelled",
    nodeAbortError(systemError('ECONNRESET')),
    { category: 'cancelled', retryable: false, errorType: 'AbortError' },
  ],
  // Language errors: bugs.
  [
    'TypeError',
    new TypeError("Cannot read properties of undefined (reading 'timeout')"),
    { category: 'programming', retryable: false, errorType: 'TypeError' },
  ],
  [
    'ReferenceError',
    new ReferenceError('fetchh is not defined'),
    { category: 'programming', retryable: false, errorType: 'ReferenceError' },
  ],
  [
    'SyntaxError',
    new SyntaxError('Unexpected token < in JSON at position 0'),
    { category: 'programming', retryable: false, errorType: 'SyntaxError' },
  ],
  [
    'RangeError',
    new RangeError('Invalid array length'),
    { category: 'programming', retryable: false, errorType: 'RangeError' },
  ],
  [
    'TypeError with a Node code',
    Object.assign(new TypeError('The "url" argument must be of type string'), {
      code: 'ERR_INVALID_ARG_TYPE',
    }),
    { category: 'programming', retryable: false, errorType: 'ERR_INVALID_ARG_TYPE' },
  ],
];

describe('Node, fetch and DOM errors', () => {
  it.each(rows)('%s', (_label, error, expected) => {
    expectClassified(classifyError(error), expected);
  });

  it('mentions the deciding cause in the message', () => {
    expect(classifyError(fetchFailed(systemError('ECONNREFUSED'))).message).toBe(
      'fetch failed (cause: connect ECONNREFUSED 127.0.0.1:443)',
    );
  });

  it('real platform errors: an aborted controller', () => {
    const controller = new AbortController();
    controller.abort();
    expectClassified(classifyError(controller.signal.reason), {
      category: 'cancelled',
      retryable: false,
      errorType: 'AbortError',
    });
  });

  it('real platform errors: fetch to a closed loopback port', async () => {
    const server = createServer();
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>(resolve => server.close(() => resolve()));
    const error = await fetch(`http://127.0.0.1:${port}/`).catch((e: unknown) => e);
    expectClassified(classifyError(error), {
      category: 'network',
      retryable: true,
      errorType: 'ECONNREFUSED',
    });
  });
});

describe('categoryOfSystemCode', () => {
  it('treats axios ECONNABORTED timeouts as timeouts', () => {
    expect(categoryOfSystemCode('ECONNABORTED', 'timeout of 5000ms exceeded')).toBe('timeout');
    expect(categoryOfSystemCode('ECONNABORTED', 'read ECONNABORTED')).toBe('network');
    expect(categoryOfSystemCode('EWHATEVER')).toBeUndefined();
  });
});
