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
    });
  });

  it('tolerates a torn last line when reading, and drops it when reopening', async () => {
    writeFileSync(path, '{"type":"a"}\n{"type":"b"}\n{"type":"c","mess');
    expect(await readBatchAuditLog(path)).toEqual({
      records: [{ type: 'a' }, { type: 'b' }],
      tornTail: true,
    });
    const log = await AuditLog.open(path);
    expect(log.droppedBytes).toBe('{"type":"c","mess'.length);
    await log.append([{ type: 'd' }]);
    await log.close();
    expect(await readBatchAuditLog(path)).toEqual({
      records: [{ type: 'a' }, { type: 'b' }, { type: 'd' }],
      tornTail: false,
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
});
