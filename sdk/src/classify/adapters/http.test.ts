import { describe, expect, it } from 'vitest';
import type { ErrorCategory } from '../../semconv.js';
import { classifyError } from '../classifier.js';
import { AxiosError } from '../test-support/axios.js';
import { classifierAt } from '../test-support/clock.js';
import { type Expected, expectClassified } from '../test-support/expect.js';
import { categoryOfStatus, statusFromMessage } from './http.js';

describe('categoryOfStatus', () => {
  it.each<[number, ErrorCategory | undefined]>([
    [200, undefined],
    [304, undefined],
    [400, 'validation'],
    [401, 'authentication'],
    [402, 'quota_exceeded'],
    [403, 'authentication'],
    [404, 'not_found'],
    [405, 'validation'],
    [408, 'timeout'],
    [409, 'server_error'],
    [410, 'not_found'],
    [413, 'validation'],
    [418, 'validation'],
    [422, 'validation'],
    [429, 'rate_limited'],
    [431, 'validation'],
    [499, 'cancelled'],
    [500, 'server_error'],
    [501, 'server_error'],
    [502, 'server_error'],
    [503, 'server_error'],
    [504, 'server_error'],
    [520, 'server_error'],
    [529, 'overloaded'],
  ])('%d → %s', (status, category) => {
    expect(categoryOfStatus(status)).toBe(category);
  });
});

describe('statusFromMessage', () => {
  it.each<[string, number | undefined]>([
    ['Request failed with status code 503', 503],
    ['HTTP 429 Too Many Requests', 429],
    ['503 Service Unavailable', 503],
    ['upstream said: 502 Bad Gateway', 502],
    ['HTTP/1.1 504 Gateway Timeout', 504],
    ['status: 401', 401],
    ['HTTP error 500 while calling tool', 500],
    ['429 Rate limit reached for gpt-4o', 429],
    ['Processed 503 records', undefined],
    ['Port 4290 closed', undefined],
    ['', undefined],
  ])('%j → %s', (message, status) => {
    expect(statusFromMessage(message)).toBe(status);
  });
});

const classify = classifierAt();
const response = (status: number, statusText: string, headers: HeadersInit = {}) =>
  new Response(null, { status, statusText, headers });

const rows: [string, unknown, Expected][] = [
  [
    'WHATWG Response 503 + Retry-After seconds',
    response(503, 'Service Unavailable', { 'Retry-After': '120' }),
    { category: 'server_error', retryable: true, errorType: '503', statusCode: 503, retryAfterMs: 120_000 },
  ],
  [
    'WHATWG Response 429 + Retry-After HTTP date',
    response(429, 'Too Many Requests', { 'Retry-After': 'Mon, 23 Nov 2026 12:00:45 GMT' }),
    { category: 'rate_limited', retryable: true, errorType: '429', statusCode: 429, retryAfterMs: 45_000 },
  ],
  [
    'WHATWG Response 404',
    response(404, 'Not Found'),
    { category: 'not_found', retryable: false, errorType: '404', statusCode: 404 },
  ],
  [
    'plain { ok: false, status, statusText, headers }',
    { ok: false, status: 429, statusText: 'Too Many Requests', headers: { 'retry-after': '3' } },
    { category: 'rate_limited', retryable: true, errorType: '429', statusCode: 429, retryAfterMs: 3000 },
  ],
  [
    'plain object with a Map of headers',
    { ok: false, status: 503, headers: new Map([['Retry-After', '2']]) },
    { category: 'server_error', retryable: true, errorType: '503', statusCode: 503, retryAfterMs: 2000 },
  ],
  [
    'plain object with statusCode only',
    { statusCode: 502 },
    { category: 'server_error', retryable: true, errorType: '502', statusCode: 502 },
  ],
  [
    'Error with a status field',
    Object.assign(new Error('Upstream failed'), { status: 500 }),
    { category: 'server_error', retryable: true, errorType: '500', statusCode: 500 },
  ],
  [
    'Error with a numeric-string status',
    Object.assign(new Error('Upstream failed'), { status: '503' }),
    { category: 'server_error', retryable: true, errorType: '503', statusCode: 503 },
  ],
  [
    'Response that is ok (status 200) is not a failure category',
    response(200, 'OK'),
    { category: 'unknown', retryable: true, errorType: '200', statusCode: 200 },
  ],
  [
    'axios AxiosError 503 (response.status, response.headers)',
    AxiosError.fromResponse(503, { 'retry-after': '4' }),
    {
      category: 'server_error',
      retryable: true,
      errorType: 'AxiosError',
      statusCode: 503,
      retryAfterMs: 4000,
    },
  ],
  [
    'axios AxiosError 429 with OpenAI body in response.data',
    AxiosError.fromResponse(
      429,
      {},
      { error: { message: 'You exceeded your current quota', code: 'insufficient_quota' } },
    ),
    { category: 'quota_exceeded', retryable: false, errorType: 'AxiosError', statusCode: 429 },
  ],
  [
    'axios timeout (ECONNABORTED)',
    new AxiosError('timeout of 5000ms exceeded', 'ECONNABORTED'),
    { category: 'timeout', retryable: true, errorType: 'AxiosError' },
  ],
  [
    'axios Network Error (ERR_NETWORK)',
    new AxiosError('Network Error', 'ERR_NETWORK'),
    { category: 'network', retryable: true, errorType: 'AxiosError' },
  ],
  [
    'axios CanceledError',
    Object.assign(new AxiosError('canceled', 'ERR_CANCELED'), { name: 'CanceledError' }),
    { category: 'cancelled', retryable: false, errorType: 'CanceledError' },
  ],
  [
    'AWS SDK $metadata.httpStatusCode + ThrottlingException',
    Object.assign(new Error('Too many requests, please wait before trying again.'), {
      name: 'ThrottlingException',
      $metadata: { httpStatusCode: 429 },
    }),
    { category: 'rate_limited', retryable: true, errorType: 'ThrottlingException', statusCode: 429 },
  ],
  [
    'AWS Bedrock ServiceQuotaExceededException (400)',
    Object.assign(new Error('Your request exceeds the service quota for your account.'), {
      name: 'ServiceQuotaExceededException',
      $metadata: { httpStatusCode: 400 },
    }),
    {
      category: 'quota_exceeded',
      retryable: false,
      errorType: 'ServiceQuotaExceededException',
      statusCode: 400,
    },
  ],
];

describe('HTTP shapes', () => {
  it.each(rows)('%s', (_label, error, expected) => {
    expectClassified(classify(error), expected);
  });

  it('describes a Response in the message', () => {
    expect(classifyError(response(503, 'Service Unavailable')).message).toBe('HTTP 503 Service Unavailable');
  });
});
