import { describe, expect, it } from 'vitest';
import { readFacts } from '../facts.js';
import { byMessage, retryableFlag, shouldRetryHeader, unwrapRetryError } from './providers.js';

describe('shouldRetryHeader', () => {
  it.each([
    [{ 'x-should-retry': 'true' }, true],
    [new Headers({ 'X-Should-Retry': 'FALSE' }), false],
    [{ 'x-should-retry': 'maybe' }, undefined],
    [{}, undefined],
    [undefined, undefined],
  ])('%j → %s', (headers, expected) => {
    expect(shouldRetryHeader(headers)).toBe(expected);
  });
});

describe('retryableFlag', () => {
  it('reads isRetryable, then retryable, booleans only', () => {
    expect(retryableFlag({ isRetryable: false })).toBe(false);
    expect(retryableFlag({ retryable: true })).toBe(true);
    expect(retryableFlag({ isRetryable: 'yes' })).toBeUndefined();
    expect(retryableFlag(null)).toBeUndefined();
  });
});

describe('unwrapRetryError', () => {
  it('returns lastError, else the last of errors, only for AI_RetryError', () => {
    const last = new Error('last');
    expect(unwrapRetryError(Object.assign(new Error('x'), { name: 'AI_RetryError', lastError: last }))).toBe(
      last,
    );
    expect(
      unwrapRetryError(Object.assign(new Error('x'), { name: 'AI_RetryError', errors: [1, last] })),
    ).toBe(last);
    expect(
      unwrapRetryError(Object.assign(new Error('x'), { name: 'AI_RetryError', errors: [] })),
    ).toBeUndefined();
    expect(unwrapRetryError(Object.assign(new Error('x'), { lastError: last }))).toBeUndefined();
  });
});

describe('byMessage', () => {
  it.each([
    [undefined, 'Rate limit exceeded', 'rate_limited'],
    [403, 'API rate limit exceeded for 1.2.3.4', 'rate_limited'],
    [500, 'rate limit', undefined],
    [429, 'You exceeded your current quota', 'quota_exceeded'],
    [400, 'prompt is too long', 'context_length_exceeded'],
    [429, 'context length', undefined],
    [403, 'flagged by our safety system', 'content_filtered'],
    [529, 'Overloaded', 'overloaded'],
    [400, 'overloaded', undefined],
    [undefined, 'Invalid API key', 'authentication'],
    [401, 'Invalid API key', undefined],
  ])('status %s, %j → %s', (status, message, category) => {
    const facts = readFacts(
      status === undefined ? new Error(message) : Object.assign(new Error(message), { status }),
    );
    expect(byMessage(facts)?.category).toBe(category);
  });
});
