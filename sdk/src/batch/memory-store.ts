import { batchIdProblem } from './batch-id.js';
import { BatchLockedError, BatchStateCorruptError } from './errors.js';
import { parseBatchState } from './state.js';
import type { BatchAuditRecord, BatchState, BatchStore, BatchStoreSession } from './types.js';

/** An in-memory {@link BatchStore}: for tests and for batches that need not survive the process. */
export interface MemoryBatchStore extends BatchStore {
  /** The saved state of `batchId` (a copy), if any. */
  saved(batchId: string): BatchState | undefined;
  /** The audit records of `batchId`, oldest first. */
  auditTrail(batchId: string): readonly BatchAuditRecord[];
  /** Replaces the saved state text of `batchId` (e.g. to simulate corruption in a test). */
  setSavedText(batchId: string, text: string): void;
}

interface Entry {
  text: string | undefined;
  readonly audit: BatchAuditRecord[];
  open: boolean;
}

/**
 * Creates an in-memory store. Sessions are exclusive like the file store's (a second open of the same batch
 * rejects with {@link BatchLockedError}); each commit saves a JSON copy of the state; corrupt saved text is handled
 * per `onCorrupt` (moved to `<batchId>.corrupt-<n>` with `'start-fresh'`).
 */
export function createMemoryBatchStore(): MemoryBatchStore {
  const entries = new Map<string, Entry>();
  const entry = (batchId: string): Entry => {
    let e = entries.get(batchId);
    if (e === undefined) {
      e = { text: undefined, audit: [], open: false };
      entries.set(batchId, e);
    }
    return e;
  };
  return {
    async open(batchId, context): Promise<BatchStoreSession> {
      const problem = batchIdProblem(batchId);
      if (problem !== undefined) throw new RangeError(`batchId must be a safe file-name id (${problem})`);
      const e = entry(batchId);
      const where = `memory:${batchId}`;
      if (e.open)
        throw new BatchLockedError({ statePath: where, lockPath: where, holder: undefined, inProcess: true });
      let state: BatchState | undefined;
      if (e.text !== undefined) {
        const check = parseBatchState(e.text, batchId);
        if (check.ok) state = check.state;
        else if (check.newer || context.onCorrupt === 'fail')
          throw new BatchStateCorruptError(where, check.problem);
        else {
          let n = 1;
          while (entries.has(`${batchId}.corrupt-${n}`)) n++;
          const movedTo = `${batchId}.corrupt-${n}`;
          entries.set(movedTo, { text: e.text, audit: [], open: false });
          e.text = undefined;
          context.report({
            type: 'state_corrupt',
            path: where,
            movedTo: `memory:${movedTo}`,
            problem: check.problem,
          });
        }
      }
      e.open = true;
      let closed = false;
      return {
        state,
        async commit(s, records) {
          if (closed) throw new Error(`${where} is closed`);
          e.text = JSON.stringify(s);
          e.audit.push(...records);
        },
        async close() {
          if (closed) return;
          closed = true;
          e.open = false;
        },
      };
    },
    saved(batchId) {
      const text = entries.get(batchId)?.text;
      if (text === undefined) return undefined;
      const check = parseBatchState(text, batchId);
      return check.ok ? check.state : undefined;
    },
    auditTrail: batchId => [...(entries.get(batchId)?.audit ?? [])],
    setSavedText(batchId, text) {
      entry(batchId).text = text;
    },
  };
}
