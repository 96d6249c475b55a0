import { describe, expect, it } from 'vitest';
import { seededRandom } from '../test-support/prng.js';
import { createRecoveryManager } from './create-recovery-manager.js';
import type { RampOptions } from './traffic-ramp.js';

const CALLS = 10_000;

/** Enters recovering at time 0 and returns the admitted share of `calls` calls at each of `times`. */
function admittedShares(ramp: RampOptions, times: readonly number[], seed: number) {
  let t = 0;
  const manager = createRecoveryManager('acceptance', {
    registry: null,
    ramp,
    failureThreshold: 1,
    successThreshold: 1,
    random: seededRandom(seed),
    now: () => t,
  });
  manager.recordFailure();
  manager.recordSuccess();
  expect(manager.state).toBe('recovering');
  const perPoint = CALLS / times.length;
  const rows = times.map(time => {
    t = time;
    const target = manager.trafficRatio;
    let admitted = 0;
    for (let i = 0; i < perPoint; i++) if (manager.admit()) admitted++;
    return { time, target, share: admitted / perPoint };
  });
  manager.dispose();
  return rows;
}

describe('recovery ramp acceptance: over 10,000 calls the admitted share tracks the target within 3 points', () => {
  it('in steps', () => {
    const rows = admittedShares(
      { kind: 'steps', steps: [0.1, 0.25, 0.5, 0.75], stepMs: 10_000 },
      [0, 10_000, 20_000, 30_000],
      1,
    );
    expect(rows.map(r => r.target)).toEqual([0.1, 0.25, 0.5, 0.75]);
    for (const row of rows) expect(Math.abs(row.share - row.target)).toBeLessThanOrEqual(0.03);
  });

  it("along Envoy's slow-start curve, linear and aggressive", () => {
    for (const [aggression, seed] of [
      [1, 2],
      [2, 3],
      [0.5, 4],
    ] as const) {
      const rows = admittedShares(
        { kind: 'slow_start', windowMs: 60_000, aggression, minWeightPercent: 10 },
        [0, 6_000, 15_000, 30_000, 45_000],
        seed,
      );
      for (const row of rows) expect(Math.abs(row.share - row.target)).toBeLessThanOrEqual(0.03);
      expect(rows[0]?.target).toBeCloseTo(Math.max(0.1, (1_000 / 60_000) ** (1 / aggression)));
      expect(rows[2]?.target).toBeCloseTo(Math.max(0.1, 0.25 ** (1 / aggression)));
    }
  });
});
