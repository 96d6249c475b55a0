import { safely } from '../util/safely.js';
import { BatchClosedError, BatchStoreError } from './errors.js';
import type { BatchAuditRecord, BatchEvent, BatchState, BatchStoreSession } from './types.js';

/**
 * The durable side of a batch manager: saves the state with its audit records through the store session, tells
 * listeners once a change is durable, and stops for good after a failed write (fail-stop).
 */
export class BatchJournal {
  private failure: BatchStoreError | undefined;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly batchId: string,
    private readonly name: string,
    private readonly session: BatchStoreSession,
    readonly state: BatchState,
    private readonly onEvent: ((event: BatchEvent) => void) | undefined,
    /** Called once when the journal stops, with the reason (a closed batch or a failed write). */
    private readonly onStop: (error: Error) => void,
  ) {}

  /** Throws when the batch can no longer change: closed, or stopped by a failed write. */
  assertUsable(): void {
    if (this.failure !== undefined) throw this.failure;
    if (this.closing !== undefined) throw new BatchClosedError(this.batchId);
  }

  /** Why the batch can no longer change, if it cannot. */
  get unusable(): Error | undefined {
    return this.failure ?? (this.closing === undefined ? undefined : new BatchClosedError(this.batchId));
  }

  /** An audit record of `type` stamped now. */
  record(type: string, fields: Record<string, unknown>): BatchAuditRecord {
    return { ts: new Date().toISOString(), batchId: this.batchId, type, ...fields };
  }

  /** Saves the current state and `records`; emits `events` once durable. A failed write stops the journal. */
  async persist(records: BatchAuditRecord[], events: readonly BatchEvent[]): Promise<void> {
    this.state.revision++;
    this.state.updatedAt = new Date().toISOString();
    try {
      await this.session.commit(this.state, records);
    } catch (error) {
      throw this.stop(error);
    }
    for (const event of events) this.emit(event);
  }

  /** Waits for pending writes, records `closed` and closes the session. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      try {
        if (this.failure === undefined) await this.session.commit(this.state, [this.record('closed', {})]);
      } catch {
        // a failed write was reported to the caller that made it
      } finally {
        this.onStop(new BatchClosedError(this.batchId));
        await this.session.close();
      }
    })();
    return this.closing;
  }

  private stop(error: unknown): BatchStoreError {
    if (this.failure === undefined) {
      this.failure = BatchStoreError.isInstance(error) ? error : new BatchStoreError(this.batchId, error);
      this.onStop(this.failure);
      this.emit({ type: 'store_failed', error: this.failure });
    }
    return this.failure;
  }

  emit(event: BatchEvent): void {
    const listener = this.onEvent;
    if (listener !== undefined) safely(`batch "${this.name}" onEvent listener`, () => listener(event));
  }
}
