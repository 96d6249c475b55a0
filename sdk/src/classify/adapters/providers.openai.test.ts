import { describe, expect, it } from 'vitest';
import { classifyError } from '../classifier.js';
import { classifierAt } from '../test-support/clock.js';
import { type Expected, expectClassified } from '../test-support/expect.js';
import * as openai from '../test-support/openai.js';
import {
  AZURE_FILTER_BODY,
  CONTEXT_BODY,
  QUOTA_BODY,
  RATE_LIMIT_BODY,
} from '../test-support/provider-bodies.js';
import { fetchFailed, systemError } from '../test-support/undici.js';

const classify = classifierAt();

const oa = (status: number, error: Record<string, unknown>, headers: HeadersInit = {}) =>
  openai.APIError.generate(status, { error }, headers);

const rows: [string, unknown, Expected][] = [
  [
    'RateLimitError 429 + retry-after',
    oa(429, RATE_LIMIT_BODY, { 'retry-after': '20' }),
    {
      category: 'rate_limited',
      retryable: true,
      errorType: 'RateLimitError',
      statusCode: 429,
      retryAfterMs: 20_000,
      code: 'rate_limit_exceeded',
    },
  ],
  [
    'RateLimitError 429 + retry-after-ms',
    oa(429, RATE_LIMIT_BODY, { 'retry-after-ms': '1200', 'retry-after': '2' }),
    {
      category: 'rate_limited',
      retryable: true,
      errorType: 'RateLimitError',
      statusCode: 429,
      retryAfterMs: 1200,
    },
  ],
  [
    'RateLimitError 429 + x-ratelimit-reset-* headers',
    oa(429, RATE_LIMIT_BODY, {
      'x-ratelimit-limit-tokens': '30000',
      'x-ratelimit-remaining-tokens': '0',
      'x-ratelimit-reset-tokens': '6m0s',
      'x-ratelimit-remaining-requests': '4999',
      'x-ratelimit-reset-requests': '12ms',
    }),
    {
      category: 'rate_limited',
      retryable: true,
      errorType: 'RateLimitError',
      statusCode: 429,
      retryAfterMs: 360_000,
    },
  ],
  [
    'RateLimitError 429, delay only in the message',
    oa(429, RATE_LIMIT_BODY),
    {
      category: 'rate_limited',
      retryable: true,
      errorType: 'RateLimitError',
      statusCode: 429,
      retryAfterMs: 2002,
    },
  ],
  [
    '429 insufficient_quota',
    oa(429, QUOTA_BODY),
    {
      category: 'quota_exceeded',
      retryable: false,
      severity: 'critical',
      errorType: 'RateLimitError',
      statusCode: 429,
      code: 'insufficient_quota',
    },
  ],
  [
    'BadRequestError 400 context_length_exceeded',
    oa(400, CONTEXT_BODY),
    {
      category: 'context_length_exceeded',
      retryable: false,
      errorType: 'BadRequestError',
      statusCode: 400,
      code: 'context_length_exceeded',
    },
  ],
  [
    'BadRequestError 400 content_filter (Azure)',
    oa(400, AZURE_FILTER_BODY),
    { category: 'content_filtered', retryable: false, errorType: 'BadRequestError', statusCode: 400 },
  ],
  [
    'BadRequestError 400 content_policy_violation (images)',
    oa(400, {
      message: 'Your request was rejected as a result of our safety system.',
      type: 'invalid_request_error',
      param: null,
      code: 'content_policy_violation',
    }),
    { category: 'content_filtered', retryable: false, errorType: 'BadRequestError', statusCode: 400 },
  ],
  [
    'ContentFilterFinishReasonError',
    new openai.ContentFilterFinishReasonError(),
    { category: 'content_filtered', retryable: false, errorType: 'ContentFilterFinishReasonError' },
  ],
  [
    'BadRequestError 400 invalid parameter',
    oa(400, {
      message: "Invalid value for 'temperature'.",
      type: 'invalid_request_error',
      param: 'temperature',
      code: 'invalid_value',
    }),
    { category: 'validation', retryable: false, errorType: 'BadRequestError', statusCode: 400 },
  ],
  [
    'AuthenticationError 401 invalid_api_key',
    oa(401, {
      message: 'Incorrect API key provided: sk-proj-********abcd.',
      type: 'invalid_request_error',
      param: null,
      code: 'invalid_api_key',
    }),
    { category: 'authentication', retryable: false, errorType: 'AuthenticationError', statusCode: 401 },
  ],
  [
    'PermissionDeniedError 403',
    oa(403, {
      message: 'Project does not have access to model gpt-5',
      type: 'invalid_request_error',
      param: null,
      code: 'model_not_found',
    }),
    { category: 'not_found', retryable: false, errorType: 'PermissionDeniedError', statusCode: 403 },
  ],
  [
    'PermissionDeniedError 403 (region)',
    oa(403, {
      message: 'Country, region, or territory not supported',
      type: 'request_forbidden',
      param: null,
      code: 'unsupported_country_region_territory',
    }),
    { category: 'authentication', retryable: false, errorType: 'PermissionDeniedError', statusCode: 403 },
  ],
  [
    'NotFoundError 404',
    oa(404, {
      message: 'The model `gpt-9` does not exist',
      type: 'invalid_request_error',
      param: null,
      code: null,
    }),
    { category: 'not_found', retryable: false, errorType: 'NotFoundError', statusCode: 404 },
  ],
  [
    'UnprocessableEntityError 422',
    oa(422, { message: 'Unprocessable', type: 'invalid_request_error' }),
    { category: 'validation', retryable: false, errorType: 'UnprocessableEntityError', statusCode: 422 },
  ],
  [
    'ConflictError 409',
    oa(409, { message: 'Conflict', type: 'invalid_request_error' }),
    { category: 'server_error', retryable: true, errorType: 'ConflictError', statusCode: 409 },
  ],
  ...[500, 502, 503, 504].map((status): [string, unknown, Expected] => [
    `InternalServerError ${status}`,
    oa(status, {
      message: 'The server had an error while processing your request. Sorry about that!',
      type: 'server_error',
    }),
    { category: 'server_error', retryable: true, errorType: 'InternalServerError', statusCode: status },
  ]),
  [
    'InternalServerError 503 overloaded',
    oa(503, {
      message: 'That model is currently overloaded with other requests. You can retry your request.',
      type: 'server_error',
    }),
    { category: 'overloaded', retryable: true, errorType: 'InternalServerError', statusCode: 503 },
  ],
  [
    'APIConnectionError caused by fetch failed (ECONNRESET)',
    new openai.APIConnectionError({ cause: fetchFailed(systemError('ECONNRESET', 'read')) }),
    { category: 'network', retryable: true, errorType: 'APIConnectionError', code: 'ECONNRESET' },
  ],
  [
    'APIConnectionError without cause',
    new openai.APIConnectionError({}),
    { category: 'network', retryable: true, errorType: 'APIConnectionError' },
  ],
  [
    'APIError from a stream (no status, error event body)',
    new openai.APIError(undefined, RATE_LIMIT_BODY, RATE_LIMIT_BODY.message, undefined),
    { category: 'rate_limited', retryable: true, errorType: 'APIError', retryAfterMs: 2002 },
  ],
  [
    'APIConnectionTimeoutError',
    new openai.APIConnectionTimeoutError(),
    { category: 'timeout', retryable: true, errorType: 'APIConnectionTimeoutError' },
  ],
  [
    'APIUserAbortError',
    new openai.APIUserAbortError(),
    { category: 'cancelled', retryable: false, errorType: 'APIUserAbortError' },
  ],
  [
    '500 with x-should-retry: false',
    oa(500, { message: 'Internal error' }, { 'x-should-retry': 'false' }),
    { category: 'server_error', retryable: false, errorType: 'InternalServerError', statusCode: 500 },
  ],
  [
    '400 with x-should-retry: true',
    oa(400, { message: 'Try once more' }, { 'x-should-retry': 'true' }),
    { category: 'validation', retryable: true, errorType: 'BadRequestError', statusCode: 400 },
  ],
];

describe('OpenAI SDK errors (openai 7.x)', () => {
  it.each(rows)('%s', (_label, error, expected) => {
    expectClassified(classify(error), expected);
  });

  it('redacts the message', () => {
    const error = oa(401, {
      message: 'Incorrect API key provided: sk-proj-AbCdEfGhIjKlMnOpQrSt1234.',
      code: 'invalid_api_key',
    });
    expect(classify(error).message).toBe('401 Incorrect API key provided: [REDACTED].');
  });
});

describe('the default classifier', () => {
  it('agrees with the fixed-clock classifier', () => {
    for (const [label, error] of rows) {
      const { cause: _a, ...a } = classifyError(error);
      const { cause: _b, ...b } = classify(error);
      expect(a, label).toEqual(b);
    }
  });
});
