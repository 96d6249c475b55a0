import { describe, it } from 'vitest';
import { classifyError } from './classifier.js';
import { type Expected, expectClassified } from './test-support/expect.js';

class ToolError extends Error {
  override name = 'ToolError';
}

const nonErrors: [string, unknown, Expected][] = [
  ['a string', 'something broke', { category: 'unknown', retryable: true, errorType: '_OTHER' }],
  [
    'a string that says rate limit',
    'rate limit exceeded',
    { category: 'rate_limited', retryable: true, errorType: '_OTHER' },
  ],
  [
    'a string with an HTTP status',
    'HTTP 503 Service Unavailable',
    { category: 'server_error', retryable: true, errorType: '_OTHER', statusCode: 503 },
  ],
  ['a number', 42, { category: 'unknown', retryable: true, errorType: '_OTHER' }],
  ['a bigint', 10n, { category: 'unknown', retryable: true, errorType: '_OTHER' }],
  ['a boolean', false, { category: 'unknown', retryable: true, errorType: '_OTHER' }],
  ['a symbol', Symbol('oops'), { category: 'unknown', retryable: true, errorType: '_OTHER' }],
  ['a function', () => 1, { category: 'unknown', retryable: true, errorType: '_OTHER' }],
  ['null', null, { category: 'unknown', retryable: true, errorType: '_OTHER' }],
  ['undefined', undefined, { category: 'unknown', retryable: true, errorType: '_OTHER' }],
  ['an empty object', {}, { category: 'unknown', retryable: true, errorType: '_OTHER' }],
  [
    'an object with a status',
    { status: 429 },
    { category: 'rate_limited', retryable: true, errorType: '429', statusCode: 429 },
  ],
  [
    'an object with a system code',
    { code: 'ECONNRESET' },
    { category: 'network', retryable: true, errorType: 'ECONNRESET' },
  ],
  [
    'an object with a message',
    { message: 'Service overloaded' },
    { category: 'overloaded', retryable: true, errorType: '_OTHER' },
  ],
  [
    'an Anthropic body',
    { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } },
    { category: 'overloaded', retryable: true, errorType: 'overloaded_error' },
  ],
  [
    'an OpenAI body',
    {
      error: {
        message: 'You exceeded your current quota',
        type: 'insufficient_quota',
        code: 'insufficient_quota',
      },
    },
    { category: 'quota_exceeded', retryable: false, errorType: 'insufficient_quota' },
  ],
  [
    'a body with only a generic type',
    { error: { type: 'authentication_error', message: 'invalid x-api-key' } },
    { category: 'authentication', retryable: false, errorType: 'authentication_error' },
  ],
  ['an array', [1, 2], { category: 'unknown', retryable: true, errorType: '_OTHER' }],
];

const plainErrors: [string, unknown, Expected][] = [
  [
    'status code 503 (axios text)',
    new Error('Request failed with status code 503'),
    { category: 'server_error', retryable: true, errorType: 'Error', statusCode: 503 },
  ],
  [
    'HTTP 429 Too Many Requests',
    new Error('HTTP 429 Too Many Requests'),
    { category: 'rate_limited', retryable: true, errorType: 'Error', statusCode: 429 },
  ],
  [
    '503 Service Unavailable',
    new Error('503 Service Unavailable'),
    { category: 'server_error', retryable: true, errorType: 'Error', statusCode: 503 },
  ],
  [
    '503 … overloaded',
    new Error('503 Service Unavailable: the model is overloaded'),
    { category: 'overloaded', retryable: true, errorType: 'Error', statusCode: 503 },
  ],
  ['rate limit', new Error('rate limit'), { category: 'rate_limited', retryable: true, errorType: 'Error' }],
  [
    'Rate limit reached',
    new Error('Rate limit reached for requests'),
    { category: 'rate_limited', retryable: true, errorType: 'Error' },
  ],
  [
    'Too many requests + retry hint',
    new Error('Too many requests, please try again in 20s'),
    { category: 'rate_limited', retryable: true, errorType: 'Error', retryAfterMs: 20_000 },
  ],
  [
    'quota exceeded',
    new Error('Monthly quota exceeded'),
    { category: 'quota_exceeded', retryable: false, errorType: 'Error' },
  ],
  [
    'insufficient_quota',
    new Error('insufficient_quota'),
    { category: 'quota_exceeded', retryable: false, errorType: 'Error' },
  ],
  [
    'overloaded',
    new Error('The server is overloaded'),
    { category: 'overloaded', retryable: true, errorType: 'Error' },
  ],
  [
    'maximum context length',
    new Error("This model's maximum context length is 8192 tokens"),
    { category: 'context_length_exceeded', retryable: false, errorType: 'Error' },
  ],
  [
    'context length',
    new Error('Input exceeds context length'),
    { category: 'context_length_exceeded', retryable: false, errorType: 'Error' },
  ],
  [
    'prompt is too long',
    new Error('prompt is too long: 210000 tokens > 200000 maximum'),
    { category: 'context_length_exceeded', retryable: false, errorType: 'Error' },
  ],
  [
    'content policy',
    new Error('Output blocked: violates our content policy'),
    { category: 'content_filtered', retryable: false, errorType: 'Error' },
  ],
  ['timed out', new Error('Request timed out'), { category: 'timeout', retryable: true, errorType: 'Error' }],
  [
    'socket hang up',
    new Error('socket hang up'),
    { category: 'network', retryable: true, errorType: 'Error' },
  ],
  [
    'invalid API key',
    new Error('Invalid API key'),
    { category: 'authentication', retryable: false, errorType: 'Error' },
  ],
  ['anything else', new Error('boom'), { category: 'unknown', retryable: true, errorType: 'Error' }],
  [
    'a custom error class',
    new ToolError('tool exploded'),
    { category: 'unknown', retryable: true, errorType: 'ToolError' },
  ],
  ['an empty Error', new Error(), { category: 'unknown', retryable: true, errorType: 'Error' }],
];

describe('classifyError: thrown values of every kind', () => {
  it.each(nonErrors)('non-error throw: %s', (_label, value, expected) => {
    expectClassified(classifyError(value), expected);
  });

  it.each(plainErrors)('plain Error: %s', (_label, error, expected) => {
    expectClassified(classifyError(error), expected);
  });
});
