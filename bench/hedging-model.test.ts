import { describe, expect, it } from 'vitest';
import { seededRandom } from '../sdk/src/test-support/prng.js';
import {
  hedgedQuantile,
  logNormalFrom,
  logNormalSampler,
  normalCdf,
  normalQuantile,
  quantile,
  rankQuantile,
  survival,
} from './hedging-model.js';

describe('hedging bench latency model', () => {
  const d = logNormalFrom(300, 4000);

  it('knows the standard normal distribution', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(1.959964)).toBeCloseTo(0.975, 6);
    expect(normalQuantile(0.99)).toBeCloseTo(2.326348, 5);
    expect(normalQuantile(0.1)).toBeCloseTo(-1.281552, 5);
  });

  it('fits mu and sigma to the median and the 99th percentile', () => {
    expect(d.mu).toBeCloseTo(Math.log(300), 12);
    expect(d.sigma).toBeCloseTo(1.11345, 4);
    expect(quantile(d, 0.5)).toBeCloseTo(300, 6);
    expect(quantile(d, 0.99)).toBeCloseTo(4000, 1);
    expect(survival(d, quantile(d, 0.9))).toBeCloseTo(0.1, 6);
  });

  it('gives the hedged p99: unchanged for a hedge that never fires, at least the delay while P(T > d) ≥ 1 %', () => {
    expect(hedgedQuantile(d, 1e9, 0.99)).toBeCloseTo(4000, 0);
    const atP95 = quantile(d, 0.95);
    expect(hedgedQuantile(d, atP95, 0.99)).toBeGreaterThan(atP95);
    // With one hedge after d: P(L > x) = P(T > x)·P(T > x − d); at the p90 delay (1,250 ms) p99 is about 1,963 ms.
    expect(hedgedQuantile(d, quantile(d, 0.9), 0.99)).toBeCloseTo(1963, -1);
  });

  it('samples the distribution (seeded)', () => {
    const sample = logNormalSampler(d, seededRandom(1));
    const values = new Float64Array(200_000).map(sample).sort();
    expect(rankQuantile(values, 0.5) / 300).toBeCloseTo(1, 1);
    expect(rankQuantile(values, 0.99) / 4000).toBeCloseTo(1, 1);
  });

  it('takes the nearest-rank quantile', () => {
    const values = Float64Array.from([1, 2, 3, 4]);
    expect([0, 0.25, 0.26, 0.5, 1].map(p => rankQuantile(values, p))).toEqual([1, 1, 2, 2, 4]);
  });
});
