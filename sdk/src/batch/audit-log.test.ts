import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuditLog, readBatchAuditLog } from './audit-log.js';

describe('AuditLog', () => {
  let dir: string;
  let path: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'batch-audit-'));
    path = join(dir, 'b.audit.jsonl');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('appends one JSON line per record and reads them back', async () => {
    const log = await AuditLog.open(path);
    await log.append([{ type: 'a', n: 1 }]);
    await log.append([]);
    await log.append([{ type: 'b', text: 'line\nbreak' }, { type: 'c' }]);
    await log.close();
    expect(readFileSync(path, 'utf8').split('\n')).toHaveLength(4);
    expect(await readBatchAuditLog(path)).toEqual({
      records: [{ type: 'a', n: 1 }, { type: 'b', text: 'line\nbreak' }, { type: 'c' }],
      tornTail: false,
      duplicates: 0,
    });
  });

  it('tolerates a torn last line when reading, and drops it when reopening', async () => {
    writeFileSync(path, '{"type":"a"}\n{"type":"b"}\n{"type":"c","mess');
    expect(await readBatchAuditLog(path)).toEqual({
      records: [{ type: 'a' }, { type: 'b' }],
      tornTail: true,
      duplicates: 0,
    });
    const log = await AuditLog.open(path);
    expect(log.droppedBytes).toBe('{"type":"c","mess'.length);
    await log.append([{ type: 'd' }]);
    await log.close();
    expect(await readBatchAuditLog(path)).toEqual({
      records: [{ type: 'a' }, { type: 'b' }, { type: 'd' }],
      tornTail: false,
      duplicates: 0,
    });
  });

  it('drops a torn line longer than its read chunk, and a file that is all torn', async () => {
    writeFileSync(path, `{"type":"a"}\n{"x":"${'y'.repeat(200_000)}`);
    const big = await AuditLog.open(path);
    await big.close();
    expect(big.droppedBytes).toBeGreaterThan(200_000);
    expect(readFileSync(path, 'utf8')).toBe('{"type":"a"}\n');
    writeFileSync(path, '{"torn');
    const log = await AuditLog.open(path);
    await log.close();
    expect(log.droppedBytes).toBe(6);
    expect(readFileSync(path, 'utf8')).toBe('');
  });

  it('rejects a corrupt line in the middle: only the last line may be torn', async () => {
    writeFileSync(path, '{"type":"a"}\nnot json\n');
    appendFileSync(path, '{"type":"b"}\n');
    await expect(readBatchAuditLog(path)).rejects.toThrow(`${path}:2:`);
  });

  const lines = (...records: object[]) => records.map(r => `${JSON.stringify(r)}\n`).join('');

  it('returns the last record of an attempt (or breaker trip) logged twice, and counts the others', async () => {
    writeFileSync(
      path,
      lines(
        { type: 'attempt', itemId: 'a', attempt: 0, outcome: 'failed_transient' },
        { type: 'breaker_trip', trips: 1 },
        // killed here: the state never saw the two records above; the next run makes them again
        { type: 'opened' },
        { type: 'attempt', itemId: 'a', attempt: 0, outcome: 'failed_transient', run: 2 },
        { type: 'breaker_trip', trips: 1, run: 2 },
        { type: 'attempt', itemId: 'a', attempt: 1, outcome: 'succeeded' },
      ),
    );
    expect(await readBatchAuditLog(path)).toEqual({
      records: [
        { type: 'opened' },
        { type: 'attempt', itemId: 'a', attempt: 0, outcome: 'failed_transient', run: 2 },
        { type: 'breaker_trip', trips: 1, run: 2 },
        { type: 'attempt', itemId: 'a', attempt: 1, outcome: 'succeeded' },
      ],
      tornTail: false,
      duplicates: 2,
    });
  });

  it('keeps the attempts of an item before and after resetItem(), which start again at 0', async () => {
    const history = [
      { type: 'attempt', itemId: 'a', attempt: 0, outcome: 'failed_permanent' },
      { type: 'item_reset', itemId: 'a' },
      { type: 'attempt', itemId: 'a', attempt: 0, outcome: 'succeeded' },
      { type: 'attempt', itemId: 'b', attempt: 0, outcome: 'succeeded' },
    ];
    writeFileSync(path, lines(...history));
    expect(await readBatchAuditLog(path)).toEqual({ records: history, tornTail: false, duplicates: 0 });
  });

  it("keeps the attempts before a corrupt state was moved aside: the batch started over ('start-fresh')", async () => {
    const history = [
      { type: 'attempt', itemId: 'a', attempt: 0, outcome: 'failed_transient' },
      { type: 'breaker_trip', trips: 1 },
      { type: 'state_corrupt', path: 'b.json', movedTo: 'b.json.corrupt-1', problem: 'not valid JSON' },
      { type: 'attempt', itemId: 'a', attempt: 0, outcome: 'succeeded' },
      { type: 'breaker_trip', trips: 1 },
    ];
    writeFileSync(path, lines(...history));
    expect(await readBatchAuditLog(path)).toEqual({ records: history, tornTail: false, duplicates: 0 });
  });

  it('reads a log with a 5 MB line and 50,000 short ones, streamed line by line', async () => {
    const big = { type: 'attempt', itemId: 'x', attempt: 0, message: 'y'.repeat(5_000_000) };
    writeFileSync(path, lines(big, ...Array.from({ length: 50_000 }, (_, i) => ({ type: 'n', i }))));
    const { records } = await readBatchAuditLog(path);
    expect(records).toHaveLength(50_001);
    expect((records[0]!.message as string).length).toBe(5_000_000);
  });
});
