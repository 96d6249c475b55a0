import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readBatchAuditLog } from './audit-log.js';
import { BatchLockedError } from './errors.js';
import { createFileBatchStore, fileBatchStorePaths } from './file-store.js';
import { createBatchRetryManager } from './manager.js';
import { spawnTsChild } from './test-support/spawn-child.js';
import type { BatchEvent } from './types.js';

describe('file store across processes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'batch-procs-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const open = (batchId: string, events: BatchEvent[] = []) =>
    createBatchRetryManager({
      name: 'lock-test',
      batchId,
      store: createFileBatchStore({ dir }),
      onEvent: e => events.push(e),
    });

  it('refuses a batch another process holds, naming the state file and the holder pid', async () => {
    const child = spawnTsChild('./lock-holder.ts', ['hold', dir, 'held']);
    try {
      await child.waitForLine(l => l.startsWith('locked '));
      const paths = fileBatchStorePaths(dir, 'held');
      const attempt = open('held');
      await expect(attempt).rejects.toThrow(BatchLockedError);
      await expect(attempt).rejects.toThrow(
        `Batch state file "${paths.state}" is locked by process ${child.process.pid} on host`,
      );
      await expect(attempt).rejects.toMatchObject({
        lockPath: paths.lock,
        holder: { pid: child.process.pid },
      });
    } finally {
      child.process.stdin?.end();
    }
    await child.waitForLine(l => l === 'released');
    expect(await child.exited).toBe(0);
    await (await open('held')).close(); // free again once the holder closed
  });

  it('is refused in another process while this one holds the batch', async () => {
    const batch = await open('ours');
    try {
      const child = spawnTsChild('./lock-holder.ts', ['try', dir, 'ours']);
      const line = await child.waitForLine(l => l.startsWith('error ') || l === 'opened');
      expect(line).toContain(
        `error BatchLockedError Batch state file "${fileBatchStorePaths(dir, 'ours').state}"`,
      );
      expect(line).toContain(`is locked by process ${process.pid} on host`);
      await child.exited;
    } finally {
      await batch.close();
    }
  });

  it('recovers the lock of a holder killed with SIGKILL, explicitly and on the record', async () => {
    const child = spawnTsChild('./lock-holder.ts', ['hold', dir, 'killed']);
    await child.waitForLine(l => l.startsWith('locked '));
    child.process.kill('SIGKILL');
    await child.exited;
    const paths = fileBatchStorePaths(dir, 'killed');
    expect(existsSync(paths.lock)).toBe(true); // a SIGKILL runs no cleanup
    const events: BatchEvent[] = [];
    const batch = await open('killed', events);
    expect(events).toContainEqual({
      type: 'stale_lock_recovered',
      path: paths.lock,
      holder: expect.objectContaining({ pid: child.process.pid }),
    });
    await batch.close();
    const audit = await readBatchAuditLog(paths.audit);
    expect(audit.records.filter(r => r.type === 'stale_lock_recovered')).toHaveLength(1);
  });

  it('releases the lock of a process that exits without close()', async () => {
    const child = spawnTsChild('./lock-holder.ts', ['exit', dir, 'exited']);
    await child.waitForLine(l => l.startsWith('locked '));
    expect(await child.exited).toBe(0);
    expect(existsSync(fileBatchStorePaths(dir, 'exited').lock)).toBe(false);
  });
});
