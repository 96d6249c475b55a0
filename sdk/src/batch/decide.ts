import type { ClassifiedError } from '../classify/types.js';
import { type BackoffSettings, backoffDelay } from '../policies/backoff.js';
import type { BatchDecisionReason } from '../semconv.js';

/** The limits a decision is checked against. */
export interface BatchLimits {
  readonly maxRetriesPerItem: number;
  readonly maxRetriesTotal: number;
  /** Consecutive failures that trip the breaker; `Infinity` when there is no breaker. */
  readonly breakerThreshold: number;
}

/** Everything a failure decision depends on, taken before the decision is applied. */
export interface FailureFacts {
  readonly retryable: boolean;
  /** Retries already granted to the item. */
  readonly itemRetries: number;
  /** Retries already granted across the batch. */
  readonly totalRetries: number;
  /** The batch was paused before this failure (breaker open or `pause()`). */
  readonly paused: boolean;
  /** The consecutive-failure streak, this failure included. */
  readonly consecutiveFailures: number;
}

/** The outcome of {@link decideFailure}. */
export interface FailureVerdict {
  readonly retry: boolean;
  readonly reason: BatchDecisionReason;
  /** This failure trips the breaker (pauses the batch). */
  readonly trips: boolean;
  /** The item has failed for good. */
  readonly settles: boolean;
}

/**
 * Decides what a failed attempt leads to. Precedence, first match wins:
 * 1. the batch is paused, or this failure trips the breaker → `circuit_breaker_open` (the item stays pending:
 *    the failure may be systemic, so nothing settles while the breaker is open, and no retry is consumed);
 * 2. the error is permanent (`retryable: false`) → `permanent_failure`;
 * 3. the item used its retries → `max_retries_reached`;
 * 4. the batch used its retries → `global_retry_limit_reached`;
 * 5. otherwise → retry, `under_retry_limit`.
 */
export function decideFailure(facts: FailureFacts, limits: BatchLimits): FailureVerdict {
  if (facts.paused) return { retry: false, reason: 'circuit_breaker_open', trips: false, settles: false };
  if (facts.consecutiveFailures >= limits.breakerThreshold) {
    return { retry: false, reason: 'circuit_breaker_open', trips: true, settles: false };
  }
  if (!facts.retryable) return { retry: false, reason: 'permanent_failure', trips: false, settles: true };
  if (facts.itemRetries >= limits.maxRetriesPerItem) {
    return { retry: false, reason: 'max_retries_reached', trips: false, settles: true };
  }
  if (facts.totalRetries >= limits.maxRetriesTotal) {
    return { retry: false, reason: 'global_retry_limit_reached', trips: false, settles: true };
  }
  return { retry: true, reason: 'under_retry_limit', trips: false, settles: false };
}

/** Backoff settings plus the Retry-After cap. */
export interface BatchDelaySettings extends BackoffSettings {
  readonly maxRetryAfterMs: number;
}

/**
 * Wait before an item's retry number `retry` (0 = its first retry): the larger of the backoff and the error's
 * Retry-After (capped at `maxRetryAfterMs`), rounded to whole milliseconds. `undefined` settings: no wait.
 */
export function retryDelayMs(
  retry: number,
  previousMs: number,
  error: ClassifiedError,
  settings: BatchDelaySettings | undefined,
  random: () => number,
): number {
  if (settings === undefined) return 0;
  const backoff = backoffDelay(retry, previousMs, settings, random);
  const retryAfter = Math.min(error.retryAfterMs ?? 0, settings.maxRetryAfterMs);
  return Math.round(Math.max(backoff, retryAfter));
}

/**
 * What is left of the wait before a retry due at `retryAt` (a saved ISO date), at `now`. A saved date is not
 * trusted: the wait never exceeds the longest delay `settings` can decide, and is 0 with no settings (no waits).
 */
export function remainingWaitMs(
  retryAt: string | undefined,
  settings: BatchDelaySettings | undefined,
  now: number,
): number {
  const due = retryAt === undefined ? Number.NaN : Date.parse(retryAt);
  if (settings === undefined || !Number.isFinite(due)) return 0;
  const longest = Math.max(settings.maxDelayMs, settings.maxRetryAfterMs);
  return Math.min(Math.max(0, Math.ceil(due - now)), longest);
}
