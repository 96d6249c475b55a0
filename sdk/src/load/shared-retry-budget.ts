/**
 * The port a fleet-wide retry budget talks through (`createRetryBudget(name, { shared })`): the budget keeps
 * deciding on its own counters and, in the background, exchanges them with the fleet's in batches (see
 * `shared-retry-budget-view.ts`); `createRedisCoordinator()` of `agent-resilience/redis` implements it.
 */

/** What the fleet's counters need to know of a sliding-window budget (the same for every replica of a name). */
export interface SharedRetryBudgetSettings {
  /** Retries allowed per logical call. */
  readonly ratio: number;
  /** Retries allowed per window whatever the traffic (`minPerSecond` × window): counted once for the fleet. */
  readonly floor: number;
  readonly windowMs: number;
  readonly buckets: number;
  /**
   * How long the store keeps a replica's claim (and counts the replica) after its last exchange, ms. A replica
   * stops using a claim well before (see `CLAIM_USE_MS`), so a claim is never used after it was released.
   */
  readonly holdMs: number;
}

/**
 * One replica's report: cumulative totals (a report repeated after a lost answer adds nothing), a cap, and what it
 * may still grant of the claim it knows (the store keeps that much reserved for it, up to its fair share, so a
 * replica that never hears the answer, or grants while it is on its way, stays within what the fleet reserved).
 */
export interface RetryBudgetReport {
  /** Logical calls this replica counted since its budget was created. */
  readonly totalCalls: number;
  /** Retries this replica granted since its budget was created. */
  readonly totalRetries: number;
  /**
   * Calls not yet acknowledged by the store and still inside the window: at most this much is added (what a
   * long outage accumulated beyond the window no longer counts).
   */
  readonly unsyncedCalls: number;
  /** Retries not yet acknowledged by the store and still inside the window. */
  readonly unsyncedRetries: number;
  /**
   * Retries this replica may still grant of the last claim it heard (an integer, 0 without one): the new claim
   * is at least this, up to the fair share `⌈headroom / replicas⌉`.
   */
  readonly remaining: number;
}

/** The fleet's figures after an exchange (the reporting replica's report included). */
export interface FleetRetryBudgetTotals {
  /** Logical calls of the whole fleet in the window. */
  readonly calls: number;
  /** Retries the whole fleet granted in the window. */
  readonly retries: number;
  /** Replicas of this budget that exchanged within `holdMs`. */
  readonly replicas: number;
  /**
   * Retries this replica may grant until its next exchange, on top of `ratio` × its calls since, reserved for it:
   * its share of the fleet's headroom (`ratio` × calls + floor − retries − what the other replicas reserved), at
   * most `⌈headroom / replicas⌉`, and at least the `remaining` it reported up to that fair share. (The store
   * keeps the reported `remaining` reserved too until the next exchange: it may be granted before this arrives.)
   */
  readonly claim: number;
}

/** The fleet-wide counters of one retry budget, made by a {@link RetryBudgetCoordinator}. */
export interface SharedRetryBudgetCounters {
  /**
   * One round trip: adds this replica's report to the fleet's counters, claims this replica's share and reads the
   * totals. Resolves `undefined` when the store did not answer in time or answered something not trusted (the
   * budget then decides on its local counters). Should never reject (a rejection is treated as `undefined`).
   */
  exchange(report: RetryBudgetReport): Promise<FleetRetryBudgetTotals | undefined>;
  /** Runs `listener` each time the store answers again after an outage; returns the function that stops. */
  onReconnect(listener: () => void): () => void;
  /** Leaves the fleet (releases this replica's claim); best effort, never throws. */
  dispose(): void;
}

/**
 * What `createRetryBudget(name, { shared })` needs of a fleet coordinator: `createRedisCoordinator()` of
 * `agent-resilience/redis` has it. Called once per budget, with its name and settings.
 */
export interface RetryBudgetCoordinator {
  retryBudget(name: string, settings: SharedRetryBudgetSettings): SharedRetryBudgetCounters;
}

/** Whether `value` can serve as the `shared` option of `createRetryBudget`. */
export function isRetryBudgetCoordinator(value: unknown): value is RetryBudgetCoordinator {
  return typeof (value as Partial<RetryBudgetCoordinator> | null)?.retryBudget === 'function';
}
