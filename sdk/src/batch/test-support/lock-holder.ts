/**
 * Child process of the lock tests. `hold`: opens the batch, prints `locked <pid>`, and keeps it open until stdin
 * closes (then closes the batch and prints `released`). `try`: tries to open the batch and prints
 * `opened` or `error <name> <message>`. `exit`: opens the batch and calls `process.exit()` without closing it.
 * Run: node --import tsx --conditions=agent-resilience-source lock-holder.ts <hold|try|exit> <dir> <batchId>
 */
import { createBatchRetryManager, createFileBatchStore } from '../index.js';

const [mode, dir, batchId] = process.argv.slice(2);

async function open() {
  return createBatchRetryManager({
    name: 'lock-test',
    batchId: batchId!,
    store: createFileBatchStore({ dir: dir! }),
  });
}

if (mode === 'hold') {
  const batch = await open();
  process.stdout.write(`locked ${process.pid}\n`);
  process.stdin.resume();
  await new Promise(resolve => process.stdin.once('end', resolve));
  await batch.close();
  process.stdout.write('released\n');
} else if (mode === 'exit') {
  await open();
  process.stdout.write(`locked ${process.pid}\n`);
  process.exit(0);
} else {
  try {
    const batch = await open();
    process.stdout.write('opened\n');
    await batch.close();
  } catch (error) {
    const e = error as Error;
    process.stdout.write(`error ${e.name} ${e.message}\n`);
  }
}
