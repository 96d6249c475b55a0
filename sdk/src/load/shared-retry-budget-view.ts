import { type Clock, unrefTimer } from './internal.js';
import { RollingCounter } from './rolling-window.js';
import type {
  FleetRetryBudgetTotals,
  RetryBudgetCoordinator,
  SharedRetryBudgetCounters,
} from './shared-retry-budget.js';

/** Longest time between two exchanges of a shared budget with its fleet, ms (a timer, in the background). */
export const SHARED_BUDGET_SYNC_MS = 250;
/** A claim is used for at most this long after the exchange that made it, ms (several missed exchanges). */
export const CLAIM_USE_MS = 1_000;
/** How long the store holds a replica's claim after its last exchange: twice as long as it is used. */
export const CLAIM_HOLD_MS = 2 * CLAIM_USE_MS;

const EPSILON = 1e-9;
const CALLS = 0;
const RETRIES = 1;

/** The fleet's figures as this replica sees them: the last exchange plus this replica's own counts since. */
export interface FleetBudgetFigures {
  /** Logical calls of the fleet in the window. */
  readonly requests: number;
  /** Retries the fleet granted in the window. */
  readonly retries: number;
}

/** How a shared budget's link to its fleet is doing (`snapshot().shared`). */
export interface SharedRetryBudgetStatus {
  /** Exchanges with the fleet that succeeded since creation. */
  readonly syncs: number;
  /** Exchanges that failed (store down, slow, or an answer not trusted) since creation. */
  readonly failedSyncs: number;
  /** Replicas of this budget, as of the last exchange (fleet scope only). */
  readonly replicas?: number;
  /** Retries this replica may still grant before its next exchange (fleet scope only). */
  readonly replicaAvailable?: number;
}

/** The sliding-window settings a view needs. */
export interface FleetBudgetViewConfig {
  readonly ratio: number;
  readonly minPerSecond: number;
  readonly windowMs: number;
  readonly buckets: number;
  readonly shared: RetryBudgetCoordinator;
}

function trusted(totals: FleetRetryBudgetTotals | undefined): totals is FleetRetryBudgetTotals {
  if (typeof totals !== 'object' || totals === null) return false;
  const { calls, retries, replicas, claim } = totals;
  return [calls, retries, replicas, claim].every(n => typeof n === 'number' && Number.isFinite(n) && n >= 0);
}

/**
 * The fleet side of a shared sliding-window budget. The hot path never waits: calls and retries are counted
 * here, and every {@link SHARED_BUDGET_SYNC_MS} a background exchange adds them to the fleet's counters and
 * brings back the fleet's totals and this replica's claim (its reserved share of the fleet's headroom). Between
 * exchanges a retry is allowed while `retries since ≤ claim + ratio × calls since`: claims are reserved in the
 * store (and a new claim keeps what the replica could still grant of the old one, up to its fair share), so the
 * fleet as a whole stays within `ratio × calls + one floor`. A failed exchange changes nothing: the replica goes
 * on with the claim it has. Without a claim younger than {@link CLAIM_USE_MS} (no exchange yet, or none
 * succeeded for that long) {@link allows} answers `undefined` and the budget decides on its local counters, as
 * an unshared one does.
 */
export class FleetBudgetView {
  private readonly counters: SharedRetryBudgetCounters;
  private readonly ratio: number;
  private totalCalls = 0;
  private totalRetries = 0;
  /** Counts not yet acknowledged by the store, forgotten as they leave the window. */
  private readonly unsynced: RollingCounter;
  /** Counts since the report the current totals answer was sent. */
  private since = [0, 0];
  /** Counts made while an exchange is in flight. */
  private during: number[] | undefined;
  private syncing: Promise<boolean> | undefined;
  private totals: FleetRetryBudgetTotals | undefined;
  private syncedAt = 0;
  private syncs = 0;
  private failedSyncs = 0;
  private disposed = false;
  private readonly timer: ReturnType<typeof setInterval>;
  private readonly stopReconnect: () => void;

  constructor(
    name: string,
    config: FleetBudgetViewConfig,
    private readonly now: Clock,
  ) {
    const { ratio, minPerSecond, windowMs, buckets } = config;
    this.ratio = ratio;
    this.unsynced = new RollingCounter(windowMs, buckets, 2, now);
    this.counters = config.shared.retryBudget(name, {
      ratio,
      floor: (minPerSecond * windowMs) / 1000,
      windowMs,
      buckets,
      holdMs: CLAIM_HOLD_MS,
    });
    // A tick while an exchange is in flight is skipped (a slow store gets one exchange at a time).
    this.timer = setInterval(() => {
      if (this.syncing === undefined) void this.sync();
    }, SHARED_BUDGET_SYNC_MS);
    unrefTimer(this.timer);
    // Back from an outage: exchange at once (the counts of the outage still in the window are pushed).
    this.stopReconnect = this.counters.onReconnect(() => void this.sync());
    void this.sync();
  }

  /** Counts a logical call. */
  onCall(): void {
    this.count(CALLS);
  }

  /** Counts a granted retry (whoever decided it). */
  onRetry(): void {
    this.count(RETRIES);
  }

  /** Whether the fleet allows one more retry now; `undefined` without a fresh claim (decide locally). */
  allows(): boolean | undefined {
    const totals = this.fresh();
    return totals === undefined ? undefined : this.remaining(totals) >= 1 - EPSILON;
  }

  /** The fleet's figures, or `undefined` without a fresh exchange (the budget reports its local ones). */
  figures(): FleetBudgetFigures | undefined {
    const totals = this.fresh();
    if (totals === undefined) return undefined;
    return { requests: totals.calls + this.since[CALLS]!, retries: totals.retries + this.since[RETRIES]! };
  }

  status(): SharedRetryBudgetStatus {
    const totals = this.fresh();
    const base = { syncs: this.syncs, failedSyncs: this.failedSyncs };
    if (totals === undefined) return base;
    const left = Math.max(0, Math.floor(this.remaining(totals) + EPSILON));
    return { ...base, replicas: totals.replicas, replicaAvailable: left };
  }

  /**
   * @internal Exchanges with the fleet now, reporting every count made so far (the timer does it every
   * {@link SHARED_BUDGET_SYNC_MS}): after the exchange in flight, if there is one, since that one may have left
   * before the latest counts. Resolves whether the exchange succeeded. Never rejects.
   */
  sync(): Promise<boolean> {
    if (this.disposed) return Promise.resolve(false);
    const previous = this.syncing;
    const next = (previous === undefined ? this.exchange() : previous.then(() => this.exchange())).finally(
      () => {
        if (this.syncing === next) this.syncing = undefined;
      },
    );
    this.syncing = next;
    return next;
  }

  /** Stops the timer and leaves the fleet. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    clearInterval(this.timer);
    this.stopReconnect();
    this.counters.dispose();
  }

  private count(field: number): void {
    if (field === CALLS) this.totalCalls++;
    else this.totalRetries++;
    this.unsynced.add(field);
    this.since[field]!++;
    if (this.during !== undefined) this.during[field]!++;
  }

  /** What this replica may still grant of its claim: `claim + ratio × calls since − retries since`. */
  private remaining(totals: FleetRetryBudgetTotals): number {
    return totals.claim + this.ratio * this.since[CALLS]! - this.since[RETRIES]!;
  }

  private fresh(): FleetRetryBudgetTotals | undefined {
    const totals = this.totals;
    return totals !== undefined && this.now() - this.syncedAt < CLAIM_USE_MS ? totals : undefined;
  }

  private async exchange(): Promise<boolean> {
    if (this.disposed) return false;
    const during = [0, 0];
    this.during = during;
    const sentAt = this.now();
    const known = this.fresh();
    let totals: FleetRetryBudgetTotals | undefined;
    try {
      totals = await this.counters.exchange({
        totalCalls: this.totalCalls,
        totalRetries: this.totalRetries,
        unsyncedCalls: this.unsynced.total(CALLS),
        unsyncedRetries: this.unsynced.total(RETRIES),
        remaining: known === undefined ? 0 : Math.max(0, Math.floor(this.remaining(known) + EPSILON)),
      });
    } catch {
      totals = undefined;
    }
    this.during = undefined;
    if (this.disposed) return false;
    if (!trusted(totals)) {
      // The claim heard last stays in use (reserved for CLAIM_HOLD_MS); what was not acknowledged is pushed later.
      this.failedSyncs++;
      return false;
    }
    this.syncs++;
    this.totals = totals;
    this.syncedAt = sentAt;
    this.since = during;
    this.unsynced.reset();
    this.unsynced.add(CALLS, during[CALLS]);
    this.unsynced.add(RETRIES, during[RETRIES]);
    return true;
  }
}
