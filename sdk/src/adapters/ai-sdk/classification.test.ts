/**
 * The classifier on the AI SDK's real error classes (the classifier's own tests use stand-ins): what the adapter
 * sees from `doGenerate`/`doStream` (`APICallError`), inside streams at the provider level (provider stream errors,
 * plain objects made by `createProviderStreamError`), and above it (`StreamProviderError`, `RetryError`).
 */
import { APICallError } from '@ai-sdk/provider';
import { createProviderStreamError } from '@ai-sdk/provider-utils';
import { RetryError, StreamProviderError } from 'ai';
import { describe, expect, it } from 'vitest';
import { classifyError } from '../../classify/index.js';

const apiCall = (statusCode: number, responseHeaders?: Record<string, string>, responseBody?: string) =>
  new APICallError({
    message: `HTTP ${statusCode}`,
    url: 'u',
    requestBodyValues: {},
    statusCode,
    responseHeaders,
    responseBody,
  });

describe('classifying AI SDK errors', () => {
  it.each([
    [
      'APICallError 429 with retry-after',
      apiCall(429, { 'retry-after': '2' }),
      { category: 'rate_limited', retryable: true, retryAfterMs: 2_000 },
    ],
    [
      'APICallError 429 insufficient_quota',
      apiCall(429, {}, '{"error":{"code":"insufficient_quota","message":"You exceeded your current quota"}}'),
      { category: 'quota_exceeded', retryable: false },
    ],
    ['APICallError 401', apiCall(401), { category: 'authentication', retryable: false }],
    [
      'APICallError 400 context length',
      apiCall(400, {}, '{"error":{"code":"context_length_exceeded","message":"maximum context length"}}'),
      { category: 'context_length_exceeded', retryable: false },
    ],
    [
      'RetryError: its last error',
      new RetryError({
        message: 'gave up',
        reason: 'maxRetriesExceeded',
        errors: [apiCall(500), apiCall(503)],
      }),
      { category: 'server_error', statusCode: 503 },
    ],
    [
      'provider stream error: overloaded_error frame',
      createProviderStreamError({ message: 'Overloaded', type: 'overloaded_error', data: {} }),
      { category: 'overloaded', retryable: true },
    ],
    [
      'provider stream error: server_error 500',
      createProviderStreamError({
        message: 'The server had an error',
        code: 'server_error',
        statusCode: 500,
        isRetryable: true,
        data: {},
      }),
      { category: 'server_error', retryable: true },
    ],
    [
      'StreamProviderError 503',
      new StreamProviderError({ message: 'Service unavailable', statusCode: 503 }),
      { category: 'server_error', retryable: true, errorType: 'AI_StreamProviderError' },
    ],
    [
      'StreamProviderError rate_limit_exceeded',
      new StreamProviderError({ message: 'Slow down', code: 'rate_limit_exceeded' }),
      { category: 'rate_limited', retryable: true },
    ],
    [
      'StreamProviderError not retryable',
      new StreamProviderError({ message: 'bad', isRetryable: false }),
      { retryable: false },
    ],
  ])('%s', (_, error, expected) => {
    expect(classifyError(error)).toMatchObject(expected);
  });
});
