import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';

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

/** What {@link readBatchAuditLog} found. */
export interface AuditLogContents {
  /** The records, oldest first, one per attempt (see `duplicates`). */
  readonly records: Record<string, unknown>[];
  /** The last line was torn (unterminated and unparseable: a crash in the middle of an append); it is left out. */
  readonly tornTail: boolean;
  /** Records left out because a later line records the same attempt (or breaker trip) again. */
  readonly duplicates: number;
}

/** Counts the histories a log holds: an item starts over at each `item_reset`, the batch at each `state_corrupt`. */
class Histories {
  private batch = 0;
  private readonly items = new Map<string, number>();

  /**
   * What makes `record` unique where a kill can repeat it, or `undefined`: an attempt is (batch history, item
   * history, item, attempt number); a breaker trip is (batch history, trip number).
   */
  replayKey(record: Record<string, unknown>): string | undefined {
    const { type, itemId } = record;
    if (type === 'state_corrupt') this.batch++;
    if (type === 'item_reset' && typeof itemId === 'string') {
      this.items.set(itemId, (this.items.get(itemId) ?? 0) + 1);
    }
    if (type === 'attempt' && typeof itemId === 'string' && Number.isSafeInteger(record.attempt)) {
      return JSON.stringify([this.batch, this.items.get(itemId) ?? 0, itemId, record.attempt]);
    }
    if (type === 'breaker_trip' && Number.isSafeInteger(record.trips)) {
      return JSON.stringify([this.batch, 'trip', record.trips]);
    }
    return undefined;
  }
}

/** Keeps the LAST record of each replay key (the one the saved state reflects), in log order. */
function dropReplays(records: Record<string, unknown>[]): Record<string, unknown>[] {
  const histories = new Histories();
  const keys = records.map(r => histories.replayKey(r));
  const last = new Map<string, number>();
  keys.forEach((key, i) => {
    if (key !== undefined) last.set(key, i);
  });
  return records.filter((_, i) => keys[i] === undefined || last.get(keys[i]!) === i);
}

/** Calls `onLine` with each `\n`-terminated line of `path` (streamed: linear in the file size, whatever the lines). */
async function forEachLine(path: string, onLine: (line: string) => void): Promise<string> {
  const decoder = new StringDecoder('utf8');
  let pieces: string[] = [];
  for await (const chunk of createReadStream(path)) {
    const text = decoder.write(chunk as Buffer);
    let start = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      pieces.push(text.slice(start, nl));
      onLine(pieces.join(''));
      pieces = [];
      start = nl + 1;
    }
    if (start < text.length) pieces.push(text.slice(start));
  }
  return pieces.join('') + decoder.end();
}

/**
 * Reads a JSON-lines audit log. Every complete line must parse (else a `SyntaxError` naming the line); an
 * unterminated last line that does not parse is reported as `tornTail` (a crash in the middle of an append).
 *
 * A process killed after an attempt's audit line reached the disk but before the state did leaves that attempt
 * in the log only; the next run makes the same attempt (same item, same attempt number) again and logs it again.
 * The log file keeps both lines (it is append-only), but this reader returns only the LAST record of each attempt
 * (and of each breaker trip): the one the saved state reflects. `duplicates` counts the records left out.
 */
export async function readBatchAuditLog(path: string): Promise<AuditLogContents> {
  const records: Record<string, unknown>[] = [];
  const parse = (line: string): Record<string, unknown> => JSON.parse(line) as Record<string, unknown>;
  const last = await forEachLine(path, line => {
    try {
      records.push(parse(line));
    } catch (error) {
      throw new SyntaxError(`${path}:${records.length + 1}: ${(error as Error).message}`);
    }
  });
  let tornTail = false;
  if (last !== '') {
    try {
      records.push(parse(last));
    } catch {
      tornTail = true;
    }
  }
  const kept = dropReplays(records);
  return { records: kept, tornTail, duplicates: records.length - kept.length };
}
