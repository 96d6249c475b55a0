import { describe, expect, it } from 'vitest';
import { CommitQueue } from './commit-queue.js';

const tick = () => new Promise(resolve => setTimeout(resolve, 1));

describe('CommitQueue', () => {
  it('runs one write at a time and groups commits submitted during a write', async () => {
    const writes: string[][] = [];
    let active = 0;
    let maxActive = 0;
    const queue = new CommitQueue<string>(async records => {
      active++;
      maxActive = Math.max(maxActive, active);
      writes.push(records);
      await tick();
      active--;
    });
    const first = queue.submit(['a']);
    const same = queue.submit(['b']); // same tick: joins the first write
    await new Promise(resolve => setTimeout(resolve, 0)); // first write in flight now
    const later = [queue.submit(['c']), queue.submit(['d', 'e'])];
    await Promise.all([first, same, ...later]);
    expect(maxActive).toBe(1);
    expect(writes).toEqual([
      ['a', 'b'],
      ['c', 'd', 'e'],
    ]);
  });

  it('resolves a commit only after a write that started after it', async () => {
    const order: string[] = [];
    let release!: () => void;
    const queue = new CommitQueue<string>(async records => {
      order.push(`start ${records.join()}`);
      if (records.includes('a')) await new Promise<void>(resolve => (release = resolve));
      order.push(`end ${records.join()}`);
    });
    const a = queue.submit(['a']).then(() => order.push('ack a'));
    await tick();
    const b = queue.submit(['b']).then(() => order.push('ack b'));
    release();
    await Promise.all([a, b]);
    const at = (entry: string) => order.indexOf(entry);
    expect(at('start b')).toBeGreaterThan(at('end a'));
    expect(at('ack a')).toBeGreaterThan(at('end a'));
    expect(at('ack b')).toBeGreaterThan(at('end b'));
  });

  it('stops for good after a failed write (fail-stop)', async () => {
    const boom = new Error('EIO');
    let calls = 0;
    const queue = new CommitQueue<string>(async () => {
      calls++;
      throw boom;
    });
    await expect(queue.submit(['a'])).rejects.toBe(boom);
    await expect(queue.submit(['b'])).rejects.toBe(boom);
    expect(calls).toBe(1);
    expect(queue.failed?.error).toBe(boom);
    await expect(queue.idle()).resolves.toBeUndefined();
  });
});
