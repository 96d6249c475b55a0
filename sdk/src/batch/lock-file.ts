import { closeSync, openSync, readSync } from 'node:fs';
import { link, open, unlink } from 'node:fs/promises';
import { basename } from 'node:path';
import type { BatchLockHolder } from './errors.js';

/** What a lock file holds: the holder, when its process started, and a token identifying this acquisition. */
export interface LockContent extends BatchLockHolder {
  /** Epoch ms when the holder's process started: tells a live thread of this process from an old process. */
  readonly processStartedAt: number;
  readonly token: string;
}

/** Tokens we write are UUIDs; a token names takeover files, so a foreign one must be file-name safe (no `.`). */
const TOKEN_PATTERN = /^[A-Za-z0-9-]{1,64}$/;
/** A lock file is a few hundred bytes; anything larger is not ours and is never read whole. */
const MAX_LOCK_BYTES = 4_096;
const isShortString = (v: unknown): v is string => typeof v === 'string' && v.length <= 256;

/** Parses lock file text; `undefined` when it is not a complete, well-formed lock record (never trusted). */
export function parseLock(text: string): LockContent | undefined {
  try {
    const v = JSON.parse(text) as Partial<LockContent> | null;
    if (
      typeof v === 'object' &&
      v !== null &&
      Number.isSafeInteger(v.pid) &&
      (v.pid as number) > 0 &&
      isShortString(v.hostname) &&
      isShortString(v.acquiredAt) &&
      Number.isFinite(v.processStartedAt) &&
      typeof v.token === 'string' &&
      TOKEN_PATTERN.test(v.token)
    ) {
      const { pid, hostname, acquiredAt, processStartedAt, token } = v as LockContent;
      return { pid, hostname, acquiredAt, processStartedAt, token };
    }
  } catch {}
  return undefined;
}

/** Reads of a lock file that another process may be writing right now (O_EXCL fallback only). */
const READ_RETRIES = 5;
const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

/**
 * What is at a lock path. `identity` names one lock file for its whole life (its token; for an unreadable file
 * its inode and mtime): a takeover re-checks it before deleting the file.
 */
export type ExistingLock =
  | { readonly kind: 'missing' }
  | { readonly kind: 'holder'; readonly holder: LockContent; readonly identity: string }
  | { readonly kind: 'unreadable'; readonly ageMs: number; readonly identity: string };

/** The text of a lock file of at most `MAX_LOCK_BYTES` in `buffer`, or `undefined` when it is larger. */
const lockText = (buffer: Buffer, bytesRead: number): string | undefined =>
  bytesRead > MAX_LOCK_BYTES ? undefined : buffer.toString('utf8', 0, bytesRead);

/** The lock record at `path` (for the exit handler, which cannot wait), or `undefined`. */
export function readLockSync(path: string): LockContent | undefined {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(MAX_LOCK_BYTES + 1);
    const text = lockText(buffer, readSync(fd, buffer, 0, buffer.length, 0));
    return text === undefined ? undefined : parseLock(text);
  } finally {
    closeSync(fd);
  }
}

/** The lock record at `path` (read through one handle, at most `MAX_LOCK_BYTES`), or the file's identity. */
async function readOnce(path: string): Promise<ExistingLock> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(MAX_LOCK_BYTES + 1);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    const text = lockText(buffer, bytesRead);
    const holder = text === undefined ? undefined : parseLock(text);
    if (holder !== undefined) return { kind: 'holder', holder, identity: holder.token };
    const { ino, mtimeMs } = await handle.stat();
    const identity = `ino_${ino}_${Math.trunc(mtimeMs)}`; // '_' is never in a token
    return { kind: 'unreadable', ageMs: Date.now() - mtimeMs, identity };
  } finally {
    await handle.close();
  }
}

/** Reads the lock at `path`, retrying briefly while it is empty or partial. */
export async function readExistingLock(path: string): Promise<ExistingLock> {
  for (let i = 0; ; i++) {
    let existing: ExistingLock;
    try {
      existing = await readOnce(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing' };
      throw error;
    }
    if (existing.kind !== 'unreadable' || i >= READ_RETRIES) return existing;
    await sleep(20);
  }
}

/** Error codes of file systems without hard links (FAT, some network and FUSE mounts). */
const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV', 'EMLINK']);

async function writeSynced(path: string, text: string): Promise<void> {
  const handle = await open(path, 'wx');
  try {
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Prefix of the temporary files `createLockFile` links from (`<lock>.new-<pid>-<token>-<n>`). */
const lockTempPrefix = (lockPath: string): string => `${lockPath}.new-`;

/**
 * The pid in the name of a temporary file `createLockFile` wrote for `lockPath` (the file name only), or
 * `undefined` when `name` is not exactly one (another batch's id may hold `.new-`).
 */
export function lockTempPid(lockPath: string, name: string): number | undefined {
  const prefix = basename(lockTempPrefix(lockPath));
  const match = name.startsWith(prefix)
    ? /^(\d+)-[0-9a-f]{8}(?:-\d+)?$/.exec(name.slice(prefix.length))
    : null;
  return match === null ? undefined : Number(match[1]);
}

let tempCounter = 0;

/**
 * Creates `path` (the lock file of `lockPath`, or one of its takeover files) holding `content`, exclusively: false
 * when it already exists. The content is written to a temporary file (`<lock>.new-<pid>-…`) and hard-linked into
 * place; link(2) fails with EEXIST just like open(O_CREAT|O_EXCL), and the file never exists without its content,
 * so a crash cannot leave an empty one behind. Where hard links are unsupported it falls back to
 * open(O_CREAT|O_EXCL) and a write (a crash between the two leaves an empty file, which `acquireFileLock` treats as
 * stale after 10 s).
 */
export async function createLockFile(path: string, lockPath: string, content: LockContent): Promise<boolean> {
  const text = JSON.stringify(content);
  const temp = `${lockTempPrefix(lockPath)}${process.pid}-${content.token.slice(0, 8)}-${++tempCounter}`;
  await writeSynced(temp, text);
  try {
    await link(temp, path);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    if (code === 'EEXIST') return false;
    if (!NO_HARD_LINKS.has(code)) throw error;
  } finally {
    await unlink(temp).catch(() => {});
  }
  try {
    await writeSynced(path, text);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    await unlink(path).catch(() => {});
    throw error;
  }
}
