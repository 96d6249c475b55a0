/**
 * One replica process of the fleet test (`shared-rate-limiter.fleet.test.ts`): its own coordinator (`shared`
 * mode) or none (`local`), the limiter "10 messages per 10 s per thread" in a policy, and its share of one
 * thread's messages, sent as fast as it can once the parent writes `go` on stdin.
 *
 * Usage: rate-limit-replica.ts <redis url> <key prefix> <shared|local> <messages>
 * Prints `ready`, then one JSON line `{ "admitted", "rejected", "fallbacks" }`, and exits. Bounded: it exits
 * after 30 s, or as soon as its stdin closes (the parent is gone).
 */
import { createInterface } from 'node:readline';
import { CallRejectedError } from '../../errors/call-errors.js';
import { createRateLimiter } from '../../load/rate-limiter.js';
import { createPolicy } from '../../pipeline/create-policy.js';
import { connectedCoordinator } from './coordinator.js';
import { PER_THREAD } from './rate-limit-fleet.js';

const [url = '', keyPrefix = '', mode = '', count = '0'] = process.argv.slice(2);
setTimeout(() => process.exit(3), 30_000).unref();

const coordinator = mode === 'shared' ? await connectedCoordinator({ url, keyPrefix }) : undefined;
const limiter = createRateLimiter('chat.per-thread', {
  ...PER_THREAD,
  registry: null,
  ...(coordinator !== undefined && { shared: coordinator }),
});
const chat = createPolicy('chat', { registry: null, rateLimiter: limiter });

const stdin = createInterface({ input: process.stdin });
stdin.once('close', () => process.exit(4));
const go = new Promise(resolve => stdin.once('line', resolve));
console.log('ready');
await go;

let admitted = 0;
let rejected = 0;
for (let message = 0; message < Number(count); message++) {
  try {
    await chat.execute(() => 'sent', { rateLimitKey: 'thread-1' });
    admitted++;
  } catch (error) {
    if (!(error instanceof CallRejectedError)) throw error;
    rejected++;
  }
}
console.log(JSON.stringify({ admitted, rejected, fallbacks: limiter.snapshot().fallbacks }));
await coordinator?.dispose();
process.exit(0);
