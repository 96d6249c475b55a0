/**
 * The fleet-wide retry budget on a real Redis (issue 10 §1 and §3): 3 replicas (3 coordinators, each with its own
 * connections) whose downstream always fails. The budgets' clocks stand still and the window is 60 s, so every
 * count stays in the window and the bound is exact: exchanges are driven by the test (`syncRetryBudget`), the
 * 250 ms timer is covered by `shared-retry-budget-view.test.ts` and the replica processes of the fleet test.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { syncRetryBudget } from '../load/retry-budget.js';
import { CLAIM_HOLD_MS, CLAIM_USE_MS } from '../load/shared-retry-budget-view.js';
import { ATTR_RESILIENCE_COORDINATION_OPERATION, METRIC_COORDINATION_ERRORS } from '../semconv.js';
import { httpError } from '../test-support/errors.js';
import { TestTelemetry } from '../test-support/otel.js';
import { LocalRedis } from '../test-support/redis-server.js';
import type { RedisCoordinator } from './redis-coordinator.js';
import {
  allowedRetries,
  type BudgetReplica,
  budgetReplica,
  FLEET_BUDGET,
  FLOOR,
  failingCalls,
  stateReached,
} from './test-support/budget-fleet.js';
import { connectedCoordinator } from './test-support/coordinator.js';

let redis: LocalRedis;
beforeAll(async () => {
  redis = await LocalRedis.start();
});
afterAll(() => redis.stop());

let otel: TestTelemetry;
let prefix = 0;
const coordinators: RedisCoordinator[] = [];
const replicas: BudgetReplica[] = [];
beforeEach(() => {
  otel = new TestTelemetry().install();
  prefix++;
});
afterEach(async () => {
  for (const { budget } of replicas.splice(0)) budget.dispose();
  await Promise.all(coordinators.splice(0).map(c => c.dispose()));
  await otel.uninstall();
});

/** A coordinator of this test's fleet (a generous timeout: a loaded test machine must not fail exchanges). */
async function coordinator(): Promise<RedisCoordinator> {
  const made = await connectedCoordinator({ url: redis.url, keyPrefix: `budget${prefix}`, timeoutMs: 1_000 });
  coordinators.push(made);
  return made;
}

/** `n` replicas, each with its own coordinator (shared) or none (local). */
async function fleet(n: number, shared: boolean, now?: () => number): Promise<BudgetReplica[]> {
  const made: BudgetReplica[] = [];
  for (let i = 0; i < n; i++) made.push(budgetReplica(i, shared ? await coordinator() : undefined, now));
  replicas.push(...made);
  return made;
}

const syncAll = (fleet: readonly BudgetReplica[]) => Promise.all(fleet.map(r => syncRetryBudget(r.budget)));

/** Rounds of `callsPerRound` failing calls on each replica, an exchange after each replica's turn. */
async function failingRounds(fleet: readonly BudgetReplica[], rounds: number, callsPerRound: number) {
  let attempts = 0;
  for (let round = 0; round < rounds; round++) {
    for (const replica of fleet) {
      attempts += await failingCalls(replica.policy, callsPerRound);
      await syncRetryBudget(replica.budget);
    }
  }
  const calls = fleet.length * rounds * callsPerRound;
  return { calls, retries: attempts - calls };
}

const errors = (operation: string) =>
  otel.total(METRIC_COORDINATION_ERRORS, { [ATTR_RESILIENCE_COORDINATION_OPERATION]: operation });

describe('a retry budget shared by 3 replicas whose downstream always fails', () => {
  it('keeps fleet-wide retries within ratio x fleet calls + one floor, and reports fleet figures', async () => {
    const three = await fleet(3, true);
    expect(await syncAll(three)).toEqual([true, true, true]);
    const { calls, retries } = await failingRounds(three, 10, 10);
    expect(calls).toBe(300);
    // 0.2 x 300 + 60 = 120: the fleet's budget, used up (a replica may leave at most its claim unused).
    expect(retries).toBeLessThanOrEqual(allowedRetries(calls));
    expect(retries).toBeGreaterThanOrEqual(allowedRetries(calls) - 3);

    await syncAll(three);
    for (const { budget } of three) {
      expect(budget.snapshot()).toMatchObject({
        scope: 'fleet',
        requests: 300,
        retries,
        capacity: 120,
        shared: { replicas: 3, failedSyncs: 0 },
      });
    }
    expect(await errors('retry_budget_sync')).toBe(0);
  });

  it('with local budgets, the same traffic gets 3 floors', async () => {
    const three = await fleet(3, false);
    const { calls, retries } = await failingRounds(three, 10, 10);
    // Each replica: 0.2 x 100 + 60 = 80.
    expect(retries).toBe(3 * (FLEET_BUDGET.ratio * (calls / 3) + FLOOR));
    expect(retries).toBeGreaterThan(allowedRetries(calls));
  });
});

describe('a shared retry budget when Redis fails', () => {
  it('uses its claim, then its local counters while Redis is down (no call fails because of it), then resyncs', async () => {
    let t = 0;
    const [a, b] = await fleet(2, true, () => t);
    expect(await syncAll([a!, b!])).toEqual([true, true]);
    await failingCalls(a!.policy, 10);
    expect(await syncRetryBudget(a!.budget)).toBe(true);

    await redis.kill();
    expect(await syncRetryBudget(a!.budget)).toBe(false);
    expect(a!.budget.snapshot().shared?.failedSyncs).toBeGreaterThan(0);
    // The claim heard last stays in use (Redis holds it CLAIM_HOLD_MS), then the local counters take over.
    expect(a!.budget.snapshot()).toMatchObject({ scope: 'fleet' });
    t += CLAIM_USE_MS;
    expect(a!.budget.snapshot()).toMatchObject({ scope: 'local' });
    // Calls that fail once then succeed: the local budget grants their retry; not one fails.
    let failed = 0;
    for (let i = 0; i < 20; i++) {
      let attempt = 0;
      await a!.policy
        .execute(async () => {
          if (attempt++ === 0) throw httpError(503);
          return 'ok';
        })
        .catch(() => failed++);
    }
    expect(failed).toBe(0);
    expect(a!.budget.snapshot()).toMatchObject({ scope: 'local', requests: 30, denied: 0 });
    expect(await errors('retry_budget_sync')).toBeGreaterThan(0);

    await redis.restart();
    await Promise.all(coordinators.map(c => stateReached(c, 'connected')));
    expect(await syncRetryBudget(a!.budget)).toBe(true);
    expect(await syncRetryBudget(b!.budget)).toBe(true);
    // The restarted Redis lost the window; a pushed what it had not acknowledged: the 20 calls of the outage
    // and their 20 retries (b pushed nothing new).
    expect(b!.budget.snapshot()).toMatchObject({ scope: 'fleet', requests: 20, retries: 20 });
  });

  it('ignores and counts corrupt or foreign values, and still exchanges', async () => {
    const [replica] = await fleet(1, true);
    const coordinator = coordinators[0]!;
    const prefixKey = coordinator.key('retry_budget', 'llm', `w${FLEET_BUDGET.windowMs}b10`);
    const [seconds] = (await coordinator.run('retry_budget_sync', c => c.sendCommand(['TIME']))) as string[];
    const epoch = Math.floor((Number(seconds) * 1000) / (FLEET_BUDGET.windowMs / 10));
    const corrupt = async (...command: string[]) =>
      expect(await coordinator.run('retry_budget_sync', c => c.sendCommand(command))).toBeDefined();
    for (let e = epoch - 9; e <= epoch + 2; e++)
      await corrupt('HSET', `${prefixKey}:${e}`, 'c', 'x', 'r', '-4');
    await corrupt('DEL', `${prefixKey}:${epoch - 5}`);
    await corrupt('SET', `${prefixKey}:${epoch - 5}`, 'foreign');
    await corrupt('ZADD', `${prefixKey}:replicas`, String(Number(seconds) * 1000), 'ghost');
    await corrupt('HSET', `${prefixKey}:state`, 'ghost:q', '1e99');

    replica!.budget.onCall();
    expect(await syncRetryBudget(replica!.budget)).toBe(true);
    expect(replica!.budget.snapshot()).toMatchObject({
      scope: 'fleet',
      requests: 1,
      retries: 0,
      shared: { replicas: 2 },
    });
    expect(await errors('invalid_value')).toBeGreaterThanOrEqual(3);

    // A key of ours holding another type is replaced; the exchange goes on.
    await corrupt('SET', `${prefixKey}:replicas`, 'foreign');
    await corrupt('SET', `${prefixKey}:state`, 'foreign');
    expect(await syncRetryBudget(replica!.budget)).toBe(true);
    expect(replica!.budget.snapshot()).toMatchObject({ scope: 'fleet', shared: { replicas: 1 } });
    expect(await errors('retry_budget_sync')).toBe(0);
  });
});

describe('the fleet counters of one budget in Redis (the exchange script)', () => {
  const settings = { ratio: 0.2, floor: 10, windowMs: 60_000, buckets: 10, holdMs: CLAIM_HOLD_MS };
  const report = (calls: number, retries: number, unsynced: [number, number], remaining = 0) => ({
    totalCalls: calls,
    totalRetries: retries,
    unsyncedCalls: unsynced[0],
    unsyncedRetries: unsynced[1],
    remaining,
  });

  it('adds each report once, caps it, shares the headroom among replicas, and releases a claim on dispose', async () => {
    const a = (await coordinator()).retryBudget('direct', settings);
    const b = (await coordinator()).retryBudget('direct', settings);
    // Headroom 0.2 x 10 + 10 − 2 = 10, one replica: all of it.
    expect(await a.exchange(report(10, 2, [10, 2]))).toEqual({
      calls: 10,
      retries: 2,
      replicas: 1,
      claim: 10,
    });
    // The same report again (its answer was lost): added once.
    expect(await a.exchange(report(10, 2, [10, 2]))).toEqual({
      calls: 10,
      retries: 2,
      replicas: 1,
      claim: 10,
    });
    // b: a holds all 10 (fair share would be 5).
    expect(await b.exchange(report(0, 0, [0, 0]))).toEqual({ calls: 10, retries: 2, replicas: 2, claim: 0 });
    // a, 2 calls later, 3 retries of its claim still usable: headroom 10.4, fair ⌈5.2⌉ = 6 ≥ 3.
    expect(await a.exchange(report(12, 2, [12, 2], 3))).toEqual({
      calls: 12,
      retries: 2,
      replicas: 2,
      claim: 6,
    });
    // b gets what a does not hold: ⌊10.4 − 6⌋.
    expect(await b.exchange(report(0, 0, [0, 0]))).toMatchObject({ claim: 4 });
    // A report after a long outage: only what is still in the window (the cap) is added. Headroom 5.4 − b's 4:
    // of the 5 retries a may still grant of its claim, it keeps its fair share ⌈5.4 / 2⌉ = 3.
    expect(await a.exchange(report(112, 8, [5, 6], 5))).toEqual({
      calls: 17,
      retries: 8,
      replicas: 2,
      claim: 3,
    });
    // All 5 stay reserved for a until it reports that it heard its claim of 3 (it may grant from the old one).
    expect(await b.exchange(report(0, 0, [0, 0]))).toMatchObject({ claim: 0 });
    expect(await a.exchange(report(112, 8, [0, 0], 3))).toMatchObject({ claim: 3 });
    expect(await b.exchange(report(0, 0, [0, 0]))).toMatchObject({ claim: 2 });

    a.dispose();
    b.dispose();
    const c = (await coordinator()).retryBudget('direct', settings);
    // a and b left: c is alone and may claim the whole headroom, 0.2 x 17 + 10 − 8 = 5.4.
    expect(await c.exchange(report(0, 0, [0, 0]))).toEqual({ calls: 17, retries: 8, replicas: 1, claim: 5 });
    expect(await a.exchange(report(113, 8, [1, 0]))).toBeUndefined();
    c.dispose();
  });
});
