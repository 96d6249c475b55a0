import { constants } from 'node:buffer';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { httpError } from '../test-support/errors.js';
import { readBatchAuditLog } from './audit-log.js';
import { BatchLockedError, BatchStateCorruptError, BatchStoreError } from './errors.js';
import { createFileBatchStore, fileBatchStorePaths } from './file-store.js';
import { createBatchRetryManager } from './manager.js';
import type { BatchEvent, BatchRetryManagerOptions } from './types.js';

/** When set, the state write fails right after the audit lines reached the disk: a kill between the two. */
const crash = vi.hoisted(() => ({ afterAudit: false }));
vi.mock('./atomic-write.js', async importOriginal => {
  const original = await importOriginal<typeof import('./atomic-write.js')>();
  return {
    ...original,
    writeFileAtomic: (file: string, data: string) =>
      crash.afterAudit ? Promise.reject(new Error('killed')) : original.writeFileAtomic(file, data),
  };
});

describe('file store', () => {
  let dir: string;
  let paths: ReturnType<typeof fileBatchStorePaths>;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'batch-store-'));
    paths = fileBatchStorePaths(dir, 'b1');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const open = (options: Partial<BatchRetryManagerOptions> = {}, events: BatchEvent[] = []) =>
    createBatchRetryManager({
      name: 'docs',
      batchId: 'b1',
      store: createFileBatchStore({ dir }),
      backoff: false,
      breaker: false,
      onEvent: e => events.push(e),
      ...options,
    });
  const saved = () => JSON.parse(readFileSync(paths.state, 'utf8'));

  it('saves every acknowledged attempt, the audit log and the lock, and releases the lock on close', async () => {
    const batch = await open();
    expect(existsSync(paths.lock)).toBe(true);
    expect(JSON.parse(readFileSync(paths.lock, 'utf8'))).toMatchObject({ pid: process.pid });
    await batch.recordFailure('doc-1', httpError(503));
    expect(saved().items['doc-1']).toMatchObject({ status: 'retrying', attempts: 1, retries: 1 });
    await batch.recordSuccess('doc-1');
    expect(saved()).toMatchObject({ totalAttempts: 2, items: { 'doc-1': { status: 'succeeded' } } });
    await batch.close();
    expect(existsSync(paths.lock)).toBe(false);
    const audit = await readBatchAuditLog(paths.audit);
    expect(audit.records.map(r => r.type)).toEqual(['opened', 'attempt', 'attempt', 'closed']);
    expect(audit.records[1]).toMatchObject({
      batchId: 'b1',
      itemId: 'doc-1',
      attempt: 0,
      outcome: 'failed_transient',
    });
    expect(readdirSync(dir).sort()).toEqual(['b1.audit.jsonl', 'b1.json']);
  });

  it('serialises many concurrent writers without losing an update', async () => {
    const batch = await open({ maxRetriesPerItem: 1 });
    await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        i % 2 === 0 ? batch.recordSuccess(`item-${i}`) : batch.recordFailure(`item-${i}`, httpError(503)),
      ),
    );
    const state = saved();
    expect(Object.keys(state.items)).toHaveLength(200);
    expect(state).toMatchObject({ totalAttempts: 200, totalRetries: 100 });
    await batch.close();
    const attempts = (await readBatchAuditLog(paths.audit)).records.filter(r => r.type === 'attempt');
    expect(attempts).toHaveLength(200);
  });

  it('continues a batch where it stopped', async () => {
    const first = await open();
    await first.recordFailure('a', httpError(503));
    await first.close();
    const second = await open();
    expect(second.canAttempt('a')).toEqual({ allowed: true, attempt: 1, waitMs: 0 });
    await second.close();
  });

  it('never writes an API key from an error message to disk', async () => {
    const batch = await open();
    const key = 'sk-proj-Abc123Def456Ghi789Jkl012';
    await batch.recordFailure('a', httpError(401, {}, `401 Incorrect API key provided: ${key}`));
    await batch.recordFailure('b', new Error(`request to https://api.example.com/v1?api_key=${key} failed`));
    await batch.close();
    for (const file of [paths.state, paths.audit]) {
      const text = readFileSync(file, 'utf8');
      expect(text).not.toContain(key);
      expect(text).toContain('[REDACTED]');
    }
  });

  it('refuses a second manager on the same file in this process, naming the file and our pid', async () => {
    const first = await open();
    const second = open();
    await expect(second).rejects.toThrow(BatchLockedError);
    await expect(second).rejects.toThrow(
      `Batch state file "${paths.state}" is already open in this process (pid ${process.pid})`,
    );
    await expect(second).rejects.toMatchObject({
      inProcess: true,
      statePath: paths.state,
      lockPath: paths.lock,
    });
    await first.close();
    await (await open()).close();
  });

  it('refuses to write once its lock is no longer its own, and leaves the new holder alone', async () => {
    const events: BatchEvent[] = [];
    const batch = await open({}, events);
    await batch.recordSuccess('before');
    const foreign = {
      ...JSON.parse(readFileSync(paths.lock, 'utf8')),
      pid: process.ppid,
      token: 'new-owner',
    };
    writeFileSync(paths.lock, JSON.stringify(foreign)); // taken over (or deleted by hand) behind our back
    const write = batch.recordSuccess('after');
    await expect(write).rejects.toThrow(BatchStoreError);
    await expect(write).rejects.toThrow(
      `Lost the lock on batch state file "${paths.state}": lock file "${paths.lock}" now belongs to process ${process.ppid}`,
    );
    expect(events.map(e => e.type)).toContain('store_failed');
    await batch.close();
    expect(saved().items.after).toBeUndefined(); // nothing written after the loss
    expect((await readBatchAuditLog(paths.audit)).records.map(r => r.type)).toEqual(['opened', 'attempt']);
    expect(readFileSync(paths.lock, 'utf8')).toContain('new-owner');
  });

  // Defect (issue 8, #8): a kill between the audit append and the state save left the attempt in the audit log
  // but not in the state; the next run made that attempt again and the log held it twice.
  it('reads one record per attempt after a kill between the audit write and the state save', async () => {
    const first = await open();
    await first.recordFailure('doc', httpError(503));
    crash.afterAudit = true;
    try {
      await expect(first.recordFailure('doc', httpError(503))).rejects.toThrow(BatchStoreError);
    } finally {
      crash.afterAudit = false;
    }
    await first.close();
    const second = await open();
    expect(second.canAttempt('doc')).toEqual({ allowed: true, attempt: 1, waitMs: 0 }); // the state never saw attempt 1
    await second.recordSuccess('doc');
    await second.close();
    const audit = await readBatchAuditLog(paths.audit);
    const attempts = audit.records.filter(r => r.type === 'attempt').map(r => [r.attempt, r.outcome]);
    // the record that matches the saved state wins; the one the kill orphaned is counted, not returned
    expect(attempts).toEqual([
      [0, 'failed_transient'],
      [1, 'succeeded'],
    ]);
    expect(audit.duplicates).toBe(1);
    expect(readFileSync(paths.audit, 'utf8').match(/"type":"attempt"/g)).toHaveLength(3); // the file is untouched
  });

  describe('corrupt state', () => {
    beforeEach(() => writeFileSync(paths.state, '{"version":1,"batchId":"b1","items":{'));

    it('fails by default, naming the file and leaving it untouched (never silently replaced)', async () => {
      const attempt = open();
      await expect(attempt).rejects.toThrow(BatchStateCorruptError);
      await expect(attempt).rejects.toThrow(`Batch state "${paths.state}" is unusable: not valid JSON`);
      await expect(attempt).rejects.toThrow("onCorrupt: 'start-fresh'");
      expect(readFileSync(paths.state, 'utf8')).toBe('{"version":1,"batchId":"b1","items":{');
      expect(existsSync(paths.lock)).toBe(false); // the lock was released
      await expect(open()).rejects.toThrow(BatchStateCorruptError); // and stays refused
    });

    it("moves it aside and starts fresh with onCorrupt: 'start-fresh', reporting where it went", async () => {
      const events: BatchEvent[] = [];
      const batch = await open({ onCorrupt: 'start-fresh' }, events);
      const event = events.find(e => e.type === 'state_corrupt');
      expect(event).toMatchObject({
        type: 'state_corrupt',
        path: paths.state,
        problem: expect.stringContaining('not valid JSON'),
      });
      const movedTo = (event as { movedTo: string }).movedTo;
      expect(movedTo).toMatch(/b1\.json\.corrupt-\d{8}T\d{9}Z$/);
      expect(readFileSync(movedTo, 'utf8')).toBe('{"version":1,"batchId":"b1","items":{');
      expect(batch.snapshot().totalAttempts).toBe(0);
      await batch.close();
      const audit = await readBatchAuditLog(paths.audit);
      expect(audit.records[0]).toMatchObject({ type: 'state_corrupt', path: paths.state, movedTo });
    });

    it('never overwrites an earlier corrupt copy', async () => {
      await (await open({ onCorrupt: 'start-fresh' })).close();
      writeFileSync(paths.state, 'garbage');
      await (await open({ onCorrupt: 'start-fresh' })).close();
      expect(readdirSync(dir).filter(f => f.includes('.corrupt-'))).toHaveLength(2);
    });
  });

  it('refuses state written by a newer version, even with start-fresh, and leaves it in place', async () => {
    writeFileSync(paths.state, JSON.stringify({ version: 99, batchId: 'b1' }));
    await expect(open({ onCorrupt: 'start-fresh' })).rejects.toThrow(
      'written by a newer version of agent-resilience',
    );
    expect(readdirSync(dir).filter(f => f.includes('.corrupt-'))).toHaveLength(0);
  });

  it('refuses a state file too large to load with a clear error, never reading it, and leaves it in place', async () => {
    const size = constants.MAX_STRING_LENGTH + 1;
    writeFileSync(paths.state, '');
    truncateSync(paths.state, size); // sparse: costs no disk
    const attempt = open({ onCorrupt: 'start-fresh' });
    await expect(attempt).rejects.toThrow(BatchStateCorruptError);
    await expect(attempt).rejects.toThrow(
      `Batch state "${paths.state}" is unusable: ${size} bytes, more than this process can load`,
    );
    expect(statSync(paths.state).size).toBe(size);
    expect(readdirSync(dir).sort()).toEqual(['b1.json']); // not moved aside; lock released; no audit log
  });

  it('cleans temporary files a crash left behind', async () => {
    writeFileSync(`${paths.state}.tmp-99999-3`, '{"half":');
    const batch = await open();
    await batch.close();
    expect(readdirSync(dir).some(f => f.includes('.tmp-'))).toBe(false);
  });

  // Batch ids may hold dots: another batch's files can start with the names of this batch's temporary files.
  it.each(['b1.json.tmp-1', 'b1.json.lock.new-999999', 'b1.json.lock.takeover-x'])(
    'never deletes the files of batch %s while cleaning up after b1',
    async otherId => {
      const other = await createBatchRetryManager({
        name: 'other',
        batchId: otherId,
        store: createFileBatchStore({ dir }),
      });
      await other.recordSuccess('kept');
      await other.close();
      const before = readdirSync(dir).sort();
      await (await open()).close();
      expect(readdirSync(dir).sort()).toEqual([...before, 'b1.audit.jsonl', 'b1.json'].sort());
    },
  );

  it('reports and drops a torn last audit line left by a crash', async () => {
    await (await open()).close();
    writeFileSync(paths.audit, `${readFileSync(paths.audit, 'utf8')}{"ts":"2024`);
    const events: BatchEvent[] = [];
    await (await open({}, events)).close();
    expect(events).toContainEqual({ type: 'audit_log_repaired', path: paths.audit, droppedBytes: 11 });
    expect((await readBatchAuditLog(paths.audit)).tornTail).toBe(false);
  });

  it('validates the batch id and the directory', async () => {
    const store = createFileBatchStore({ dir });
    await expect(store.open('../../etc/passwd', { onCorrupt: 'fail', report: () => {} })).rejects.toThrow(
      'batchId must be a safe file-name id (no path separators), got "../../etc/passwd"',
    );
    expect(() => createFileBatchStore({ dir: '' })).toThrow('dir must be a non-empty directory path, got ""');
  });
});
