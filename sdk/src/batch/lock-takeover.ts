import { readdir, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { createLockFile, type ExistingLock, type LockContent, readExistingLock } from './lock-file.js';
import { isDead } from './lock-liveness.js';

/** An unparseable or empty lock (or takeover) file older than this was left by a crash between create and write. */
const UNREADABLE_STALE_MS = 10_000;

/** Takers that may have died one after the other in the middle of one takeover before we give up. */
const MAX_TAKERS = 8;

/** Prefix of the takeover files of `lockPath`: `<lock>.takeover-<identity of the lock taken over>.<n>`. */
const takeoverPrefix = (lockPath: string): string => `${lockPath}.takeover-`;

/**
 * Whether `name` (a file name) is a takeover file of `lockPath`, of the lock `identity` when given: exactly
 * `<lock>.takeover-<identity>.<n>`, never a file that merely starts so (another batch's id may hold `.takeover-`).
 */
export function isTakeoverFile(lockPath: string, name: string, identity?: string): boolean {
  const prefix = basename(takeoverPrefix(lockPath));
  if (!name.startsWith(prefix)) return false;
  const rest = name.slice(prefix.length);
  if (identity === undefined) return /^[A-Za-z0-9_-]+\.\d+$/.test(rest);
  return rest.startsWith(`${identity}.`) && /^\d+$/.test(rest.slice(identity.length + 1));
}

/** Whether the process that wrote a lock or takeover file is gone (an unreadable file: once 10 s old). */
export function isAbandoned(existing: Exclude<ExistingLock, { kind: 'missing' }>): boolean {
  return existing.kind === 'holder' ? isDead(existing.holder) : existing.ageMs >= UNREADABLE_STALE_MS;
}

/** What {@link removeAbandonedLock} did. */
export type TakeoverResult =
  /** It deleted the abandoned lock: create the lock again. */
  | { readonly kind: 'removed' }
  /** The abandoned lock was already gone (another taker deleted it): create the lock again. */
  | { readonly kind: 'gone' }
  /** A live process is taking the lock over right now (`taker`, when its file could be read): wait, retry. */
  | { readonly kind: 'busy'; readonly taker: LockContent | undefined };

/** Deletes the files in the lock's directory whose names pass `test`, best effort. */
export async function removeFiles(lockPath: string, test: (name: string) => boolean): Promise<void> {
  const dir = dirname(lockPath);
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (test(name)) await unlink(join(dir, name)).catch(() => {});
  }
}

/**
 * Deletes the abandoned lock at `lockPath` whose identity (its token, as read) is `identity`, serialised with
 * every other process doing the same, so that a takeover never deletes a fresh lock:
 * 1. the taker creates a takeover file for that identity exclusively (`<lock>.takeover-<identity>.0`, holding the
 *    taker's own lock record); whoever fails to create it is `busy`-waiting on a live taker, or finds the lock
 *    `gone` (takeover files are only deleted once the lock they name is gone);
 * 2. holding it, the taker re-reads the lock: only if it still has `identity` does it delete it. No one else may
 *    delete a lock of that identity meanwhile, and identities are never reused, so the check cannot go stale;
 * 3. it deletes the takeover files of that identity (the lock they name is gone now, for good).
 * A taker that died holding its takeover file is abandoned in turn: the next taker creates `….1`, and so on.
 */
export async function removeAbandonedLock(
  lockPath: string,
  identity: string,
  taker: LockContent,
): Promise<TakeoverResult> {
  const prefix = `${takeoverPrefix(lockPath)}${identity}.`;
  for (let n = 0; n < MAX_TAKERS; n++) {
    const path = `${prefix}${n}`;
    if (await createLockFile(path, lockPath, taker)) {
      try {
        const current = await readExistingLock(lockPath);
        if (current.kind === 'missing' || current.identity !== identity) return { kind: 'gone' };
        await unlink(lockPath);
        return { kind: 'removed' };
      } finally {
        await removeFiles(lockPath, name => isTakeoverFile(lockPath, name, identity));
      }
    }
    const other = await readExistingLock(path);
    if (other.kind === 'missing') return { kind: 'gone' };
    if (!isAbandoned(other)) {
      return { kind: 'busy', taker: other.kind === 'holder' ? other.holder : undefined };
    }
  }
  return { kind: 'busy', taker: undefined };
}
