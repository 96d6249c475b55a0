import { describe, expect, it } from 'vitest';
import { type BackoffSettings, backoffDelay } from './backoff.js';

const base: BackoffSettings = { initialDelayMs: 100, maxDelayMs: 10_000, multiplier: 2, jitter: 'none' };

describe('backoffDelay', () => {
  it('grows by the multiplier and stops at maxDelayMs', () => {
    const delays = [0, 1, 2, 3, 10].map(n => backoffDelay(n, 0, base, () => 0.5));
    expect(delays).toEqual([100, 200, 400, 800, 10_000]);
  });

  it('uses the multiplier as the exponent base (3^n for rate limits)', () => {
    const s = { ...base, multiplier: 3 };
    expect([0, 1, 2].map(n => backoffDelay(n, 0, s, () => 0))).toEqual([100, 300, 900]);
  });

  it('full jitter spans [0, d)', () => {
    const s = { ...base, jitter: 'full' as const };
    expect(backoffDelay(2, 0, s, () => 0)).toBe(0);
    expect(backoffDelay(2, 0, s, () => 0.999)).toBeCloseTo(399.6);
  });

  it('equal jitter spans [d/2, d)', () => {
    const s = { ...base, jitter: 'equal' as const };
    expect(backoffDelay(2, 0, s, () => 0)).toBe(200);
    expect(backoffDelay(2, 0, s, () => 0.5)).toBe(300);
  });

  it('decorrelated jitter draws from [initial, 3 × previous) and respects the cap', () => {
    const s = { ...base, jitter: 'decorrelated' as const };
    expect(backoffDelay(0, 0, s, () => 0)).toBe(100);
    expect(backoffDelay(1, 1000, s, () => 0.5)).toBe(100 + 0.5 * 2900);
    expect(backoffDelay(5, 9000, s, () => 0.99)).toBe(10_000);
  });
});
