import { describe, it } from 'vitest';
import * as anthropic from '../test-support/anthropic.js';
import { classifierAt } from '../test-support/clock.js';
import { type Expected, expectClassified } from '../test-support/expect.js';

const classify = classifierAt();

const an = (status: number, type: string, message: string, headers: HeadersInit = {}) =>
  anthropic.APIError.generate(status, type, message, headers);

const rows: [string, unknown, Expected][] = [
  [
    'OverloadedError 529',
    an(529, 'overloaded_error', 'Overloaded'),
    {
      category: 'overloaded',
      retryable: true,
      errorType: 'OverloadedError',
      statusCode: 529,
      code: 'overloaded_error',
    },
  ],
  [
    'InternalServerError 500 with body overloaded_error',
    an(500, 'overloaded_error', 'Overloaded'),
    { category: 'overloaded', retryable: true, errorType: 'InternalServerError', statusCode: 500 },
  ],
  [
    'RateLimitError 429 + anthropic-ratelimit-* RFC 3339 resets',
    an(
      429,
      'rate_limit_error',
      'This request would exceed the rate limit for your organization of 50,000 input tokens per minute.',
      {
        'anthropic-ratelimit-requests-remaining': '49',
        'anthropic-ratelimit-requests-reset': '2026-11-23T12:00:59Z',
        'anthropic-ratelimit-input-tokens-remaining': '0',
        'anthropic-ratelimit-input-tokens-reset': '2026-11-23T12:00:12Z',
      },
    ),
    {
      category: 'rate_limited',
      retryable: true,
      errorType: 'RateLimitError',
      statusCode: 429,
      retryAfterMs: 12_000,
    },
  ],
  [
    'RateLimitError 429 + retry-after beats the resets',
    an(429, 'rate_limit_error', 'Number of request tokens has exceeded your per-minute rate limit', {
      'retry-after': '8',
      'anthropic-ratelimit-tokens-remaining': '0',
      'anthropic-ratelimit-tokens-reset': '2026-11-23T12:00:30Z',
    }),
    {
      category: 'rate_limited',
      retryable: true,
      errorType: 'RateLimitError',
      statusCode: 429,
      retryAfterMs: 8000,
    },
  ],
  [
    'ServiceUnavailableError 503',
    an(503, 'api_error', 'Service unavailable'),
    { category: 'server_error', retryable: true, errorType: 'ServiceUnavailableError', statusCode: 503 },
  ],
  [
    'AuthenticationError 401',
    an(401, 'authentication_error', 'invalid x-api-key'),
    { category: 'authentication', retryable: false, errorType: 'AuthenticationError', statusCode: 401 },
  ],
  [
    'PermissionDeniedError 403',
    an(403, 'permission_error', 'Your API key does not have permission to use the specified resource.'),
    { category: 'authentication', retryable: false, errorType: 'PermissionDeniedError', statusCode: 403 },
  ],
  [
    'BadRequestError 400 "prompt is too long"',
    an(400, 'invalid_request_error', 'prompt is too long: 208310 tokens > 200000 maximum'),
    { category: 'context_length_exceeded', retryable: false, errorType: 'BadRequestError', statusCode: 400 },
  ],
  [
    'BadRequestError 400 credit balance too low',
    an(
      400,
      'invalid_request_error',
      'Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits.',
    ),
    {
      category: 'quota_exceeded',
      retryable: false,
      severity: 'critical',
      errorType: 'BadRequestError',
      statusCode: 400,
    },
  ],
  [
    'PaymentRequiredError 402',
    an(402, 'billing_error', 'Billing issue'),
    {
      category: 'quota_exceeded',
      retryable: false,
      severity: 'critical',
      errorType: 'PaymentRequiredError',
      statusCode: 402,
    },
  ],
  [
    'RequestTimeoutError 408',
    an(408, 'timeout_error', 'Request timed out'),
    { category: 'timeout', retryable: true, errorType: 'RequestTimeoutError', statusCode: 408 },
  ],
  [
    'ContentTooLargeError 413',
    an(413, 'request_too_large', 'Request exceeds the maximum allowed number of bytes.'),
    { category: 'validation', retryable: false, errorType: 'ContentTooLargeError', statusCode: 413 },
  ],
  [
    'RequestHeaderFieldsTooLargeError 431',
    an(431, 'invalid_request_error', 'Request header fields too large'),
    {
      category: 'validation',
      retryable: false,
      errorType: 'RequestHeaderFieldsTooLargeError',
      statusCode: 431,
    },
  ],
  [
    'ClientClosedRequestError 499',
    an(499, 'api_error', 'Client closed request'),
    { category: 'cancelled', retryable: false, errorType: 'ClientClosedRequestError', statusCode: 499 },
  ],
  [
    'NotFoundError 404',
    an(404, 'not_found_error', 'model: claude-9'),
    { category: 'not_found', retryable: false, errorType: 'NotFoundError', statusCode: 404 },
  ],
  [
    'APIError from a stream (no status, error event body)',
    new anthropic.APIError(
      undefined,
      { type: 'error', error: { details: null, type: 'overloaded_error', message: 'Overloaded' } },
      undefined,
      new Headers(),
    ),
    { category: 'overloaded', retryable: true, errorType: 'APIError' },
  ],
  [
    'APIConnectionTimeoutError',
    new anthropic.APIConnectionTimeoutError(),
    { category: 'timeout', retryable: true, errorType: 'APIConnectionTimeoutError' },
  ],
  [
    'APIUserAbortError',
    new anthropic.APIUserAbortError(),
    { category: 'cancelled', retryable: false, errorType: 'APIUserAbortError' },
  ],
];

describe('Anthropic SDK errors (@anthropic-ai/sdk 1.x)', () => {
  it.each(rows)('%s', (_label, error, expected) => {
    expectClassified(classify(error), expected);
  });
});
