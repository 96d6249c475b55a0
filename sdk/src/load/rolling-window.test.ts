import { describe, expect, it } from 'vitest';
import { RollingCounter } from './rolling-window.js';

describe('rolling counter', () => {
  it('sums each field over the window and drops whole buckets as the clock moves', () => {
    let t = 0;
    const counter = new RollingCounter(1_000, 4, 2, () => t);
    counter.add(0);
    counter.add(1, 5);
    t = 300;
    counter.add(0, 2);
    expect([counter.total(0), counter.total(1)]).toEqual([3, 5]);
    t = 999;
    expect(counter.total(0)).toBe(3);
    t = 1_000;
    expect([counter.total(0), counter.total(1)]).toEqual([2, 0]);
    t = 1_250;
    expect(counter.total(0)).toBe(0);
    counter.add(0);
    t = 100_000;
    expect(counter.total(0)).toBe(0);
  });

  it('keeps counting into the newest bucket when the clock goes backwards or returns garbage', () => {
    let t = 5_000;
    const counter = new RollingCounter(1_000, 10, 1, () => t);
    counter.add(0);
    t = 4_000;
    counter.add(0);
    t = Number.NaN;
    counter.add(0);
    expect(counter.total(0)).toBe(3);
    t = 5_999;
    expect(counter.total(0)).toBe(3);
  });
});
