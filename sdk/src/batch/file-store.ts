import { constants } from 'node:buffer';
import { access, mkdir, readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { describeValue, OptionsValidator } from '../util/validate.js';
import { fsyncDirectory, isTempFileOf, writeFileAtomic } from './atomic-write.js';
import { AuditLog } from './audit-log.js';
import { batchIdProblem } from './batch-id.js';
import { CommitQueue } from './commit-queue.js';
import { BatchStateCorruptError } from './errors.js';
import { acquireFileLock, type FileLock } from './file-lock.js';
import { parseBatchState } from './state.js';
import type {
  BatchAuditRecord,
  BatchState,
  BatchStore,
  BatchStoreOpenContext,
  BatchStoreSession,
} from './types.js';

/** Options of {@link createFileBatchStore}. */
export interface FileBatchStoreOptions {
  /** Directory of the batch files; created when missing. */
  readonly dir: string;
}

/** The files of one batch in a file store. */
export interface FileBatchStorePaths {
  /** `<dir>/<batchId>.json`: the state, replaced atomically on every commit. */
  readonly state: string;
  /** `<dir>/<batchId>.json.lock`: `{ pid, hostname, acquiredAt, … }` of the process that has the batch open. */
  readonly lock: string;
  /** `<dir>/<batchId>.audit.jsonl`: one JSON line per attempt, breaker trip and manual action. */
  readonly audit: string;
}

/** Where a file store keeps the files of `batchId` (the id is not validated here). */
export function fileBatchStorePaths(dir: string, batchId: string): FileBatchStorePaths {
  const state = join(resolve(dir), `${batchId}.json`);
  return { state, lock: `${state}.lock`, audit: join(resolve(dir), `${batchId}.audit.jsonl`) };
}

/** `2024-06-01T12:00:00.123Z` → `20240601T120000123Z` (safe in file names everywhere). */
const fileStamp = (date: Date): string => date.toISOString().replace(/[-:.]/g, '');

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** Moves a corrupt state file aside to `<file>.corrupt-<timestamp>[-n]`, never overwriting an earlier one. */
async function moveAside(path: string): Promise<string> {
  const base = `${path}.corrupt-${fileStamp(new Date())}`;
  let target = base;
  for (let n = 1; await exists(target); n++) target = `${base}-${n}`;
  await rename(path, target);
  return target;
}

async function loadState(
  paths: FileBatchStorePaths,
  batchId: string,
  context: BatchStoreOpenContext,
): Promise<BatchState | undefined> {
  let text: string;
  try {
    const { size } = await stat(paths.state);
    if (size > constants.MAX_STRING_LENGTH) {
      throw new BatchStateCorruptError(paths.state, `${size} bytes, more than this process can load`, {
        hint: 'The file was left in place: inspect it, or move it away to start the batch over',
      });
    }
    text = await readFile(paths.state, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const check = parseBatchState(text, batchId);
  if (check.ok) return check.state;
  if (check.newer) {
    throw new BatchStateCorruptError(paths.state, check.problem, {
      hint: 'The file was left in place; upgrade agent-resilience or use another batch id',
    });
  }
  if (context.onCorrupt === 'fail') {
    throw new BatchStateCorruptError(paths.state, check.problem, {
      hint: "The file was left in place: inspect or move it, or open the batch with onCorrupt: 'start-fresh' to move it aside to <file>.corrupt-<timestamp> and start over",
    });
  }
  const movedTo = await moveAside(paths.state);
  await fsyncDirectory(dirname(paths.state));
  context.report({ type: 'state_corrupt', path: paths.state, movedTo, problem: check.problem });
  return undefined;
}

/** Deletes temporary files a crash left behind (we hold the lock, so no writer of this batch is running). */
async function removeTempFiles(dir: string, stateFile: string): Promise<void> {
  for (const name of await readdir(dir)) {
    if (isTempFileOf(stateFile, name)) await unlink(join(dir, name)).catch(() => {});
  }
}

class FileSession implements BatchStoreSession {
  private latest: BatchState | undefined;
  private closing: Promise<void> | undefined;
  private readonly queue = new CommitQueue<BatchAuditRecord>(records => this.write(records));

  constructor(
    readonly state: BatchState | undefined,
    private readonly paths: FileBatchStorePaths,
    private readonly lock: FileLock,
    private readonly audit: AuditLog,
  ) {}

  commit(state: BatchState, records: readonly BatchAuditRecord[]): Promise<void> {
    if (this.closing !== undefined) return Promise.reject(new Error(`${this.paths.state} is closed`));
    this.latest = state;
    return this.queue.submit(records);
  }

  /**
   * One group commit: check that the lock is still ours (a process that lost it, say to an operator who deleted
   * it and another process that then took the batch, must not write), then the audit lines (fdatasync), then the
   * state (atomic replace).
   */
  private async write(records: BatchAuditRecord[]): Promise<void> {
    const text = `${JSON.stringify(this.latest, null, 2)}\n`;
    await this.lock.verify();
    await this.audit.append(records);
    await writeFileAtomic(this.paths.state, text);
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      try {
        await this.queue.idle();
        await this.audit.close();
      } finally {
        await this.lock.release();
      }
    })();
    return this.closing;
  }
}

/**
 * The default store: one JSON state file per batch, replaced atomically on every commit (temp file in the same
 * directory, fsync, rename, fsync of the directory), plus a JSON-lines audit log fdatasync'ed before each state
 * write, and a lock file that keeps a second process (or a second manager in this one) off the batch.
 * Concurrent commits are serialised and grouped into one write.
 *
 * @example
 * const store = createFileBatchStore({ dir: './state/batches' });
 */
export function createFileBatchStore(options: FileBatchStoreOptions): BatchStore {
  const v = new OptionsValidator('createFileBatchStore');
  const o = v.object('options', options, ['dir']);
  if (typeof o.dir !== 'string' || o.dir.length === 0 || o.dir.includes('\0')) {
    v.fail('dir', 'a non-empty directory path', o.dir, typeof o.dir !== 'string');
  }
  v.done();
  const dir = resolve(o.dir as string);
  return {
    async open(batchId, context) {
      const problem = batchIdProblem(batchId);
      if (problem !== undefined) {
        throw new RangeError(
          `batchId must be a safe file-name id (${problem}), got ${describeValue(batchId)}`,
        );
      }
      const paths = fileBatchStorePaths(dir, batchId);
      await mkdir(dir, { recursive: true });
      const lock = await acquireFileLock(paths.lock, paths.state, holder =>
        context.report({ type: 'stale_lock_recovered', path: paths.lock, holder }),
      );
      try {
        await removeTempFiles(dir, basename(paths.state));
        const state = await loadState(paths, batchId, context);
        const audit = await AuditLog.open(paths.audit);
        if (audit.droppedBytes > 0) {
          context.report({ type: 'audit_log_repaired', path: paths.audit, droppedBytes: audit.droppedBytes });
        }
        return new FileSession(state, paths, lock, audit);
      } catch (error) {
        await lock.release();
        throw error;
      }
    },
  };
}
