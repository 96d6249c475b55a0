import { describe, expect, it } from 'vitest';
import { OptionsValidator } from '../util/validate.js';
import { checkRampOptions, createRamp, RAMP_DEFAULTS } from './traffic-ramp.js';

describe('traffic ramp', () => {
  it('pins the defaults: Envoy slow start over 30 s, linear, from 10 %', () => {
    expect(RAMP_DEFAULTS).toEqual({
      kind: 'slow_start',
      windowMs: 30_000,
      aggression: 1,
      minWeightPercent: 10,
      steps: [0.1, 0.25, 0.5, 0.75],
      stepMs: 10_000,
    });
  });

  it("follows Envoy's slow-start curve: max(minWeight, (max(t, 1 s) / window) ^ (1 / aggression))", () => {
    const linear = createRamp({ kind: 'slow_start', windowMs: 10_000 });
    expect(linear.ratio(0)).toBe(0.1);
    expect(linear.ratio(500)).toBe(0.1);
    expect(linear.ratio(5_000)).toBe(0.5);
    expect(linear.ratio(9_000)).toBe(0.9);
    expect(linear.ratio(10_000)).toBe(1);
    expect(linear.durationMs).toBe(10_000);
    const aggressive = createRamp({
      kind: 'slow_start',
      windowMs: 10_000,
      aggression: 2,
      minWeightPercent: 5,
    });
    expect(aggressive.ratio(2_500)).toBeCloseTo(0.5);
    expect(aggressive.ratio(0)).toBeCloseTo(Math.sqrt(0.1));
    const gentle = createRamp({ kind: 'slow_start', windowMs: 10_000, aggression: 0.5, minWeightPercent: 5 });
    expect(gentle.ratio(5_000)).toBeCloseTo(0.25);
    expect(gentle.ratio(1_000)).toBe(0.05);
  });

  it('steps through explicit shares, or n even steps, one stepMs each', () => {
    const explicit = createRamp({ kind: 'steps', steps: [0.2, 0.6], stepMs: 1_000 });
    expect([0, 999, 1_000, 1_999, 2_000].map(t => explicit.ratio(t))).toEqual([0.2, 0.2, 0.6, 0.6, 1]);
    expect(explicit.durationMs).toBe(2_000);
    const even = createRamp({ kind: 'steps', steps: 4, stepMs: 100 });
    expect([0, 100, 200, 300].map(t => even.ratio(t))).toEqual([0.25, 0.5, 0.75, 1]);
    expect(createRamp({ kind: 'steps' }).config).toEqual({
      kind: 'steps',
      steps: [0.1, 0.25, 0.5, 0.75],
      stepMs: 10_000,
    });
  });

  it('rejects bad ramps naming option, constraint and value', () => {
    const problems = (ramp: unknown) => {
      const v = new OptionsValidator('x');
      checkRampOptions(v, 'ramp', ramp);
      try {
        v.done();
        return '';
      } catch (error) {
        return (error as Error).message;
      }
    };
    expect(problems({ kind: 'slow_start', windowMs: 0, aggression: 0, minWeightPercent: 0 })).toBe(
      'Invalid options for x: ramp.windowMs must be a number in (0, 2147483647], got 0; ramp.aggression must be a number > 0, got 0; ramp.minWeightPercent must be a number in (0, 100], got 0',
    );
    expect(problems({ kind: 'steps', steps: 0 })).toMatch(
      /ramp\.steps must be an integer in \[1, 1000\], got 0/,
    );
    expect(problems({ kind: 'steps', steps: [0.5, 0.4, 1.5] })).toMatch(
      /ramp\.steps\[1\] must be greater than steps\[0\] \(0\.5\), got 0\.4; ramp\.steps\[2\] must be a number in \(0, 1\], got 1\.5/,
    );
    expect(problems({ kind: 'steps', steps: [] })).toMatch(/ramp\.steps must be a non-empty array/);
    expect(problems({ windowMs: 1 })).toMatch(
      /ramp\.kind must be one of "slow_start", "steps", got undefined/,
    );
    expect(problems({ kind: 'linear' })).toMatch(/ramp\.kind must be one of/);
    // issue 8 §2.6: a ramp that is not an object was reported as a missing kind
    expect(problems(null)).toBe('Invalid options for x: ramp must be an object, got null');
    expect(problems('slow_start')).toBe('Invalid options for x: ramp must be an object, got "slow_start"');
  });
});
