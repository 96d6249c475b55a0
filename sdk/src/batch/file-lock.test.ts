import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BatchLockHolder } from './errors.js';
import { BatchLockedError, BatchLockLostError } from './errors.js';
import { acquireFileLock } from './file-lock.js';

/** The pid of a process that has exited (so `kill(pid, 0)` fails with ESRCH). */
const deadPid = (): number => spawnSync(process.execPath, ['-e', '']).pid!;

const lockText = (holder: Partial<BatchLockHolder & { processStartedAt: number; token: string }>) =>
  JSON.stringify({
    pid: process.pid,
    hostname: hostname(),
    acquiredAt: '2024-06-01T00:00:00.000Z',
    processStartedAt: 0,
    token: 'someone-else',
    ...holder,
  });

describe('acquireFileLock', () => {
  let dir: string;
  let lockPath: string;
  let statePath: string;
  let stale: (BatchLockHolder | undefined)[];
  const acquire = () => acquireFileLock(lockPath, statePath, holder => stale.push(holder));
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'batch-lock-'));
    statePath = join(dir, 'b.json');
    lockPath = `${statePath}.lock`;
    stale = [];
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('creates the lock with pid, host and time, and removes it on release', async () => {
    const lock = await acquire();
    expect(JSON.parse(readFileSync(lockPath, 'utf8'))).toMatchObject({
      pid: process.pid,
      hostname: hostname(),
    });
    expect(readdirSync(dir)).toEqual(['b.json.lock']); // the temporary file it was linked from is gone
    await lock.release();
    await lock.release();
    expect(existsSync(lockPath)).toBe(false);
  });

  it('refuses a second holder in this process until released', async () => {
    const lock = await acquire();
    await expect(acquire()).rejects.toMatchObject({ name: 'BatchLockedError', inProcess: true });
    await lock.release();
    await (await acquire()).release();
  });

  it('serialises racing acquisitions in this process: exactly one wins', async () => {
    const results = await Promise.allSettled([acquire(), acquire(), acquire()]);
    expect(results.filter(r => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) if (r.status === 'fulfilled') await r.value.release();
  });

  it('refuses a lock held by a live process, naming the file and the holder pid', async () => {
    writeFileSync(lockPath, lockText({ pid: process.ppid, processStartedAt: 1 }));
    const attempt = acquire();
    await expect(attempt).rejects.toThrow(BatchLockedError);
    await expect(attempt).rejects.toThrow(
      `Batch state file "${statePath}" is locked by process ${process.ppid} on host "${hostname()}" since 2024-06-01T00:00:00.000Z (lock file "${lockPath}")`,
    );
    expect(readFileSync(lockPath, 'utf8')).toContain('someone-else'); // untouched
  });

  it('treats a lock from another host as live: its pid cannot be checked from here', async () => {
    writeFileSync(lockPath, lockText({ pid: deadPid(), hostname: 'elsewhere' }));
    await expect(acquire()).rejects.toMatchObject({ holder: { hostname: 'elsewhere' } });
  });

  it('takes over a stale lock whose process is dead, and reports it', async () => {
    const pid = deadPid();
    writeFileSync(lockPath, lockText({ pid }));
    const lock = await acquire();
    expect(stale).toEqual([{ pid, hostname: hostname(), acquiredAt: '2024-06-01T00:00:00.000Z' }]);
    expect(JSON.parse(readFileSync(lockPath, 'utf8')).pid).toBe(process.pid);
    await lock.release();
  });

  it('takes over a lock with our pid from an earlier process (container restarted as the same pid)', async () => {
    writeFileSync(lockPath, lockText({ pid: process.pid, processStartedAt: 12_345 }));
    const lock = await acquire();
    expect(stale).toHaveLength(1);
    await lock.release();
  });

  it('waits 10 s before judging an unreadable lock stale', async () => {
    writeFileSync(lockPath, '');
    await expect(acquire()).rejects.toThrow('exists but holds no readable owner');
    const old = new Date(Date.now() - 60_000);
    utimesSync(lockPath, old, old);
    const lock = await acquire();
    expect(stale).toEqual([undefined]);
    await lock.release();
  });

  it('removes leftovers of processes killed in the middle of the protocol, and only theirs', async () => {
    const dead = deadPid();
    writeFileSync(`${lockPath}.new-${dead}-abcdef12-1`, lockText({ pid: dead }));
    writeFileSync(`${lockPath}.new-${process.ppid}-abcdef12-1`, lockText({ pid: process.ppid }));
    // a takeover file names a lock that is gone once we hold the lock, whoever wrote it
    writeFileSync(`${lockPath}.takeover-gone-lock.0`, lockText({ pid: process.ppid }));
    const lock = await acquire();
    expect(readdirSync(dir).sort()).toEqual(['b.json.lock', `b.json.lock.new-${process.ppid}-abcdef12-1`]);
    await lock.release();
  });

  it('takes over a lock whose previous taker died in the middle of the takeover', async () => {
    writeFileSync(lockPath, lockText({ pid: deadPid(), token: 'dead-holder' }));
    writeFileSync(`${lockPath}.takeover-dead-holder.0`, lockText({ pid: deadPid(), token: 'dead-taker' }));
    const lock = await acquire();
    expect(stale).toHaveLength(1);
    expect(readdirSync(dir)).toEqual(['b.json.lock']);
    await lock.release();
  });

  it('leaves an abandoned lock to a live process taking it over, and names that process', async () => {
    writeFileSync(lockPath, lockText({ pid: deadPid(), token: 'dead-holder' }));
    writeFileSync(
      `${lockPath}.takeover-dead-holder.0`,
      lockText({ pid: process.ppid, processStartedAt: 1, token: 'live-taker' }),
    );
    await expect(acquire()).rejects.toMatchObject({
      name: 'BatchLockedError',
      holder: { pid: process.ppid },
    });
    expect(readFileSync(lockPath, 'utf8')).toContain('dead-holder'); // the live taker's to delete
    expect(stale).toEqual([]);
  });

  it.each([
    ['a token that is not a file-name-safe id', lockText({ token: '../../../etc/passwd' })],
    ['a record that is not an object', 'null'],
    ['a file far larger than any lock', `${lockText({ pid: deadPid() })}${' '.repeat(8_000_000)}`],
  ])('never trusts %s: an unreadable lock, abandoned only after 10 s', async (_, text) => {
    writeFileSync(lockPath, text);
    await expect(acquire()).rejects.toThrow('exists but holds no readable owner');
    const old = new Date(Date.now() - 60_000);
    utimesSync(lockPath, old, old);
    const lock = await acquire();
    expect(stale).toEqual([undefined]);
    await lock.release();
  });

  it('verify() throws once the lock file is no longer its own', async () => {
    const lock = await acquire();
    await expect(lock.verify()).resolves.toBeUndefined();
    writeFileSync(lockPath, lockText({ pid: process.ppid, token: 'new-owner' }));
    const lost = await lock.verify().catch(e => e);
    expect(BatchLockLostError.isInstance(lost)).toBe(true);
    expect(lost).toMatchObject({ statePath, lockPath });
    await expect(lock.verify()).rejects.toThrow(
      `Lost the lock on batch state file "${statePath}": lock file "${lockPath}" now belongs to process ${process.ppid}`,
    );
    rmSync(lockPath);
    await expect(lock.verify()).rejects.toThrow('was deleted');
    await lock.release();
  });

  it('never deletes a lock that is no longer its own on release', async () => {
    const lock = await acquire();
    writeFileSync(lockPath, lockText({ token: 'new-owner' }));
    await lock.release();
    expect(readFileSync(lockPath, 'utf8')).toContain('new-owner');
  });
});
