import { afterEach, describe, expect, it, vi } from 'vitest';
import { createRetryBudget, type RetryBudget, syncRetryBudget } from './retry-budget.js';
import type {
  FleetRetryBudgetTotals,
  RetryBudgetCoordinator,
  RetryBudgetReport,
  SharedRetryBudgetSettings,
} from './shared-retry-budget.js';
import { CLAIM_HOLD_MS, CLAIM_USE_MS, SHARED_BUDGET_SYNC_MS } from './shared-retry-budget-view.js';

/** A fleet of one budget's counters, scripted by the test: records reports, answers what it is told. */
class FakeFleet implements RetryBudgetCoordinator {
  readonly reports: RetryBudgetReport[] = [];
  readonly opened: Array<{ name: string; settings: SharedRetryBudgetSettings }> = [];
  answer: () => Promise<FleetRetryBudgetTotals | undefined> = async () => undefined;
  reconnect: (() => void) | undefined;
  disposed = 0;

  retryBudget(name: string, settings: SharedRetryBudgetSettings) {
    this.opened.push({ name, settings });
    return {
      exchange: (report: RetryBudgetReport) => {
        this.reports.push(report);
        return this.answer();
      },
      onReconnect: (listener: () => void) => {
        this.reconnect = listener;
        return () => {
          this.reconnect = undefined;
        };
      },
      dispose: () => {
        this.disposed++;
      },
    };
  }

  answers(totals: FleetRetryBudgetTotals): void {
    this.answer = async () => totals;
  }
}

const clock = () => {
  let t = 0;
  return {
    now: () => t,
    advance: (ms: number) => {
      t += ms;
    },
  };
};

/** Counts `calls` calls, then asks for `retries` retries; returns how many were granted. */
function run(budget: RetryBudget, calls: number, retries: number): number {
  for (let i = 0; i < calls; i++) budget.onCall();
  let granted = 0;
  for (let r = 0; r < retries; r++) if (budget.tryAcquireRetry()) granted++;
  return granted;
}

describe('shared sliding-window budget: the fleet side', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('opens the fleet counters with one floor for the fleet (minPerSecond x window) and the claim hold', async () => {
    const fleet = new FakeFleet();
    const budget = createRetryBudget('llm', { registry: null, shared: fleet, ratio: 0.1, minPerSecond: 2 });
    expect(fleet.opened).toEqual([
      {
        name: 'llm',
        settings: { ratio: 0.1, floor: 20, windowMs: 10_000, buckets: 10, holdMs: CLAIM_HOLD_MS },
      },
    ]);
    expect(CLAIM_HOLD_MS).toBeGreaterThan(CLAIM_USE_MS);
    budget.dispose();
  });

  it('between exchanges, grants retries up to its claim + ratio x its calls since, and reports fleet figures', async () => {
    const fleet = new FakeFleet();
    const c = clock();
    fleet.answers({ calls: 1_000, retries: 150, replicas: 3, claim: 4 });
    const budget = createRetryBudget('llm', { registry: null, shared: fleet, ratio: 0.2, now: c.now });
    expect(await syncRetryBudget(budget)).toBe(true);
    // Claim 4 + 0.2 x 10 calls = 6 retries, though the local budget (floor 100) would give 100.
    expect(run(budget, 10, 30)).toBe(6);
    expect(budget.snapshot()).toEqual({
      name: 'llm',
      kind: 'sliding_window',
      // ratio x (1000 + 10) + 100 − (150 + 6)
      available: 146,
      capacity: 302,
      requests: 1_010,
      retries: 156,
      denied: 24,
      scope: 'fleet',
      // The exchange at creation, and the one of the test.
      shared: { syncs: 2, failedSyncs: 0, replicas: 3, replicaAvailable: 0 },
      config: { ratio: 0.2, minPerSecond: 10, windowMs: 10_000 },
    });
    // The next exchange reports the counts cumulatively, with what is not yet acknowledged as the cap.
    fleet.answers({ calls: 1_010, retries: 156, replicas: 3, claim: 1 });
    await syncRetryBudget(budget);
    expect(fleet.reports.at(-1)).toEqual({
      totalCalls: 10,
      totalRetries: 6,
      unsyncedCalls: 10,
      unsyncedRetries: 6,
      remaining: 0,
    });
    expect(run(budget, 0, 3)).toBe(1);
    await syncRetryBudget(budget);
    expect(fleet.reports.at(-1)).toEqual({
      totalCalls: 10,
      totalRetries: 7,
      unsyncedCalls: 0,
      unsyncedRetries: 1,
      remaining: 0,
    });
    budget.dispose();
  });

  it('counts made while an exchange is in flight count against the claim it brings, and are reported next', async () => {
    const fleet = new FakeFleet();
    const pending: Array<(totals: FleetRetryBudgetTotals) => void> = [];
    fleet.answer = () => new Promise(resolve => pending.push(resolve));
    const budget = createRetryBudget('llm', { registry: null, shared: fleet, ratio: 0.5, now: () => 0 });
    // The exchange started at creation is in flight (its report has no counts): local decisions meanwhile.
    expect(run(budget, 2, 2)).toBe(2);
    // A sync now must report those counts: it runs after the one in flight, not with it.
    const next = syncRetryBudget(budget);
    expect(fleet.reports).toHaveLength(1);
    pending.shift()?.({ calls: 0, retries: 0, replicas: 2, claim: 1 });
    await new Promise(resolve => setImmediate(resolve));
    // The 2 retries granted during the flight are not in its answer: claim 1 + 0.5 x 2 − 2 = 0 left.
    expect(budget.tryAcquireRetry()).toBe(false);
    expect(budget.snapshot()).toMatchObject({ scope: 'fleet', requests: 2, retries: 2 });
    expect(fleet.reports).toEqual([
      { totalCalls: 0, totalRetries: 0, unsyncedCalls: 0, unsyncedRetries: 0, remaining: 0 },
      { totalCalls: 2, totalRetries: 2, unsyncedCalls: 2, unsyncedRetries: 2, remaining: 0 },
    ]);
    pending.shift()?.({ calls: 2, retries: 2, replicas: 2, claim: 3 });
    expect(await next).toBe(true);
    expect(run(budget, 0, 4)).toBe(3);
    budget.dispose();
  });

  it('decides on its local counters until a first exchange succeeds, and once its claim is old', async () => {
    const fleet = new FakeFleet();
    const c = clock();
    const budget = createRetryBudget('llm', {
      registry: null,
      shared: fleet,
      ratio: 0.5,
      minPerSecond: 0.1,
      windowMs: 20_000,
      now: c.now,
    });
    // Floor 2, no exchange yet: local.
    expect(run(budget, 0, 3)).toBe(2);
    expect(budget.snapshot()).toMatchObject({ scope: 'local', available: 0, shared: { syncs: 0 } });

    // Store down (undefined), then throwing, then answering garbage: still local, counted.
    expect(await syncRetryBudget(budget)).toBe(false);
    fleet.answer = () => Promise.reject(new Error('boom'));
    expect(await syncRetryBudget(budget)).toBe(false);
    fleet.answer = async () => ({ calls: Number.NaN, retries: -1, replicas: 1, claim: 3 });
    expect(await syncRetryBudget(budget)).toBe(false);
    // The exchange started at creation failed too.
    expect(budget.snapshot()).toMatchObject({ scope: 'local', shared: { syncs: 0, failedSyncs: 4 } });
    expect(fleet.reports.at(-1)).toMatchObject({ totalRetries: 2, unsyncedRetries: 2, remaining: 0 });

    fleet.answers({ calls: 0, retries: 2, replicas: 1, claim: 5 });
    expect(await syncRetryBudget(budget)).toBe(true);
    expect(run(budget, 0, 1)).toBe(1);
    c.advance(CLAIM_USE_MS - 1);
    expect(budget.snapshot()).toMatchObject({ scope: 'fleet', retries: 3, shared: { replicaAvailable: 4 } });
    // A claim older than CLAIM_USE_MS is not used (the store may release it): local again.
    c.advance(1);
    expect(budget.snapshot()).toMatchObject({ scope: 'local', requests: 0, retries: 3 });
    expect(budget.tryAcquireRetry()).toBe(false);
    budget.dispose();
  });

  it('a failed exchange keeps the claim in use, and reports what is left of it (the store keeps it reserved)', async () => {
    const fleet = new FakeFleet();
    fleet.answers({ calls: 0, retries: 0, replicas: 2, claim: 5 });
    const budget = createRetryBudget('llm', { registry: null, shared: fleet, ratio: 0.5, now: () => 0 });
    expect(await syncRetryBudget(budget)).toBe(true);
    expect(run(budget, 2, 2)).toBe(2);
    // The answer is lost (a timeout after Redis ran the script): 5 + 0.5 x 2 − 2 = 4 left, still usable.
    fleet.answer = async () => undefined;
    expect(await syncRetryBudget(budget)).toBe(false);
    expect(fleet.reports.at(-1)).toEqual({
      totalCalls: 2,
      totalRetries: 2,
      unsyncedCalls: 2,
      unsyncedRetries: 2,
      remaining: 4,
    });
    expect(budget.snapshot()).toMatchObject({
      scope: 'fleet',
      shared: { failedSyncs: 1, replicaAvailable: 4 },
    });
    expect(run(budget, 0, 5)).toBe(4);
    await syncRetryBudget(budget);
    expect(fleet.reports.at(-1)).toMatchObject({ totalRetries: 6, unsyncedRetries: 6, remaining: 0 });
    budget.dispose();
  });

  it('forgets unacknowledged counts that left the window (a long outage pushes only the last window)', async () => {
    const fleet = new FakeFleet();
    const c = clock();
    const budget = createRetryBudget('llm', {
      registry: null,
      shared: fleet,
      windowMs: 1_000,
      buckets: 10,
      now: c.now,
    });
    await syncRetryBudget(budget);
    run(budget, 5, 0);
    c.advance(1_500);
    run(budget, 2, 0);
    await syncRetryBudget(budget);
    expect(fleet.reports.at(-1)).toEqual({
      totalCalls: 7,
      totalRetries: 0,
      unsyncedCalls: 2,
      unsyncedRetries: 0,
      remaining: 0,
    });
    budget.dispose();
  });

  it(`exchanges every ${SHARED_BUDGET_SYNC_MS} ms and on reconnection; dispose stops the timer and leaves the fleet`, async () => {
    vi.useFakeTimers();
    const fleet = new FakeFleet();
    fleet.answers({ calls: 0, retries: 0, replicas: 1, claim: 1 });
    const before = vi.getTimerCount();
    const budget = createRetryBudget('llm', { registry: null, shared: fleet });
    expect(vi.getTimerCount()).toBe(before + 1);
    await vi.advanceTimersByTimeAsync(0);
    expect(fleet.reports).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(4 * SHARED_BUDGET_SYNC_MS);
    expect(fleet.reports).toHaveLength(5);
    fleet.reconnect?.();
    await vi.advanceTimersByTimeAsync(0);
    expect(fleet.reports).toHaveLength(6);

    budget.dispose();
    expect(vi.getTimerCount()).toBe(before);
    expect(fleet.disposed).toBe(1);
    expect(fleet.reconnect).toBeUndefined();
    await vi.advanceTimersByTimeAsync(10 * SHARED_BUDGET_SYNC_MS);
    expect(fleet.reports).toHaveLength(6);
    expect(await syncRetryBudget(budget)).toBe(false);
    budget.dispose();
    expect(fleet.disposed).toBe(1);
  });

  it('skips a tick while an exchange is in flight (a slow store gets one exchange at a time)', async () => {
    vi.useFakeTimers();
    const fleet = new FakeFleet();
    fleet.answer = () => new Promise(() => {});
    const budget = createRetryBudget('llm', { registry: null, shared: fleet });
    await vi.advanceTimersByTimeAsync(10 * SHARED_BUDGET_SYNC_MS);
    expect(fleet.reports).toHaveLength(1);
    budget.dispose();
  });
});

describe('shared retry budget options', () => {
  it('refuses shared for a token bucket, and a shared that is not a coordinator, naming the option', () => {
    const fleet = new FakeFleet();
    expect(() => createRetryBudget('g', { kind: 'token_bucket', shared: fleet as never })).toThrow(
      new RangeError(
        `Invalid options for createRetryBudget("g"): shared must be unset for kind 'token_bucket' (only kind 'sliding_window' is shared across a fleet), got an object (Object)`,
      ),
    );
    expect(() => createRetryBudget('b', { shared: {} as never })).toThrow(
      new TypeError(
        'Invalid options for createRetryBudget("b"): shared must be a fleet coordinator (createRedisCoordinator() of agent-resilience/redis), got an object (Object)',
      ),
    );
    expect(fleet.opened).toEqual([]);
  });

  it('an unshared budget has no timer and no scope in its snapshot', () => {
    vi.useFakeTimers();
    const before = vi.getTimerCount();
    const budget = createRetryBudget('b', { registry: null });
    expect(vi.getTimerCount()).toBe(before);
    expect(budget.snapshot()).not.toHaveProperty('scope');
    budget.dispose();
    vi.useRealTimers();
  });
});
