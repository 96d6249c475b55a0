import { describe, expect, it } from 'vitest';
import { ERROR_CATEGORIES } from '../semconv.js';
import { classifyError, createClassifier } from './classifier.js';
import { ErrorAggregator } from './error-aggregator.js';
import { systemError } from './test-support/undici.js';

const rateLimited = () => ({ status: 429 });

function setup(options: { windowMs?: number; bucketCount?: number } = {}) {
  let time = 1_000_000;
  const aggregator = new ErrorAggregator({ ...options, now: () => time });
  return {
    aggregator,
    advance: (ms: number) => {
      time += ms;
    },
  };
}

describe('ErrorAggregator', () => {
  it('counts every category, starting at zero', () => {
    const { aggregator } = setup();
    expect(Object.keys(aggregator.counts())).toEqual([...ERROR_CATEGORIES]);
    expect(Object.values(aggregator.counts()).every(n => n === 0)).toBe(true);
    expect(aggregator.total()).toBe(0);
    expect(aggregator.errorRate()).toBe(0);
  });

  it('classifies raw errors and accepts classifications', () => {
    const { aggregator } = setup();
    const classified = aggregator.record(rateLimited());
    expect(classified.category).toBe('rate_limited');
    aggregator.record(classifyError(systemError('ECONNRESET')));
    aggregator.record(classifyError(systemError('ECONNRESET')));
    expect(aggregator.counts()).toMatchObject({ rate_limited: 1, network: 2, timeout: 0 });
    expect(aggregator.total()).toBe(3);
  });

  it('returns a passed classification as is', () => {
    const { aggregator } = setup();
    const classified = classifyError(new Error('x'));
    expect(aggregator.record(classified)).toBe(classified);
  });

  it('uses the given classifier for raw errors', () => {
    const aggregator = new ErrorAggregator({
      classifier: createClassifier({ rules: [{ status: 429, category: 'quota_exceeded' }] }),
      now: () => 0,
    });
    aggregator.record(rateLimited());
    expect(aggregator.counts().quota_exceeded).toBe(1);
  });

  it('computes the error rate over failures and successes', () => {
    const { aggregator } = setup();
    aggregator.record(rateLimited());
    aggregator.recordSuccess();
    aggregator.recordSuccess();
    aggregator.recordSuccess();
    expect(aggregator.errorRate()).toBe(0.25);
  });

  it('counts cancellations but not as failures', () => {
    const { aggregator } = setup();
    aggregator.record(new DOMException('aborted', 'AbortError'));
    aggregator.recordSuccess();
    expect(aggregator.counts().cancelled).toBe(1);
    expect(aggregator.total()).toBe(0);
    expect(aggregator.errorRate()).toBe(0);
  });

  it('slides the window one bucket at a time', () => {
    const { aggregator, advance } = setup({ windowMs: 60_000, bucketCount: 12 });
    aggregator.record(rateLimited()); // bucket 0
    advance(30_000);
    aggregator.record(rateLimited()); // 30 s later
    expect(aggregator.counts().rate_limited).toBe(2);
    advance(29_999);
    expect(aggregator.counts().rate_limited).toBe(2);
    advance(5_001); // the first record's bucket has left the window
    expect(aggregator.counts().rate_limited).toBe(1);
    advance(30_000);
    expect(aggregator.counts().rate_limited).toBe(0);
    expect(aggregator.errorRate()).toBe(0);
  });

  it('recycles buckets without growing (fixed footprint)', () => {
    const { aggregator, advance } = setup({ windowMs: 1000, bucketCount: 4 });
    for (let i = 0; i < 10_000; i++) {
      aggregator.record(rateLimited());
      aggregator.recordSuccess();
      advance(10);
    }
    // 1000 ms window at 10 ms steps: between 75 and 100 records remain (bucket granularity 250 ms).
    const count = aggregator.counts().rate_limited;
    expect(count).toBeGreaterThanOrEqual(75);
    expect(count).toBeLessThanOrEqual(100);
    expect(aggregator.errorRate()).toBe(0.5);
  });

  it('forgets everything after a long pause', () => {
    const { aggregator, advance } = setup();
    aggregator.record(rateLimited());
    advance(10 * 60_000);
    aggregator.record(systemError('ETIMEDOUT'));
    expect(aggregator.counts()).toMatchObject({ rate_limited: 0, timeout: 1 });
  });

  it('survives a clock that returns NaN', () => {
    const aggregator = new ErrorAggregator({ now: () => Number.NaN });
    aggregator.record(rateLimited());
    expect(aggregator.total()).toBe(1);
  });

  it('reset() clears the window', () => {
    const { aggregator } = setup();
    aggregator.record(rateLimited());
    aggregator.recordSuccess();
    aggregator.reset();
    expect(aggregator.total()).toBe(0);
    expect(aggregator.errorRate()).toBe(0);
  });

  describe('isPatternDetected', () => {
    it('with a count threshold', () => {
      const { aggregator } = setup();
      for (let i = 0; i < 4; i++) aggregator.record(rateLimited());
      expect(aggregator.isPatternDetected('rate_limited', 5)).toBe(false);
      aggregator.record(rateLimited());
      expect(aggregator.isPatternDetected('rate_limited', 5)).toBe(true);
      expect(aggregator.isPatternDetected('rate_limited', { count: 5 })).toBe(true);
      expect(aggregator.isPatternDetected('timeout', 1)).toBe(false);
    });

    it('with a rate threshold over all recorded outcomes', () => {
      const { aggregator } = setup();
      aggregator.record(rateLimited());
      aggregator.record(systemError('ETIMEDOUT'));
      aggregator.recordSuccess();
      aggregator.recordSuccess();
      expect(aggregator.isPatternDetected('rate_limited', { rate: 0.25 })).toBe(true);
      expect(aggregator.isPatternDetected('rate_limited', { rate: 0.26 })).toBe(false);
    });

    it('requires every bound given', () => {
      const { aggregator } = setup();
      aggregator.record(rateLimited());
      expect(aggregator.isPatternDetected('rate_limited', { count: 1, rate: 1 })).toBe(true);
      expect(aggregator.isPatternDetected('rate_limited', { count: 2, rate: 0.5 })).toBe(false);
      aggregator.recordSuccess();
      expect(aggregator.isPatternDetected('rate_limited', { count: 1, rate: 0.6 })).toBe(false);
    });

    it('is false on an empty window', () => {
      const { aggregator } = setup();
      expect(aggregator.isPatternDetected('rate_limited', { rate: 0.1 })).toBe(false);
    });

    it.each<[string, unknown, unknown, ErrorConstructor, string]>([
      ['unknown category', 'exploded', 1, RangeError, 'category must be one of "rate_limited"'],
      ['zero count', 'timeout', 0, RangeError, 'threshold must be an integer >= 1, got 0'],
      [
        'fractional count',
        'timeout',
        { count: 1.5 },
        RangeError,
        'threshold.count must be an integer >= 1, got 1.5',
      ],
      [
        'rate above 1',
        'timeout',
        { rate: 1.5 },
        RangeError,
        'threshold.rate must be a number in (0, 1], got 1.5',
      ],
      [
        'rate of a wrong type',
        'timeout',
        { rate: '0.5' },
        TypeError,
        'threshold.rate must be a number in (0, 1], got "0.5"',
      ],
      ['empty threshold', 'timeout', {}, RangeError, 'threshold must be a count and/or a rate'],
      [
        'unknown key',
        'timeout',
        { count: 1, ratio: 0.5 },
        RangeError,
        'threshold.ratio is not a known option',
      ],
    ])('rejects %s', (_label, category, threshold, type, message) => {
      const { aggregator } = setup();
      const call = () => aggregator.isPatternDetected(category as never, threshold as never);
      expect(call).toThrow(type);
      expect(call).toThrow(message);
    });
  });

  describe('options', () => {
    it.each<[string, unknown, ErrorConstructor, string]>([
      ['windowMs zero', { windowMs: 0 }, RangeError, 'windowMs must be an integer in [1, 2147483647], got 0'],
      [
        'windowMs fractional',
        { windowMs: 1.5 },
        RangeError,
        'windowMs must be an integer in [1, 2147483647], got 1.5',
      ],
      [
        'bucketCount zero',
        { bucketCount: 0 },
        RangeError,
        'bucketCount must be an integer in [1, 10000], got 0',
      ],
      [
        'bucketCount huge',
        { bucketCount: 1e6 },
        RangeError,
        'bucketCount must be an integer in [1, 10000], got 1000000',
      ],
      ['now not a function', { now: 5 }, TypeError, 'now must be a function, got 5'],
      ['classifier not a function', { classifier: {} }, TypeError, 'classifier must be a function'],
      ['unknown option', { window: 1 }, RangeError, 'window is not a known option'],
    ])('rejects %s', (_label, options, type, message) => {
      const create = () => new ErrorAggregator(options as never);
      expect(create).toThrow(type);
      expect(create).toThrow(`Invalid options for ErrorAggregator: ${message}`);
    });

    it('defaults to a 60 s window of 12 buckets on the monotonic clock', () => {
      const aggregator = new ErrorAggregator();
      aggregator.record(rateLimited());
      expect(aggregator.total()).toBe(1);
    });
  });
});
