import {
  BrokenCircuitError,
  BulkheadRejectedError,
  HydratingCircuitError,
  IsolatedCircuitError,
  TaskCancelledError,
} from 'cockatiel';
import { describe, expect, it } from 'vitest';
import {
  CallCancelledError,
  CallRejectedError,
  NonRetryableError,
  RetriesExhaustedError,
} from '../../errors/call-errors.js';
import { CircuitOpenError, ExecutionRejectedError, ResilienceTimeoutError } from '../../errors/signals.js';
import { classifyError } from '../classifier.js';
import { classifierAt } from '../test-support/clock.js';
import { type Expected, expectClassified } from '../test-support/expect.js';
import * as openai from '../test-support/openai.js';

const rows: [string, unknown, Expected][] = [
  [
    'cockatiel BrokenCircuitError',
    new BrokenCircuitError(),
    { category: 'circuit_open', retryable: false, errorType: 'BrokenCircuitError' },
  ],
  [
    'cockatiel IsolatedCircuitError',
    new IsolatedCircuitError(),
    { category: 'circuit_open', retryable: false, errorType: 'IsolatedCircuitError' },
  ],
  [
    'cockatiel HydratingCircuitError',
    new HydratingCircuitError(),
    { category: 'circuit_open', retryable: false, errorType: 'HydratingCircuitError' },
  ],
  [
    'cockatiel BulkheadRejectedError',
    new BulkheadRejectedError(4, 0),
    { category: 'rejected', retryable: false, errorType: 'BulkheadRejectedError' },
  ],
  [
    'cockatiel TaskCancelledError (cancelled)',
    new TaskCancelledError(),
    { category: 'cancelled', retryable: false, errorType: 'TaskCancelledError' },
  ],
  [
    'cockatiel TaskCancelledError (aggressive timeout)',
    new TaskCancelledError('Operation timed out after 5000ms'),
    { category: 'timeout', retryable: true, errorType: 'TaskCancelledError' },
  ],
  [
    'our CircuitOpenError with retryAfterMs',
    new CircuitOpenError('llm', { retryAfterMs: 4999.2 }),
    { category: 'circuit_open', retryable: false, errorType: 'CircuitOpenError', retryAfterMs: 5000 },
  ],
  [
    'our CircuitOpenError isolated',
    new CircuitOpenError('llm', { isolated: true }),
    { category: 'circuit_open', retryable: false, errorType: 'CircuitOpenError' },
  ],
  [
    'our ExecutionRejectedError with retryAfterMs',
    new ExecutionRejectedError('rate_limiter', 'Rate limit of "llm" reached', { retryAfterMs: 250 }),
    { category: 'rejected', retryable: false, errorType: 'ExecutionRejectedError', retryAfterMs: 250 },
  ],
  [
    'our ResilienceTimeoutError',
    new ResilienceTimeoutError('attempt', 30_000),
    { category: 'timeout', retryable: true, errorType: 'ResilienceTimeoutError' },
  ],
  [
    'a DOMException AbortError whose cause is our timeout',
    Object.assign(new Error('The operation was aborted'), {
      name: 'AbortError',
      cause: new ResilienceTimeoutError('total', 60_000),
    }),
    { category: 'timeout', retryable: true, errorType: 'AbortError' },
  ],
];

describe('resilience signal errors', () => {
  it.each(rows)('%s', (_label, error, expected) => {
    expectClassified(classifyError(error), expected);
  });

  it('clamps a carried retryAfterMs to the cap', () => {
    const classify = classifierAt(undefined, { retryAfterCapMs: 1000 });
    expect(classify(new CircuitOpenError('llm', { retryAfterMs: 60_000 })).retryAfterMs).toBe(1000);
  });

  it('ignores an invalid carried retryAfterMs', () => {
    expect(
      classifyError(new CircuitOpenError('llm', { retryAfterMs: Number.NaN })).retryAfterMs,
    ).toBeUndefined();
  });
});

describe('final call errors (ResilienceError subclasses)', () => {
  const inner = classifyError(
    openai.APIError.generate(429, { error: { message: 'Rate limit' } }, { 'retry-after': '1' }),
  );
  const details = { policy: 'llm', classified: inner, attempts: 3 };

  it.each([
    ['RetriesExhaustedError', new RetriesExhaustedError(details, 'max_attempts')],
    ['NonRetryableError', new NonRetryableError(details)],
    ['CallRejectedError', new CallRejectedError(details, 'bulkhead')],
    ['CallCancelledError', new CallCancelledError(details)],
  ])('%s returns the classification it carries, unchanged', (_label, error) => {
    expect(classifyError(error)).toBe(inner);
  });

  it('a custom classifier does not reclassify a carried classification', () => {
    const classify = classifierAt(undefined, { rules: [{ message: 'gave up', category: 'validation' }] });
    expect(classify(new RetriesExhaustedError(details, 'max_attempts'))).toBe(inner);
  });

  it('falls back to the cause when the carried classification is malformed', () => {
    const error = new NonRetryableError(details);
    Object.defineProperty(error, 'classified', { value: { category: 'nope' } });
    expect(classifyError(error).category).toBe('rate_limited');
  });
});
