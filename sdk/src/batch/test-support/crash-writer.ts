/**
 * Child process of the crash test (`file-store.crash.test.ts`): records attempts through the file store until
 * the batch holds `target` attempts, printing `ack <itemId> <attempt> <outcome>` after EACH acknowledged
 * (resolved, hence durable) write, `ready <totalAttempts>` once open and `done <totalAttempts>` at the end.
 * Run: node --import tsx --conditions=agent-resilience-source crash-writer.ts <dir> <target> <concurrency>
 */
import { createBatchRetryManager, createFileBatchStore } from '../index.js';

const [dir, targetArg, concurrencyArg] = process.argv.slice(2);
const target = Number(targetArg);
const concurrency = Number(concurrencyArg);

/** Failures before item `i` succeeds: 0, 1 or 2, fixed per item so every round agrees. */
const failuresOf = (i: number): number => (i * 7919) % 3;

const batch = await createBatchRetryManager({
  name: 'crash-test',
  batchId: 'crash',
  store: createFileBatchStore({ dir: dir! }),
  maxRetriesPerItem: Number.POSITIVE_INFINITY,
  breaker: false,
  backoff: false,
});
let started = batch.snapshot().totalAttempts;
process.stdout.write(`ready ${started}\n`);

const transient = Object.assign(new Error('HTTP 503 from upstream (key sk-proj-crashtest0123456789)'), {
  status: 503,
});
let nextItem = 0;

async function worker(): Promise<void> {
  for (;;) {
    const i = nextItem++;
    const itemId = `item-${i}`;
    for (;;) {
      const check = batch.canAttempt(itemId);
      if (!check.allowed) break;
      if (started >= target) return;
      started++;
      if (check.attempt < failuresOf(i)) {
        await batch.recordFailure(itemId, transient);
        process.stdout.write(`ack ${itemId} ${check.attempt} failed\n`);
      } else {
        await batch.recordSuccess(itemId);
        process.stdout.write(`ack ${itemId} ${check.attempt} succeeded\n`);
      }
    }
  }
}

await Promise.all(Array.from({ length: concurrency }, worker));
const total = batch.snapshot().totalAttempts;
await batch.close();
process.stdout.write(`done ${total}\n`);
