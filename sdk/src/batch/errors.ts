import { redact } from '../classify/redact.js';
import { errorMarker, hasMarker } from '../errors/marker.js';

const BATCH_LOCKED = errorMarker('BatchLockedError');
const BATCH_LOCK_LOST = errorMarker('BatchLockLostError');
const BATCH_STATE_CORRUPT = errorMarker('BatchStateCorruptError');
const BATCH_STORE = errorMarker('BatchStoreError');
const BATCH_CLOSED = errorMarker('BatchClosedError');
const BATCH_ITEM_SETTLED = errorMarker('BatchItemSettledError');

/** Who holds a batch lock, as written in the lock file. */
export interface BatchLockHolder {
  readonly pid: number;
  readonly hostname: string;
  /** When the holder took the lock (ISO 8601). */
  readonly acquiredAt: string;
}

/** What a {@link BatchLockedError} knows. */
export interface BatchLockedDetails {
  /** The state file that is in use. */
  readonly statePath: string;
  /** The lock file guarding it. */
  readonly lockPath: string;
  /** The holder, when the lock file could be read. */
  readonly holder: BatchLockHolder | undefined;
  /** True when another manager in this very process holds the batch. */
  readonly inProcess: boolean;
}

function lockedMessage(d: BatchLockedDetails): string {
  if (d.inProcess) {
    return `Batch state file "${d.statePath}" is already open in this process (pid ${process.pid}); close() the other BatchRetryManager first`;
  }
  if (d.holder === undefined) {
    return `Batch state file "${d.statePath}" is locked: lock file "${d.lockPath}" exists but holds no readable owner; if no process is using this batch, delete the lock file`;
  }
  const h = d.holder;
  return `Batch state file "${d.statePath}" is locked by process ${h.pid} on host "${h.hostname}" since ${h.acquiredAt} (lock file "${d.lockPath}"); stop that process or close its BatchRetryManager, and if no such process is running, delete the lock file`;
}

/** Another manager (in this process or another one) already has the batch open. */
export class BatchLockedError extends Error {
  override readonly name = 'BatchLockedError';
  readonly [BATCH_LOCKED] = true;
  readonly statePath: string;
  readonly lockPath: string;
  readonly holder: BatchLockHolder | undefined;
  readonly inProcess: boolean;

  constructor(details: BatchLockedDetails) {
    super(lockedMessage(details));
    this.statePath = details.statePath;
    this.lockPath = details.lockPath;
    this.holder = details.holder;
    this.inProcess = details.inProcess;
  }

  static isInstance(error: unknown): error is BatchLockedError {
    return hasMarker(error, BATCH_LOCKED);
  }
}

/**
 * The lock of an open batch was taken by someone else or deleted (a stale-lock takeover by a process that thought
 * this one dead, or a hand-deleted lock file): this manager refuses to write, so two processes never both write
 * one batch. Stop the other process, then reopen the batch.
 */
export class BatchLockLostError extends Error {
  override readonly name = 'BatchLockLostError';
  readonly [BATCH_LOCK_LOST] = true;
  readonly statePath: string;
  readonly lockPath: string;

  constructor(statePath: string, lockPath: string, what: string) {
    super(
      `Lost the lock on batch state file "${statePath}": lock file "${lockPath}" ${what}. Another process may be ` +
        'writing this batch, so this one refuses to write; stop the other process, then reopen the batch',
    );
    this.statePath = statePath;
    this.lockPath = lockPath;
  }

  static isInstance(error: unknown): error is BatchLockLostError {
    return hasMarker(error, BATCH_LOCK_LOST);
  }
}

/**
 * The saved state of a batch cannot be used: it does not parse, has the wrong shape, belongs to another batch, or
 * was written by a newer version. With `onCorrupt: 'fail'` the file is left where it is (`movedTo` undefined).
 */
export class BatchStateCorruptError extends Error {
  override readonly name = 'BatchStateCorruptError';
  readonly [BATCH_STATE_CORRUPT] = true;
  /** The state file (or a store-specific location). */
  readonly path: string;
  /** What is wrong with it. */
  readonly problem: string;

  constructor(path: string, problem: string, options?: { cause?: unknown; hint?: string }) {
    super(
      `Batch state "${path}" is unusable: ${problem}${options?.hint === undefined ? '' : `. ${options.hint}`}`,
      {
        cause: options?.cause,
      },
    );
    this.path = path;
    this.problem = problem;
  }

  static isInstance(error: unknown): error is BatchStateCorruptError {
    return hasMarker(error, BATCH_STATE_CORRUPT);
  }
}

/**
 * A write to the batch store failed. The manager stops (fail-stop, as a database does after a failed fsync): this
 * and every later call reject with this error; reopen the batch to continue from the last durable state.
 */
export class BatchStoreError extends Error {
  override readonly name = 'BatchStoreError';
  readonly [BATCH_STORE] = true;
  readonly batchId: string;

  constructor(batchId: string, cause: unknown) {
    // A custom store's error may carry a connection string with a password: only its redacted text is shown.
    const detail = redact(cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause));
    super(
      `Batch "${batchId}" stopped: writing its state failed (${detail}); reopen it to continue from the last durable state`,
      {
        cause,
      },
    );
    this.batchId = batchId;
  }

  static isInstance(error: unknown): error is BatchStoreError {
    return hasMarker(error, BATCH_STORE);
  }
}

/** The manager was closed; open the batch again to use it. */
export class BatchClosedError extends Error {
  override readonly name = 'BatchClosedError';
  readonly [BATCH_CLOSED] = true;
  readonly batchId: string;

  constructor(batchId: string) {
    super(`Batch "${batchId}" is closed`);
    this.batchId = batchId;
  }

  static isInstance(error: unknown): error is BatchClosedError {
    return hasMarker(error, BATCH_CLOSED);
  }
}

/** An attempt was recorded for an item that already succeeded or failed for good; `resetItem()` it first. */
export class BatchItemSettledError extends Error {
  override readonly name = 'BatchItemSettledError';
  readonly [BATCH_ITEM_SETTLED] = true;
  readonly itemId: string;
  readonly status: 'succeeded' | 'failed';

  constructor(batchId: string, itemId: string, status: 'succeeded' | 'failed') {
    super(
      `Item ${JSON.stringify(itemId)} of batch "${batchId}" already ${status}; call resetItem() to attempt it again`,
    );
    this.itemId = itemId;
    this.status = status;
  }

  static isInstance(error: unknown): error is BatchItemSettledError {
    return hasMarker(error, BATCH_ITEM_SETTLED);
  }
}
