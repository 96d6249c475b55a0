import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../test-support/prng.js';
import { MAX_TIMER_MS } from '../../util/timers.js';
import { compileConfig, planAttempt, sampleLatency } from './plan.js';
import type { ChaosCallInfo, ChaosFaultSpec } from './types.js';

const CALL: ChaosCallInfo = { model: 'm', tenant: 't', streamed: false };
const scripted = (...draws: number[]) => {
  let i = 0;
  return () => draws[i++] ?? 0.999;
};

describe('planAttempt', () => {
  const faults: ChaosFaultSpec[] = [
    { fault: 'latency', rate: 0.5, latencyMs: 100 },
    { fault: 'rate_limited', rate: 0.25 },
    { fault: 'stream_drop', rate: 0.25, afterChunks: 1 },
    { fault: 'timeout', rate: 0.25 },
  ];
  const config = compileConfig(faults, {});

  it('gives each fault of a family a slice of one draw, in order', () => {
    // Latency draw 0.4 < 0.5 hits; failure draw 0.3 is in timeout's slice [0.25, 0.5) for a call (no stream fault).
    expect(planAttempt(config, scripted(0.4, 0.3), 'p', CALL)).toEqual({
      latencyMs: 100,
      failure: faults[3],
    });
    // For a streamed call the slices are rate_limited [0, .25), stream_drop [.25, .5), timeout [.5, .75).
    expect(planAttempt(config, scripted(0.9, 0.3), 'p', { ...CALL, streamed: true })).toEqual({
      latencyMs: undefined,
      failure: faults[2],
    });
    expect(planAttempt(config, scripted(0.9, 0.8), 'p', { ...CALL, streamed: true })).toBeUndefined();
  });

  it('draws nothing for a family without a fault for the call, and nothing out of scope', () => {
    let draws = 0;
    const counting = () => {
      draws++;
      return 0.999;
    };
    planAttempt(compileConfig([{ fault: 'stream_stall', rate: 1, afterChunks: 1 }], {}), counting, 'p', CALL);
    expect(draws).toBe(0);
    const scoped = compileConfig(faults, { policies: ['q'] });
    expect(planAttempt(scoped, counting, 'p', CALL)).toBeUndefined();
    expect(draws).toBe(0);
  });

  it('a NaN draw hits nothing', () => {
    expect(planAttempt(config, () => Number.NaN, 'p', CALL)).toBeUndefined();
  });
});

describe('sampleLatency', () => {
  it('returns a fixed latency as it is', () => {
    expect(sampleLatency(250, () => 0.5)).toBe(250);
  });

  it('draws a log-normal with the given median and 99th percentile (seeded, 20,000 draws)', () => {
    const random = seededRandom(42);
    const draws = Array.from({ length: 20_000 }, () =>
      sampleLatency({ p50Ms: 300, p99Ms: 4000 }, random),
    ).sort((a, b) => a - b);
    const quantile = (q: number) => draws[Math.floor(q * draws.length)]!;
    expect(quantile(0.5)).toBeGreaterThan(300 * 0.95);
    expect(quantile(0.5)).toBeLessThan(300 * 1.05);
    expect(quantile(0.99)).toBeGreaterThan(4000 * 0.85);
    expect(quantile(0.99)).toBeLessThan(4000 * 1.15);
    expect(draws[0]).toBeGreaterThan(0);
  });

  it('is capped at the largest timer delay, and finite at the edges of [0, 1)', () => {
    const wide = { p50Ms: 1e9, p99Ms: MAX_TIMER_MS };
    expect(sampleLatency(wide, scripted(0.999999, 0))).toBeLessThanOrEqual(MAX_TIMER_MS);
    expect(Number.isFinite(sampleLatency({ p50Ms: 300, p99Ms: 4000 }, scripted(0, 0)))).toBe(true);
  });
});
