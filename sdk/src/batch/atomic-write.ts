import { open, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';

let tempCounter = 0;

/** Name of the temporary file `writeFileAtomic` writes before renaming it over `file`. */
const tempFileName = (file: string): string => `${file}.tmp-${process.pid}-${++tempCounter}`;

/**
 * True for a temporary file left by `writeFileAtomic` for `baseName` (by any process): exactly
 * `<baseName>.tmp-<pid>-<n>`, never a file that merely starts so (another batch's id may hold `.tmp-`).
 */
export function isTempFileOf(baseName: string, candidate: string): boolean {
  const prefix = `${baseName}.tmp-`;
  return candidate.startsWith(prefix) && /^\d+-\d+$/.test(candidate.slice(prefix.length));
}

/**
 * Makes a rename or unlink in `dir` durable by fsyncing the directory. Skipped on Windows (directories cannot be
 * opened there) and tolerated where the file system refuses (EINVAL, EISDIR, EPERM on some network mounts).
 */
export async function fsyncDirectory(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'EISDIR' && code !== 'EPERM' && code !== 'ENOTSUP') throw error;
  } finally {
    await handle.close();
  }
}

/**
 * Replaces `file` with `data` so that a crash at any moment leaves either the old or the new content, never a
 * mix: write a temporary file in the same directory, fsync it, rename it over `file` (atomic on POSIX), fsync the
 * directory (so the rename itself survives a power loss). On failure the temporary file is removed, best effort.
 */
export async function writeFileAtomic(file: string, data: string): Promise<void> {
  const temp = tempFileName(file);
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(temp, 'wx');
    await handle.writeFile(data, 'utf8');
    await handle.sync();
    await handle.close();
    handle = undefined;
    await rename(temp, file);
  } catch (error) {
    await handle?.close().catch(() => {});
    await unlink(temp).catch(() => {});
    throw error;
  }
  await fsyncDirectory(dirname(file));
}
