import { link, open, readFile, stat, unlink } from 'node:fs/promises';
import type { BatchLockHolder } from './errors.js';

/** What a lock file holds: the holder, when its process started, and a token identifying this acquisition. */
export interface LockContent extends BatchLockHolder {
  /** Epoch ms when the holder's process started: tells a live thread of this process from an old process. */
  readonly processStartedAt: number;
  readonly token: string;
}

/** Parses lock file text; `undefined` when it is not a complete lock record. */
export function parseLock(text: string): LockContent | undefined {
  try {
    const v = JSON.parse(text) as Partial<LockContent>;
    if (
      Number.isSafeInteger(v.pid) &&
      typeof v.hostname === 'string' &&
      typeof v.acquiredAt === 'string' &&
      typeof v.processStartedAt === 'number' &&
      typeof v.token === 'string'
    ) {
      return v as LockContent;
    }
  } catch {}
  return undefined;
}

/** Reads of a lock file that another process may be writing right now (O_EXCL fallback only). */
const READ_RETRIES = 5;
const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

/** What is at a lock path. */
export type ExistingLock =
  | { readonly kind: 'missing' }
  | { readonly kind: 'holder'; readonly holder: LockContent }
  | { readonly kind: 'unreadable'; readonly ageMs: number };

/** Reads the lock at `lockPath`, retrying briefly while it is empty or partial. */
export async function readExistingLock(lockPath: string): Promise<ExistingLock> {
  for (let i = 0; ; i++) {
    try {
      const holder = parseLock(await readFile(lockPath, 'utf8'));
      if (holder !== undefined) return { kind: 'holder', holder };
      if (i >= READ_RETRIES)
        return { kind: 'unreadable', ageMs: Date.now() - (await stat(lockPath)).mtimeMs };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing' };
      throw error;
    }
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

/** Prefix of the temporary files `createLockFile` links from (`<lock>.new-<pid>-<n>`). */
export const lockTempPrefix = (lockPath: string): string => `${lockPath}.new-`;

/**
 * Creates `lockPath` holding `content`, exclusively: false when it already exists. The content is written to a
 * temporary file and hard-linked into place; link(2) fails with EEXIST just like open(O_CREAT|O_EXCL), and the
 * lock never exists without its content, so a crash cannot leave an empty lock behind. Where hard links are
 * unsupported it falls back to open(O_CREAT|O_EXCL) and a write (a crash between the two leaves an empty lock,
 * which `acquireFileLock` treats as stale after 10 s).
 */
export async function createLockFile(lockPath: string, content: LockContent): Promise<boolean> {
  const text = JSON.stringify(content);
  const temp = `${lockTempPrefix(lockPath)}${content.pid}-${content.token.slice(0, 8)}`;
  await writeSynced(temp, text);
  try {
    await link(temp, lockPath);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    if (code === 'EEXIST') return false;
    if (!NO_HARD_LINKS.has(code)) throw error;
  } finally {
    await unlink(temp).catch(() => {});
  }
  try {
    await writeSynced(lockPath, text);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    await unlink(lockPath).catch(() => {});
    throw error;
  }
}
