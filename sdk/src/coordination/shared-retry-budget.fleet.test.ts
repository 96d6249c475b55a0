/**
 * Issue 10 §3: "the retry budget with 3 replicas keeps fleet-wide retries within ratio × calls + one floor". Three
 * replica processes, each with the budget 20 % + 1/s over 60 s (one floor = 60) on its real clock and its real
 * 250 ms background exchange, send 100 calls each (one every 10 ms) to a downstream that always fails, each call
 * asking for 3 retries. Shared on Redis: at most 0.2 × 300 + 60 = 120 retries across the fleet; local budgets:
 * 80 per replica, 240 (three floors).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { spawnTsChild, type TsChild } from '../batch/test-support/spawn-child.js';
import { LocalRedis } from '../test-support/redis-server.js';
import { allowedRetries, FLEET_BUDGET, FLOOR } from './test-support/budget-fleet.js';

const REPLICA = new URL('./test-support/budget-replica.ts', import.meta.url).href;
const CALLS_EACH = 100;
const PACE_MS = 10;

let redis: LocalRedis;
beforeAll(async () => {
  redis = await LocalRedis.start();
});
afterAll(() => redis.stop());

const replicas: TsChild[] = [];
afterEach(async () => {
  for (const replica of replicas.splice(0)) {
    if (replica.process.exitCode === null) replica.process.kill('SIGKILL');
    await replica.exited;
  }
});

interface ReplicaResult {
  readonly calls: number;
  readonly retries: number;
  readonly localGrants: number;
  readonly syncs: number;
  readonly failedSyncs: number;
}

/** Runs 3 replica processes at once; their results. */
async function runFleet(mode: 'shared' | 'local'): Promise<ReplicaResult[]> {
  for (let i = 0; i < 3; i++) {
    replicas.push(
      spawnTsChild(REPLICA, [redis.url, `budget-fleet-${mode}`, mode, String(CALLS_EACH), String(PACE_MS)]),
    );
  }
  await Promise.all(replicas.map(r => r.waitForLine(line => line === 'ready', 40_000)));
  for (const replica of replicas) replica.process.stdin?.write('go\n');
  const results = await Promise.all(
    replicas.map(async r => JSON.parse(await r.waitForLine(line => line.startsWith('{'), 40_000))),
  );
  expect(await Promise.all(replicas.map(r => r.exited))).toEqual([0, 0, 0]);
  return results as ReplicaResult[];
}

const sum = (results: ReplicaResult[], field: keyof ReplicaResult) =>
  results.reduce((total, r) => total + r[field], 0);

describe('a retry budget across 3 replica processes whose downstream always fails', () => {
  it('shared on Redis: fleet-wide retries stay within ratio x fleet calls + one floor', async () => {
    const results = await runFleet('shared');
    const calls = sum(results, 'calls');
    expect(calls).toBe(300);
    // Retries granted on local counters (a replica that lost the fleet for longer than a claim lasts) are
    // outside the fleet's bound by design; on a healthy loopback Redis there are none.
    expect(sum(results, 'retries')).toBeLessThanOrEqual(allowedRetries(calls) + sum(results, 'localGrants'));
    expect(sum(results, 'retries')).toBeGreaterThan(FLOOR);
    // Every replica exchanged in the background while it sent its calls (every 250 ms over ≥ 1 s).
    for (const result of results) expect(result.syncs).toBeGreaterThan(1);
  }, 120_000);

  it('local budgets: each replica has its own floor, three in all', async () => {
    const results = await runFleet('local');
    expect(sum(results, 'retries')).toBe(3 * (FLEET_BUDGET.ratio * CALLS_EACH + FLOOR));
    expect(sum(results, 'retries')).toBeGreaterThan(allowedRetries(sum(results, 'calls')));
  }, 120_000);
});
