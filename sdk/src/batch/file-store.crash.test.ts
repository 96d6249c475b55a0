import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../test-support/prng.js';
import { readBatchAuditLog } from './audit-log.js';
import { fileBatchStorePaths } from './file-store.js';
import { parseBatchState } from './state.js';
import { spawnTsChild } from './test-support/spawn-child.js';
import type { BatchState } from './types.js';

const TARGET = 1_000;
const KILL_ROUNDS = 8;
/** Attempts a kill round must leave undone, far more than the writes in flight when the kill lands. */
const UNDONE_MARGIN = 50;
const SEED = Number(process.env.BATCH_CRASH_SEED ?? 20_240_601);

interface Ack {
  readonly itemId: string;
  readonly attempt: number;
  readonly outcome: 'failed' | 'succeeded';
}

const parseAcks = (lines: readonly string[]): Ack[] =>
  lines
    .filter(l => l.startsWith('ack '))
    .map(l => {
      const [, itemId, attempt, outcome] = l.split(' ');
      return { itemId: itemId!, attempt: Number(attempt), outcome: outcome as Ack['outcome'] };
    });

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

/** The state file must parse and hold every acknowledged attempt; the audit log must hold them too. */
async function verify(dir: string, acks: readonly Ack[]): Promise<{ state: BatchState; tornTail: boolean }> {
  const paths = fileBatchStorePaths(dir, 'crash');
  const check = parseBatchState(readFileSync(paths.state, 'utf8'), 'crash');
  if (!check.ok) throw new Error(`state file does not parse: ${check.problem}`);
  const { state } = check;
  for (const ack of acks) {
    const item = state.items[ack.itemId];
    expect(item, `acknowledged ${ack.itemId} #${ack.attempt} missing`).toBeDefined();
    expect(item!.attempts).toBeGreaterThan(ack.attempt);
    if (ack.outcome === 'succeeded') expect(item!.status).toBe('succeeded');
  }
  expect(state.totalAttempts).toBeGreaterThanOrEqual(acks.length);
  // Every complete line parses (readBatchAuditLog throws otherwise); the audit log holds every saved attempt.
  const audit = await readBatchAuditLog(paths.audit);
  const logged = new Set(
    audit.records.filter(r => r.type === 'attempt').map(r => `${String(r.itemId)}#${String(r.attempt)}`),
  );
  for (const [itemId, item] of Object.entries(state.items)) {
    for (let attempt = 0; attempt < item.attempts; attempt++)
      expect(logged.has(`${itemId}#${attempt}`)).toBe(true);
  }
  // Redaction reached the disk: the API key in the error message never did.
  expect(readFileSync(paths.audit, 'utf8')).not.toContain('sk-proj-crashtest');
  expect(readFileSync(paths.state, 'utf8')).not.toContain('sk-proj-crashtest');
  return { state, tornTail: audit.tornTail };
}

describe('file store under SIGKILL', () => {
  const dir = mkdtempSync(join(tmpdir(), 'batch-crash-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it(`keeps every acknowledged attempt of ${TARGET} across ${KILL_ROUNDS} random kills (seed ${SEED})`, async () => {
    const random = seededRandom(SEED);
    const started = Date.now();
    const acks: Ack[] = [];
    let killedWhileWriting = 0;
    // A stale lock left by a kill is recovered by the next process that opens the batch; that process records the
    // recovery with its first acknowledged write, so a recovery record is only owed once a later round acked.
    let staleLockPending = false;
    let recoveriesOwed = 0;
    let tornTails = 0;
    let saved = 0;
    for (let round = 0; round <= KILL_ROUNDS; round++) {
      const child = spawnTsChild('./crash-writer.ts', [dir, String(TARGET), '4']);
      if (round === KILL_ROUNDS) {
        expect(await child.exited, child.stderr()).toBe(0);
        acks.push(...parseAcks(child.lines));
        if (staleLockPending) recoveriesOwed++;
        expect(child.lines.at(-1)).toBe(`done ${TARGET}`);
        break;
      }
      // Each kill lands right after a random number of acknowledged writes, with three more writes in flight; a
      // quarter of them land earlier, at a random moment after spawn (often while opening: lock recovery, load).
      // The ack count is capped so that every kill round leaves work undone: the batch can only finish in the
      // last round, however fast or slow the machine is.
      const remaining = TARGET - saved;
      const share = Math.max(1, Math.floor((2 * remaining) / (KILL_ROUNDS - round + 1)));
      const cap = Math.max(1, Math.min(share, remaining - UNDONE_MARGIN));
      const acked = child.waitForCount(lines => parseAcks(lines).length, 1 + Math.floor(random() * cap));
      const early = random() < 0.25 ? random() * 800 : undefined;
      await (early === undefined ? acked : Promise.race([acked, sleep(early)]));
      child.process.kill('SIGKILL');
      const exit = await child.exited;
      const roundAcks = parseAcks(child.lines);
      acks.push(...roundAcks);
      if (staleLockPending && roundAcks.length > 0) {
        recoveriesOwed++;
        staleLockPending = false;
      }
      if (exit !== 'SIGKILL')
        throw new Error(`round ${round}: the writer exited (${exit}) before the kill: ${child.stderr()}`);
      // Once it acknowledged a write the child writes without pause until killed: the kill hit the write loop.
      if (roundAcks.length > 0) {
        killedWhileWriting++;
        staleLockPending = true;
      }
      if (existsSync(fileBatchStorePaths(dir, 'crash').state)) {
        const verified = await verify(dir, acks);
        if (verified.tornTail) tornTails++;
        saved = verified.state.totalAttempts;
      }
    }
    const { state } = await verify(dir, acks);
    expect(state.totalAttempts).toBe(TARGET);
    const paths = fileBatchStorePaths(dir, 'crash');
    expect(existsSync(paths.lock)).toBe(false);
    // Each kill after the lock was taken left a stale lock that the next round recovered, on the record.
    const audit = await readBatchAuditLog(paths.audit);
    const recovered = audit.records.filter(r => r.type === 'stale_lock_recovered').length;
    expect(recovered).toBeGreaterThanOrEqual(recoveriesOwed);
    expect(recoveriesOwed).toBeGreaterThan(0);
    const ms = Date.now() - started;
    console.info(
      `crash test: seed ${SEED}, ${KILL_ROUNDS} SIGKILLs (${killedWhileWriting} during the write loop), ` +
        `${acks.length} acknowledged attempts verified after every kill, ${state.totalAttempts - acks.length} saved ` +
        `but unacknowledged, ${recovered} stale locks recovered, ${tornTails} torn audit tails, ${ms} ms`,
    );
  }, 60_000);
});
