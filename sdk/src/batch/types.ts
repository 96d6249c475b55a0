import type { ClassifiedError, Classifier } from '../classify/types.js';
import type { Jitter } from '../policies/backoff.js';
import type { BatchDecisionReason, BatchItemOutcome, ErrorCategory } from '../semconv.js';
import type { BatchLockHolder } from './errors.js';

// ---------------------------------------------------------------------------------------------------------------
// Durable state (what a store saves; version 1)

/** Where an item stands. `retrying`: granted a retry that has not run yet. */
export type BatchItemStatus = 'pending' | 'retrying' | 'succeeded' | 'failed';

/** The last failure of an item, as saved: no original error, only its redacted classification. */
export interface BatchItemError {
  readonly category: ErrorCategory;
  readonly errorType: string;
  readonly retryable: boolean;
  /** Redacted, one line, at most 512 characters. */
  readonly message: string;
  readonly statusCode?: number;
}

/** Saved state of one item. */
export interface BatchItemState {
  status: BatchItemStatus;
  /** Attempts recorded (successes and failures). */
  attempts: number;
  /** Retries granted. */
  retries: number;
  /** Reason of the last decision, if any. */
  lastReason?: BatchDecisionReason;
  lastError?: BatchItemError;
  /** When the retry granted last may run (ISO 8601): the decided wait, kept across runs and restarts. */
  retryAt?: string;
  /** ISO 8601. */
  updatedAt: string;
}

/** Saved state of a batch. Plain JSON; `items` has a null prototype. */
export interface BatchState {
  version: 1;
  batchId: string;
  /** Telemetry name (may change between runs). */
  name: string;
  createdAt: string;
  updatedAt: string;
  /** Incremented on every change. */
  revision: number;
  status: 'running' | 'paused';
  /** Why the batch is paused: the consecutive-failure breaker, or `pause()`. */
  pausedBy?: 'breaker' | 'manual';
  totalAttempts: number;
  totalRetries: number;
  consecutiveFailures: number;
  breakerTrips: number;
  items: Record<string, BatchItemState>;
}

// ---------------------------------------------------------------------------------------------------------------
// Stores

/** One line of the audit log: a timestamp, the batch, a type and type-specific fields. Messages are redacted. */
export interface BatchAuditRecord {
  readonly ts: string;
  readonly batchId: string;
  readonly type: string;
  readonly [field: string]: unknown;
}

/** Something a store noticed while opening a batch; the manager reports it as an event and an audit record. */
export type BatchStoreEvent =
  | {
      readonly type: 'state_corrupt';
      readonly path: string;
      readonly movedTo: string;
      readonly problem: string;
    }
  | {
      readonly type: 'stale_lock_recovered';
      readonly path: string;
      /** The dead holder, when the lock file could be read. */
      readonly holder: BatchLockHolder | undefined;
    }
  | { readonly type: 'audit_log_repaired'; readonly path: string; readonly droppedBytes: number };

/** What {@link BatchStore.open} receives. */
export interface BatchStoreOpenContext {
  /** What to do with saved state that cannot be used. */
  readonly onCorrupt: 'fail' | 'start-fresh';
  /** Reports what the store noticed while opening. */
  readonly report: (event: BatchStoreEvent) => void;
}

/** An open batch in a store: it holds the batch exclusively until `close()`. */
export interface BatchStoreSession {
  /** The saved state, or `undefined` for a new batch. */
  readonly state: BatchState | undefined;
  /**
   * Durably saves `state` as it is at some moment at or after the call (the manager keeps mutating the same
   * object; a store may coalesce concurrent commits into one write) and appends `records` to the audit trail,
   * in order. Resolves only once both are durable.
   */
  commit(state: BatchState, records: readonly BatchAuditRecord[]): Promise<void>;
  /** Waits for pending commits and releases the batch. */
  close(): Promise<void>;
}

/**
 * Where batches are saved. {@link createFileBatchStore} is the default; implement this for a database. `open`
 * must give exclusive access (one session per batch id at a time, across processes) or reject.
 */
export interface BatchStore {
  open(batchId: string, context: BatchStoreOpenContext): Promise<BatchStoreSession>;
}

// ---------------------------------------------------------------------------------------------------------------
// Options

/** Consecutive-failure breaker: after this many failures in a row the batch pauses until `resume()`. */
export interface BatchBreakerOptions {
  /** Failures in a row (of `failureCategories`) that pause the batch. @default 5 */
  readonly consecutiveFailures?: number;
  /**
   * Categories that count as failures for the breaker; others (validation, not_found, cancelled, …) neither
   * count nor reset the streak. A success resets it. @default BATCH_RETRY_DEFAULTS.breaker.failureCategories
   */
  readonly failureCategories?: readonly ErrorCategory[];
}

/** Wait before each retry: exponential backoff with jitter, or the server's Retry-After when longer. */
export interface BatchBackoffOptions {
  /** Base delay of an item's first retry, in ms. @default 500 */
  readonly initialDelayMs?: number;
  /** Cap of the backoff delay, in ms. @default 30000 */
  readonly maxDelayMs?: number;
  /** Growth per retry of the same item. @default 2 */
  readonly multiplier?: number;
  /** @default 'full' */
  readonly jitter?: Jitter;
  /** Cap of a Retry-After wait, in ms. @default 60000 */
  readonly maxRetryAfterMs?: number;
}

/** Options of {@link createBatchRetryManager}. */
export interface BatchRetryManagerOptions {
  /** Telemetry name (the batch label of the batch metrics), `[A-Za-z0-9_.:-]{1,64}`. Reused across runs of a job. */
  readonly name: string;
  /** Identity of this batch's durable state (a file name for the file store): `[A-Za-z0-9._-]{1,128}`, no `..`. */
  readonly batchId: string;
  /** Where state and audit log live. @default createFileBatchStore({ dir: '.agent-resilience/batches' }) */
  readonly store?: BatchStore;
  /** Retries per item after its first attempt. @default 3 */
  readonly maxRetriesPerItem?: number;
  /** Retries across the whole batch (over all runs of it). @default Infinity */
  readonly maxRetriesTotal?: number;
  /** Consecutive-failure breaker, or `false` for none. @default { consecutiveFailures: 5 } */
  readonly breaker?: BatchBreakerOptions | false;
  /** Wait between retries, or `false` for none (Retry-After ignored too). @default { initialDelayMs: 500, … } */
  readonly backoff?: BatchBackoffOptions | false;
  /** Decides whether a failure is transient (`retryable`) or permanent. @default classifyError */
  readonly classifier?: Classifier;
  /** Saved state that cannot be used: `'fail'` leaves it in place and throws; `'start-fresh'` moves it aside. @default 'fail' */
  readonly onCorrupt?: 'fail' | 'start-fresh';
  /** Called after each change is durable. A throw is reported through `diag`, never raised. */
  readonly onEvent?: (event: BatchEvent) => void;
}

// ---------------------------------------------------------------------------------------------------------------
// Decisions and events

/** Options of `BatchRetryManager.recordFailure`. */
export interface BatchFailureOptions {
  /**
   * The caller's signal of the attempt. Once it has aborted the failure is a cancellation, whatever the error or
   * the abort reason (an `AbortSignal.timeout()`, `abort(new Error())`, any object): it is not recorded.
   */
  readonly signal?: AbortSignal;
}

/**
 * The manager's answer to a failed attempt. A cancellation (the caller's signal aborted, or the error says it
 * was cancelled) is no failure: it decides nothing and changes nothing (`cancelled: true`, `retry: false`,
 * reason `cancelled`; the item may be attempted again later as the same attempt).
 */
export interface BatchDecision {
  /** Whether to attempt the item again. */
  readonly retry: boolean;
  /** The attempt was cancelled by the caller: nothing was recorded. */
  readonly cancelled: boolean;
  readonly reason: BatchDecisionReason | 'cancelled';
  readonly itemId: string;
  /** Zero-based number of the attempt that failed. */
  readonly attempt: number;
  /** Retries granted to this item so far, this one included. */
  readonly itemRetries: number;
  readonly maxRetriesPerItem: number;
  /** Retries granted across the batch so far, this one included. */
  readonly totalRetries: number;
  readonly maxRetriesTotal: number;
  /** Wait before the retry, in ms (0 when not retrying). */
  readonly delayMs: number;
  /** True when this very failure tripped the breaker and paused the batch. */
  readonly trippedBreaker: boolean;
  /** The classified failure (redacted message; `cause` is the original error, never saved). */
  readonly error: ClassifiedError;
}

/** Whether an item may be attempted now. */
export type BatchAttemptCheck =
  | {
      readonly allowed: true;
      /** Zero-based number of the attempt to run. */
      readonly attempt: number;
      /** Milliseconds left of the wait decided before this retry (kept across runs and restarts); 0 to go now. */
      readonly waitMs: number;
    }
  | { readonly allowed: false; readonly reason: 'paused' | 'succeeded' | 'failed' };

/** Read-only view of an item. */
export type BatchItemSnapshot = Readonly<BatchItemState> & { readonly itemId: string };

/** Read-only summary of a batch. */
export interface BatchSnapshot {
  readonly batchId: string;
  readonly name: string;
  readonly status: 'running' | 'paused';
  readonly pausedBy: 'breaker' | 'manual' | undefined;
  readonly totalAttempts: number;
  readonly totalRetries: number;
  readonly consecutiveFailures: number;
  readonly breakerTrips: number;
  /** Items by status (items the manager has seen). */
  readonly items: Readonly<Record<BatchItemStatus, number>>;
}

/** What `onEvent` receives, after the change it describes is durable. */
export type BatchEvent =
  | {
      readonly type: 'attempt';
      readonly itemId: string;
      readonly attempt: number;
      readonly outcome: BatchItemOutcome;
      /** The decision, for failures. */
      readonly decision?: BatchDecision;
    }
  | { readonly type: 'breaker_tripped'; readonly consecutiveFailures: number; readonly trips: number }
  | { readonly type: 'paused'; readonly by: 'breaker' | 'manual' }
  | { readonly type: 'resumed' }
  | { readonly type: 'breaker_reset' }
  | { readonly type: 'item_reset'; readonly itemId: string }
  | BatchStoreEvent
  | { readonly type: 'store_failed'; readonly error: Error };
