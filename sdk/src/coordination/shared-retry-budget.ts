import { randomUUID } from 'node:crypto';
import type {
  FleetRetryBudgetTotals,
  RetryBudgetReport,
  SharedRetryBudgetCounters,
  SharedRetryBudgetSettings,
} from '../load/shared-retry-budget.js';
import type { RedisCoordinator } from './redis-coordinator.js';
import { MAX_BUCKET_COUNT, RETRY_BUDGET_EXCHANGE, RETRY_BUDGET_LEAVE } from './shared-retry-budget-script.js';

export type { SharedRetryBudgetSettings } from '../load/shared-retry-budget.js';

/** What the counters use of a coordinator. */
export type RetryBudgetLink = Pick<RedisCoordinator, 'key' | 'script' | 'onReconnect' | 'invalid'>;

/** Largest window total an answer may carry (a window has at most 1000 buckets). */
const MAX_TOTAL = MAX_BUCKET_COUNT * 1_000;
/** Most replicas an answer may report. */
const MAX_REPLICAS = 1_000_000;
/** Most ignored values one answer may report (the script reads about 2 × buckets + replicas values). */
const MAX_INVALID = 100_000;

function count(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= min && value <= max;
}

/** A count of the report as the script reads it: digits, never an exponent. */
function digits(n: number): string {
  return String(Math.max(0, Math.floor(n)));
}

/**
 * The fleet-wide counters of one retry budget in Redis (see `RETRY_BUDGET_EXCHANGE` for the keys and the
 * arithmetic): each exchange is one script run (one round trip, bounded by the coordinator's `timeoutMs`). Keys:
 * `<keyPrefix>:retry_budget:<name>:w<windowMs>b<buckets>:<bucket>` (a hash `{c, r}` per window bucket, expiring
 * one window after its bucket) plus `…:replicas` and `…:state` (live replicas and their claims, expiring
 * `2 × holdMs` after the last exchange). Budgets of one name with another window or bucket count keep their own
 * counters.
 */
export class RedisRetryBudgetCounters implements SharedRetryBudgetCounters {
  /** This budget instance's id among the replicas (one per budget, so two budgets of a process never mix). */
  private readonly id = randomUUID();
  private readonly keys: readonly [string, string, string];
  private readonly settingsArgs: readonly string[];
  private left = false;

  constructor(
    private readonly coordinator: RetryBudgetLink,
    name: string,
    private readonly settings: SharedRetryBudgetSettings,
  ) {
    const { windowMs, buckets, ratio, floor } = settings;
    const prefix = coordinator.key('retry_budget', name, `w${windowMs}b${buckets}`);
    this.keys = [prefix, `${prefix}:replicas`, `${prefix}:state`];
    this.settingsArgs = [String(windowMs / buckets), String(buckets), String(ratio), String(floor)];
  }

  async exchange(report: RetryBudgetReport): Promise<FleetRetryBudgetTotals | undefined> {
    if (this.left) return undefined;
    const answer = await this.coordinator.script('retry_budget_sync', RETRY_BUDGET_EXCHANGE, this.keys, [
      this.id,
      ...this.settingsArgs,
      digits(report.totalCalls),
      digits(report.totalRetries),
      digits(report.unsyncedCalls),
      digits(report.unsyncedRetries),
      String(this.settings.holdMs),
      digits(report.remaining),
    ]);
    if (answer === undefined) return undefined;
    return this.read(answer);
  }

  onReconnect(listener: () => void): () => void {
    return this.coordinator.onReconnect(listener);
  }

  dispose(): void {
    if (this.left) return;
    this.left = true;
    // Best effort: releases the claim now; if Redis is away it is released after holdMs anyway.
    void this.coordinator.script('retry_budget_sync', RETRY_BUDGET_LEAVE, this.keys.slice(1), [this.id]);
  }

  /** Validates the script's answer: `[calls, retries, replicas, claim, invalid]`, non-negative integers. */
  private read(answer: unknown): FleetRetryBudgetTotals | undefined {
    const [calls, retries, replicas, claim, invalid] = Array.isArray(answer) ? answer : [];
    if (
      !Array.isArray(answer) ||
      answer.length !== 5 ||
      !count(calls, 0, MAX_TOTAL) ||
      !count(retries, 0, MAX_TOTAL) ||
      !count(replicas, 1, MAX_REPLICAS) ||
      !count(claim, 0, MAX_TOTAL) ||
      !count(invalid, 0, MAX_INVALID)
    ) {
      this.coordinator.invalid('retry budget exchange answer');
      return undefined;
    }
    // Values the script ignored (corrupt or foreign): counted one by one.
    for (let i = 0; i < invalid; i++) this.coordinator.invalid('retry budget counter');
    return { calls, retries, replicas, claim };
  }
}
