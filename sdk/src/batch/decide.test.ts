import { describe, expect, it } from 'vitest';
import { classifyError } from '../classify/index.js';
import {
  type BatchLimits,
  decideFailure,
  type FailureFacts,
  remainingWaitMs,
  retryDelayMs,
} from './decide.js';

const limits: BatchLimits = { maxRetriesPerItem: 2, maxRetriesTotal: 10, breakerThreshold: 3 };
const facts = (overrides: Partial<FailureFacts>): FailureFacts => ({
  retryable: true,
  itemRetries: 0,
  totalRetries: 0,
  paused: false,
  consecutiveFailures: 1,
  ...overrides,
});

describe('decideFailure', () => {
  it.each([
    [
      'a transient failure under every limit',
      {},
      { retry: true, reason: 'under_retry_limit', trips: false, settles: false },
    ],
    [
      'a permanent failure',
      { retryable: false },
      { retry: false, reason: 'permanent_failure', trips: false, settles: true },
    ],
    [
      'the item used its retries',
      { itemRetries: 2 },
      { retry: false, reason: 'max_retries_reached', trips: false, settles: true },
    ],
    [
      'the batch used its retries',
      { totalRetries: 10 },
      { retry: false, reason: 'global_retry_limit_reached', trips: false, settles: true },
    ],
    [
      'the failure that trips the breaker',
      { consecutiveFailures: 3 },
      { retry: false, reason: 'circuit_breaker_open', trips: true, settles: false },
    ],
    [
      'a failure while paused',
      { paused: true, consecutiveFailures: 9 },
      { retry: false, reason: 'circuit_breaker_open', trips: false, settles: false },
    ],
    // Precedence: breaker > permanent > item limit > batch limit.
    [
      'a permanent failure that trips the breaker',
      { retryable: false, consecutiveFailures: 3 },
      { retry: false, reason: 'circuit_breaker_open', trips: true, settles: false },
    ],
    [
      'a permanent failure while paused',
      { retryable: false, paused: true },
      { retry: false, reason: 'circuit_breaker_open', trips: false, settles: false },
    ],
    [
      'a permanent failure past the item limit',
      { retryable: false, itemRetries: 2 },
      { retry: false, reason: 'permanent_failure', trips: false, settles: true },
    ],
    [
      'both limits reached',
      { itemRetries: 2, totalRetries: 10 },
      { retry: false, reason: 'max_retries_reached', trips: false, settles: true },
    ],
  ] as const)('%s', (_, overrides, expected) => {
    expect(decideFailure(facts(overrides), limits)).toEqual(expected);
  });

  it('never trips without a breaker (threshold Infinity) and retries forever without limits', () => {
    const open: BatchLimits = {
      maxRetriesPerItem: Number.POSITIVE_INFINITY,
      maxRetriesTotal: Number.POSITIVE_INFINITY,
      breakerThreshold: Number.POSITIVE_INFINITY,
    };
    expect(
      decideFailure(facts({ itemRetries: 1e9, totalRetries: 1e9, consecutiveFailures: 1e9 }), open).retry,
    ).toBe(true);
  });
});

describe('retryDelayMs', () => {
  const settings = {
    initialDelayMs: 100,
    maxDelayMs: 1_000,
    multiplier: 2,
    jitter: 'none' as const,
    maxRetryAfterMs: 5_000,
  };
  const plain = classifyError(Object.assign(new Error('HTTP 503'), { status: 503 }));
  const rateLimited = classifyError(
    Object.assign(new Error('slow down'), { status: 429, headers: { 'retry-after': '3' } }),
  );
  const random = () => 0.5;

  it('backs off exponentially, capped', () => {
    expect([0, 1, 2, 3, 4].map(n => retryDelayMs(n, 0, plain, settings, random))).toEqual([
      100, 200, 400, 800, 1_000,
    ]);
  });

  it('waits for a longer Retry-After, capped at maxRetryAfterMs', () => {
    expect(retryDelayMs(0, 0, rateLimited, settings, random)).toBe(3_000);
    expect(retryDelayMs(0, 0, rateLimited, { ...settings, maxRetryAfterMs: 2_000 }, random)).toBe(2_000);
  });

  it('is 0 without backoff settings (backoff: false)', () => {
    expect(retryDelayMs(3, 0, rateLimited, undefined, random)).toBe(0);
  });

  it('applies jitter from the random source', () => {
    expect(retryDelayMs(2, 0, plain, { ...settings, jitter: 'full' }, () => 0.25)).toBe(100);
  });

  it('tells what is left of a saved wait, never more than the longest delay the settings decide', () => {
    const now = Date.parse('2024-06-01T00:00:00.000Z');
    expect(remainingWaitMs('2024-06-01T00:00:02.500Z', settings, now)).toBe(2_500);
    expect(remainingWaitMs('2024-05-31T23:59:59.000Z', settings, now)).toBe(0); // due already
    expect(remainingWaitMs(undefined, settings, now)).toBe(0);
    // a saved date is not trusted: a far-future one (hand-edited, foreign) waits at most 5 s here
    expect(remainingWaitMs('3024-06-01T00:00:00.000Z', settings, now)).toBe(5_000);
    expect(remainingWaitMs('not a date', settings, now)).toBe(0);
    expect(remainingWaitMs('2024-06-01T00:00:02.500Z', undefined, now)).toBe(0); // backoff: false
  });
});
