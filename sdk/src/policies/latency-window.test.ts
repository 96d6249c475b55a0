import { describe, expect, it } from 'vitest';
import { LatencyWindow } from './latency-window.js';

/** A window on a clock the test moves. */
function windowAt(windowMs = 60_000) {
  const clock = { now: 0 };
  return { window: new LatencyWindow(windowMs, () => clock.now), clock };
}

describe('LatencyWindow', () => {
  it('answers percentiles within one bucket (≈ 9 %) of the exact value', () => {
    const { window } = windowAt();
    for (let ms = 1; ms <= 1000; ms++) window.record(ms);
    for (const [p, exact] of [
      [0.5, 500],
      [0.9, 900],
      [0.99, 990],
    ] as const) {
      const estimate = window.percentile(p) ?? 0;
      expect(estimate).toBeGreaterThanOrEqual(exact);
      expect(estimate).toBeLessThanOrEqual(exact * 1.091);
    }
    expect(window.count()).toBe(1000);
  });

  it('counts latencies still running as slower than any known, and knows none when they outnumber the rank', () => {
    const { window } = windowAt();
    for (let i = 0; i < 9; i++) window.record(100);
    window.record(1000);
    expect(window.percentile(0.9)).toBeLessThan(110);
    // One still running: the 90th percentile of 11 is the 10th value, 1000 ms.
    expect(window.percentile(0.9, 1)).toBeGreaterThanOrEqual(1000);
    expect(window.percentile(0.9, 5)).toBeUndefined();
  });

  it('forgets latencies older than the window, a slice at a time', () => {
    const { window, clock } = windowAt(60_000);
    window.record(5000);
    clock.now = 30_000;
    window.record(10);
    expect(window.count()).toBe(2);
    clock.now = 60_000;
    expect(window.count()).toBe(1);
    expect(window.percentile(0.99)).toBeLessThan(11);
    clock.now = 90_001;
    expect(window.count()).toBe(0);
    expect(window.percentile(0.5)).toBeUndefined();
  });

  it('estimates what an attempt that has run a while will take: the median of the latencies above', () => {
    const { window } = windowAt();
    for (const ms of [100, 200, 2000, 3000, 4000]) window.record(ms);
    const median = window.medianAbove(1000) ?? 0;
    expect(median).toBeGreaterThanOrEqual(3000);
    expect(median).toBeLessThan(3300);
    expect(window.medianAbove(5000)).toBeUndefined();
  });

  it('ignores latencies that are not numbers at or above zero', () => {
    const { window } = windowAt();
    window.record(Number.NaN);
    window.record(-1);
    expect(window.count()).toBe(0);
    window.record(0);
    window.record(1e12);
    expect(window.count()).toBe(2);
  });
});
