/**
 * Issue 8, defect 3: `JSON.stringify(resilienceError)` (what structured loggers do) exposed the raw error, and the
 * secrets it carried, through `classified.cause`. `toJSON` now carries only the redacted fields.
 */
import { describe, expect, it } from 'vitest';
import type { ClassifiedError } from '../classify/types.js';
import {
  CallCancelledError,
  CallRejectedError,
  NonRetryableError,
  type ResilienceErrorDetails,
  RetriesExhaustedError,
} from './call-errors.js';

const SECRET = 'sk-proj-Ab12Cd34Ef56Gh78Ij90';

/** A classification as a custom classifier may build it: raw error enumerable, a field of its own. */
const classified = {
  category: 'rate_limited',
  severity: 'medium',
  retryable: true,
  retryAfterMs: 2000,
  errorType: 'RateLimitError',
  statusCode: 429,
  code: 'rate_limit_exceeded',
  message: '429 {"x-api-key":"[REDACTED]"}',
  userMessage: 'Busy, retrying.',
  cause: Object.assign(new Error(`429 {"x-api-key":"${SECRET}"}`), { error: { 'x-api-key': SECRET } }),
  rawBody: { 'x-api-key': SECRET },
} as ClassifiedError;

const details: ResilienceErrorDetails = { policy: 'llm', classified, attempts: 3 };

const classifiedJson = {
  category: 'rate_limited',
  severity: 'medium',
  retryable: true,
  retryAfterMs: 2000,
  errorType: 'RateLimitError',
  statusCode: 429,
  code: 'rate_limit_exceeded',
  message: '429 {"x-api-key":"[REDACTED]"}',
  userMessage: 'Busy, retrying.',
};

describe('ResilienceError toJSON', () => {
  it.each([
    ['RetriesExhaustedError', new RetriesExhaustedError(details, 'max_attempts'), 'max_attempts', {}],
    ['NonRetryableError', new NonRetryableError(details), 'non_retryable', {}],
    ['CallCancelledError', new CallCancelledError(details), 'cancelled', {}],
    [
      'CallRejectedError',
      new CallRejectedError(details, 'circuit_breaker'),
      'rejected',
      { strategy: 'circuit_breaker' },
    ],
  ])('%s serializes only its redacted fields', (name, error, reason, extra) => {
    const json = JSON.parse(JSON.stringify(error));
    expect(json).toEqual({
      name,
      message: error.message,
      reason,
      policy: 'llm',
      attempts: 3,
      classified: classifiedJson,
      ...extra,
    });
    expect(JSON.stringify(error)).not.toContain(SECRET);
  });

  it('builds its message from the redacted classification message only', () => {
    const error = new RetriesExhaustedError(details, 'max_attempts');
    expect(error.message).toBe(
      '"llm" gave up after 3 attempt(s) (max_attempts): 429 {"x-api-key":"[REDACTED]"}',
    );
    expect(error.cause).toBe(classified.cause);
  });

  it('says a failure was injected by chaos, so a log of a rehearsal is never read as an outage', () => {
    const json = new NonRetryableError({
      ...details,
      classified: { ...classified, injected: true },
    }).toJSON();
    expect(json.classified.injected).toBe(true);
    expect(new NonRetryableError(details).toJSON().classified).not.toHaveProperty('injected');
  });

  it('leaves out what a classification does not have', () => {
    const { retryAfterMs: _r, statusCode: _s, code: _c, ...minimal } = classified;
    const json = new NonRetryableError({ ...details, classified: minimal as ClassifiedError }).toJSON();
    expect(Object.keys(json.classified)).toEqual([
      'category',
      'severity',
      'retryable',
      'errorType',
      'message',
      'userMessage',
    ]);
  });
});
