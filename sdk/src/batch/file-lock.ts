import { randomUUID } from 'node:crypto';
import { unlinkSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { BatchLockedError, type BatchLockHolder, BatchLockLostError } from './errors.js';
import {
  createLockFile,
  type ExistingLock,
  type LockContent,
  lockTempPid,
  readExistingLock,
  readLockSync,
} from './lock-file.js';
import { isRunning, isThisProcess, PROCESS_STARTED_AT } from './lock-liveness.js';
import { isAbandoned, isTakeoverFile, removeAbandonedLock, removeFiles } from './lock-takeover.js';

/**
 * Locks held (or being taken) by this process, by lock path, shared by every copy of the package loaded in it.
 * One `exit` listener per process releases those still held when the process exits without `close()`.
 */
const REGISTRY_KEY = Symbol.for('agent-resilience.batchLocks');
type Registry = Map<string, LockContent>;
const globals = globalThis as Record<symbol, unknown>;
if (!(globals[REGISTRY_KEY] instanceof Map)) {
  const locks: Registry = new Map();
  globals[REGISTRY_KEY] = locks;
  process.on('exit', () => {
    for (const [path, content] of locks) releaseSync(path, content.token);
  });
}
const registry = globals[REGISTRY_KEY] as Registry;

/** Attempts to create the lock, each after finding it taken (by a dead holder, or mid-takeover). */
const MAX_ROUNDS = 8;
/** Wait before trying again while another process takes an abandoned lock over: 5 ms, doubling, capped. */
const takeoverWaitMs = (round: number): number => Math.min(5 * 2 ** round, 100);
const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

/**
 * Deletes what processes killed in the middle of the protocol left: temporary files of dead processes (their
 * names carry the pid), and every takeover file (we hold the lock, so each names a lock that is gone for good).
 */
async function removeLeftovers(lockPath: string): Promise<void> {
  await removeFiles(lockPath, name => {
    if (isTakeoverFile(lockPath, name)) return true;
    const pid = lockTempPid(lockPath, name);
    return pid !== undefined && Number.isSafeInteger(pid) && pid !== process.pid && !isRunning(pid);
  });
}

const publicHolder = (c: LockContent): BatchLockHolder => ({
  pid: c.pid,
  hostname: c.hostname,
  acquiredAt: c.acquiredAt,
});

/** What `acquireFileLock` reports about an abandoned lock it removed. */
export type StaleLockReport = (holder: BatchLockHolder | undefined) => void;

/** An exclusive lock on a state file, held until `release()`. */
export interface FileLock {
  readonly path: string;
  /**
   * Throws when the lock file no longer holds this lock (deleted, or taken over by another process): the holder
   * must not write then, another process may be writing the same batch.
   */
  verify(): Promise<void>;
  release(): Promise<void>;
}

/**
 * Takes the lock file `lockPath` guarding `statePath`, exclusively across processes and within this one.
 *
 * Protocol: create the lock file exclusively, holding `{ pid, hostname, acquiredAt, processStartedAt, token }`
 * (`createLockFile`: link(2) of a fully written temporary file, which fails with EEXIST like O_CREAT|O_EXCL and
 * never exposes an empty lock). If it exists:
 * - its holder is alive (same host and `kill(pid, 0)` succeeds), or on another host (it cannot be checked from
 *   here), or this very process → {@link BatchLockedError} naming the state file, the lock file and the holder;
 * - its holder is dead (same host, no such pid; or our own pid with another process start time, as after a
 *   container restart), or it stays unreadable for over 10 s (the O_EXCL fallback crashed between create and
 *   write) → abandoned: it is taken over (`removeAbandonedLock`: one taker at a time, which re-checks the lock's
 *   token before deleting it, so a fresh lock is never deleted however many processes race), `onStale` is
 *   called, and creation is tried again. While another live process is taking it over, we wait and try again.
 * A pid reused by an unrelated process makes a stale lock look alive: the error says to delete the lock file.
 */
export async function acquireFileLock(
  lockPath: string,
  statePath: string,
  onStale: StaleLockReport,
): Promise<FileLock> {
  const held = registry.get(lockPath);
  if (held !== undefined) {
    throw new BatchLockedError({ statePath, lockPath, holder: publicHolder(held), inProcess: true });
  }
  const content: LockContent = {
    pid: process.pid,
    hostname: hostname(),
    acquiredAt: new Date().toISOString(),
    processStartedAt: PROCESS_STARTED_AT,
    token: randomUUID(),
  };
  registry.set(lockPath, content); // reserve synchronously: a concurrent open in this process sees it
  const locked = (holder: LockContent | undefined) =>
    new BatchLockedError({
      statePath,
      lockPath,
      holder: holder === undefined ? undefined : publicHolder(holder),
      inProcess: holder !== undefined && isThisProcess(holder),
    });
  try {
    let taker: LockContent | undefined;
    for (let round = 0; round < MAX_ROUNDS; round++) {
      if (await createLockFile(lockPath, lockPath, content)) {
        await removeLeftovers(lockPath);
        return track(lockPath, statePath, content.token);
      }
      const existing = await readExistingLock(lockPath);
      if (existing.kind === 'missing') continue;
      if (!isAbandoned(existing)) throw locked(existing.kind === 'holder' ? existing.holder : undefined);
      const result = await removeAbandonedLock(lockPath, existing.identity, content);
      if (result.kind === 'removed') {
        onStale(existing.kind === 'holder' ? publicHolder(existing.holder) : undefined);
      } else if (result.kind === 'busy') {
        taker = result.taker;
        await sleep(takeoverWaitMs(round));
      }
    }
    throw locked(taker);
  } catch (error) {
    registry.delete(lockPath);
    throw error;
  }
}

/** Why a holder no longer holds its lock, for the error `verify()` throws. */
function lostLockError(statePath: string, lockPath: string, now: ExistingLock): Error {
  const what =
    now.kind === 'missing'
      ? 'was deleted'
      : now.kind === 'unreadable'
        ? 'now holds no readable owner'
        : `now belongs to process ${now.holder.pid} on host "${now.holder.hostname}" (since ${now.holder.acquiredAt})`;
  return new BatchLockLostError(statePath, lockPath, what);
}

function track(lockPath: string, statePath: string, token: string): FileLock {
  let released = false;
  const current = (): Promise<ExistingLock> => readExistingLock(lockPath);
  const ours = (existing: ExistingLock): boolean =>
    existing.kind === 'holder' && existing.holder.token === token;
  return {
    path: lockPath,
    async verify() {
      const existing = await current();
      if (!ours(existing)) throw lostLockError(statePath, lockPath, existing);
    },
    async release() {
      if (released) return;
      released = true;
      try {
        if (ours(await current().catch(() => ({ kind: 'missing' }) as const))) {
          await unlink(lockPath).catch(() => {});
        }
      } finally {
        if (registry.get(lockPath)?.token === token) registry.delete(lockPath);
      }
    },
  };
}

function releaseSync(lockPath: string, token: string): void {
  try {
    if (readLockSync(lockPath)?.token === token) unlinkSync(lockPath);
  } catch {}
}
