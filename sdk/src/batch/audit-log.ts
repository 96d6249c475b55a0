import { open, readFile } from 'node:fs/promises';

type Handle = Awaited<ReturnType<typeof open>>;

const NEWLINE = 0x0a;
const CHUNK = 64 * 1024;

/**
 * Cuts an unterminated last line (a record torn by a crash in the middle of an append) off the file, so the next
 * append starts on a fresh line and every line before it stays parseable. Returns the bytes dropped.
 */
async function dropTornTail(handle: Handle): Promise<number> {
  const { size } = await handle.stat();
  if (size === 0) return 0;
  const buffer = Buffer.alloc(Math.min(CHUNK, size));
  let end = size;
  while (end > 0) {
    const start = Math.max(0, end - buffer.length);
    const { bytesRead } = await handle.read(buffer, 0, end - start, start);
    const newline = buffer.subarray(0, bytesRead).lastIndexOf(NEWLINE);
    if (newline !== -1) {
      const keep = start + newline + 1;
      if (keep === size) return 0;
      await handle.truncate(keep);
      await handle.sync();
      return size - keep;
    }
    end = start;
  }
  await handle.truncate(0);
  await handle.sync();
  return size;
}

/**
 * An append-only JSON-lines file: one JSON object per line, appended with one write per batch of records and
 * fdatasync'ed before `append` resolves. A crash can tear only the last line; `open` drops such a torn tail.
 */
export class AuditLog {
  private constructor(
    private readonly handle: Handle,
    /** Bytes of a torn last line dropped when opening. */
    readonly droppedBytes: number,
  ) {}

  /** Opens (creating) the log at `path` and drops a torn last line. */
  static async open(path: string): Promise<AuditLog> {
    const repair = await open(path, 'a+');
    let dropped: number;
    try {
      dropped = await dropTornTail(repair);
    } finally {
      await repair.close();
    }
    return new AuditLog(await open(path, 'a'), dropped);
  }

  /** Appends `records` (one line each) and waits until they are on disk. */
  async append(records: readonly unknown[]): Promise<void> {
    if (records.length === 0) return;
    let text = '';
    for (const record of records) text += `${JSON.stringify(record)}\n`;
    await this.handle.appendFile(text, 'utf8');
    await this.handle.datasync();
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}

/** Records of an audit log and whether its last line was torn (unterminated and unparseable), which is tolerated. */
export interface AuditLogContents {
  readonly records: Record<string, unknown>[];
  readonly tornTail: boolean;
}

/**
 * Reads a JSON-lines audit log. Every complete line must parse; an unterminated last line that does not parse is
 * reported as `tornTail` (a crash in the middle of an append) rather than as an error.
 */
export async function readBatchAuditLog(path: string): Promise<AuditLogContents> {
  const text = await readFile(path, 'utf8');
  const lines = text.split('\n');
  const last = lines.pop() ?? '';
  const records = lines.map((line, i) => {
    try {
      return JSON.parse(line) as Record<string, unknown>;
    } catch (error) {
      throw new SyntaxError(`${path}:${i + 1}: ${(error as Error).message}`);
    }
  });
  if (last === '') return { records, tornTail: false };
  try {
    records.push(JSON.parse(last) as Record<string, unknown>);
    return { records, tornTail: false };
  } catch {
    return { records, tornTail: true };
  }
}
