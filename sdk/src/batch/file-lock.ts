import { randomUUID } from 'node:crypto';
import { readFileSync, unlinkSync } from 'node:fs';
import { link, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { BatchLockedError, type BatchLockHolder } from './errors.js';
import {
  createLockFile,
  type LockContent,
  lockTempPrefix,
  parseLock,
  readExistingLock,
} from './lock-file.js';

/** When this process started, in epoch ms (stable to well under a second). */
const PROCESS_STARTED_AT = Math.round(Date.now() - process.uptime() * 1000);

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

/** An unparseable or empty lock file older than this is left over from a crash between create and write. */
const UNREADABLE_LOCK_STALE_MS = 10_000;

/** Whether `pid` is a running process (EPERM: it exists but belongs to another user). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** This very process: another worker thread, or a copy of the package that does not share our registry. */
const isThisProcess = (holder: LockContent): boolean =>
  holder.hostname === hostname() &&
  holder.pid === process.pid &&
  Math.abs(holder.processStartedAt - PROCESS_STARTED_AT) < 2_000;

/**
 * Whether a lock found on disk is stale. Only locks of this host can be judged: a lock from another host (a shared
 * volume) is always treated as live. A lock with this process's pid but another start time comes from an earlier
 * process that had the same pid (containers restart as pid 1): stale.
 */
function isStale(holder: LockContent): boolean {
  if (holder.hostname !== hostname()) return false;
  if (holder.pid === process.pid) return !isThisProcess(holder);
  return !isRunning(holder.pid);
}

/** Prefix of stale locks moved aside before deletion (`<lock>.stale-<pid>-<n>`). */
const staleLockPrefix = (lockPath: string): string => `${lockPath}.stale-`;

/**
 * Deletes the temporary and moved-aside lock files that processes killed mid-protocol left (their names carry
 * the pid; only files of dead processes are touched).
 */
async function removeLeftovers(lockPath: string): Promise<void> {
  const prefixes = [lockTempPrefix(lockPath), staleLockPrefix(lockPath)].map(p => basename(p));
  for (const name of await readdir(dirname(lockPath)).catch(() => [] as string[])) {
    const prefix = prefixes.find(p => name.startsWith(p));
    if (prefix === undefined) continue;
    const pid = Number.parseInt(name.slice(prefix.length), 10);
    if (Number.isSafeInteger(pid) && pid !== process.pid && !isRunning(pid)) {
      await unlink(join(dirname(lockPath), name)).catch(() => {});
    }
  }
}

/** Removes a stale lock without ever removing a live one: move it aside, check it is the one judged stale. */
async function removeStale(
  lockPath: string,
  statePath: string,
  stale: LockContent | undefined,
): Promise<boolean> {
  const aside = `${staleLockPrefix(lockPath)}${process.pid}-${randomUUID().slice(0, 8)}`;
  try {
    await rename(lockPath, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
  const moved = parseLock(await readFile(aside, 'utf8').catch(() => ''));
  if (moved === undefined ? stale === undefined : moved.token === stale?.token) {
    await unlink(aside);
    return true;
  }
  // Another process replaced the stale lock in between and we moved ITS lock: put it back unless the slot was
  // taken again, and report that process as the holder.
  await link(aside, lockPath).catch(() => {});
  await unlink(aside).catch(() => {});
  throw new BatchLockedError({
    statePath,
    lockPath,
    holder: moved === undefined ? undefined : publicHolder(moved),
    inProcess: false,
  });
}

const publicHolder = (c: LockContent): BatchLockHolder => ({
  pid: c.pid,
  hostname: c.hostname,
  acquiredAt: c.acquiredAt,
});

/** What `acquireFileLock` reports about a stale lock it removed. */
export type StaleLockReport = (holder: BatchLockHolder | undefined) => void;

/** An exclusive lock on a state file, held until `release()`. */
export interface FileLock {
  readonly path: string;
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
 *   container restart) → stale: the lock is moved aside, checked to be the one judged stale (same token, else it
 *   is put back and the new holder reported), deleted, `onStale` is called, and creation is tried again;
 * - it stays unreadable for over 10 s (the O_EXCL fallback crashed between create and write) → stale too.
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
  try {
    for (let round = 0; round < 5; round++) {
      if (await createLockFile(lockPath, content)) {
        await removeLeftovers(lockPath);
        return track(lockPath, content.token);
      }
      const existing = await readExistingLock(lockPath);
      if (existing.kind === 'missing') continue;
      if (existing.kind === 'unreadable') {
        if (existing.ageMs < UNREADABLE_LOCK_STALE_MS) {
          throw new BatchLockedError({ statePath, lockPath, holder: undefined, inProcess: false });
        }
        if (await removeStale(lockPath, statePath, undefined)) onStale(undefined);
        continue;
      }
      const holder = publicHolder(existing.holder);
      if (!isStale(existing.holder)) {
        throw new BatchLockedError({
          statePath,
          lockPath,
          holder,
          inProcess: isThisProcess(existing.holder),
        });
      }
      if (await removeStale(lockPath, statePath, existing.holder)) onStale(holder);
    }
    throw new BatchLockedError({ statePath, lockPath, holder: undefined, inProcess: false });
  } catch (error) {
    registry.delete(lockPath);
    throw error;
  }
}

function track(lockPath: string, token: string): FileLock {
  let released = false;
  return {
    path: lockPath,
    async release() {
      if (released) return;
      released = true;
      try {
        const current = parseLock(await readFile(lockPath, 'utf8').catch(() => ''));
        if (current?.token === token) await unlink(lockPath).catch(() => {});
      } finally {
        if (registry.get(lockPath)?.token === token) registry.delete(lockPath);
      }
    },
  };
}

function releaseSync(lockPath: string, token: string): void {
  try {
    if (parseLock(readFileSync(lockPath, 'utf8'))?.token === token) unlinkSync(lockPath);
  } catch {}
}
