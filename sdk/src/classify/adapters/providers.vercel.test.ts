import { describe, expect, it } from 'vitest';
import { classifyError } from '../classifier.js';
import { classifierAt } from '../test-support/clock.js';
import { type Expected, expectClassified } from '../test-support/expect.js';
import { CONTEXT_BODY, QUOTA_BODY, RATE_LIMIT_BODY } from '../test-support/provider-bodies.js';
import { fetchFailed, systemError } from '../test-support/undici.js';
import { APICallError, RetryError } from '../test-support/vercel.js';

const classify = classifierAt();

const openaiData = (body: Record<string, unknown>) => ({ error: body });
const rows: [string, unknown, Expected][] = [
  [
    'APICallError 429 with responseHeaders and responseBody',
    new APICallError({
      message: RATE_LIMIT_BODY.message,
      statusCode: 429,
      responseHeaders: { 'content-type': 'application/json', 'retry-after': '5' },
      responseBody: JSON.stringify(openaiData(RATE_LIMIT_BODY)),
      data: openaiData(RATE_LIMIT_BODY),
    }),
    {
      category: 'rate_limited',
      retryable: true,
      errorType: 'AI_APICallError',
      statusCode: 429,
      retryAfterMs: 5000,
    },
  ],
  [
    'APICallError 429 insufficient_quota (isRetryable true, still not retryable)',
    new APICallError({
      message: QUOTA_BODY.message,
      statusCode: 429,
      responseBody: JSON.stringify(openaiData(QUOTA_BODY)),
    }),
    {
      category: 'quota_exceeded',
      retryable: false,
      severity: 'critical',
      errorType: 'AI_APICallError',
      statusCode: 429,
    },
  ],
  [
    'APICallError 529 Anthropic overloaded (data)',
    new APICallError({
      message: 'Overloaded',
      url: 'https://api.anthropic.com/v1/messages',
      statusCode: 529,
      data: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } },
    }),
    { category: 'overloaded', retryable: true, errorType: 'AI_APICallError', statusCode: 529 },
  ],
  [
    'APICallError 400 context length (responseBody only)',
    new APICallError({
      message: 'Bad Request',
      statusCode: 400,
      responseBody: JSON.stringify(openaiData(CONTEXT_BODY)),
    }),
    { category: 'context_length_exceeded', retryable: false, errorType: 'AI_APICallError', statusCode: 400 },
  ],
  [
    'APICallError 429 Google RESOURCE_EXHAUSTED',
    new APICallError({
      message: 'Resource has been exhausted (e.g. check quota).',
      statusCode: 429,
      data: {
        error: {
          code: 429,
          message: 'Resource has been exhausted (e.g. check quota).',
          status: 'RESOURCE_EXHAUSTED',
        },
      },
    }),
    { category: 'rate_limited', retryable: true, errorType: 'AI_APICallError', statusCode: 429 },
  ],
  [
    'APICallError without status, caused by fetch failed',
    new APICallError({
      message: 'Cannot connect to API: fetch failed',
      cause: fetchFailed(systemError('ECONNREFUSED')),
      isRetryable: true,
    }),
    { category: 'network', retryable: true, errorType: 'AI_APICallError', code: 'ECONNREFUSED' },
  ],
  [
    'APICallError without status, isRetryable false',
    new APICallError({ message: 'Invalid JSON response', isRetryable: false }),
    { category: 'unknown', retryable: false, errorType: 'AI_APICallError' },
  ],
  [
    'RetryError: unwraps lastError',
    new RetryError({
      message: `Failed after 3 attempts. Last error: ${RATE_LIMIT_BODY.message}`,
      reason: 'maxRetriesExceeded',
      errors: [
        new APICallError({ message: 'Internal', statusCode: 500 }),
        new APICallError({
          message: RATE_LIMIT_BODY.message,
          statusCode: 429,
          responseHeaders: { 'retry-after': '1' },
        }),
      ],
    }),
    {
      category: 'rate_limited',
      retryable: true,
      errorType: 'AI_APICallError',
      statusCode: 429,
      retryAfterMs: 1000,
    },
  ],
  [
    'RetryError reason abort',
    new RetryError({
      message: 'Failed after 2 attempts with abort',
      reason: 'abort',
      errors: [new DOMException('This operation was aborted', 'AbortError')],
    }),
    { category: 'cancelled', retryable: false, errorType: 'AbortError' },
  ],
];

describe('Vercel AI SDK errors', () => {
  it.each(rows)('%s', (_label, error, expected) => {
    expectClassified(classify(error), expected);
  });

  it('keeps the RetryError itself as cause', () => {
    const error = rows.find(([label]) => label.startsWith('RetryError'))?.[1];
    expect(error).toBeInstanceOf(RetryError);
    expect(classify(error).cause).toBe(error);
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
