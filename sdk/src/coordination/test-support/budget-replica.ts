/**
 * One replica process of the retry budget's fleet test (`shared-retry-budget.fleet.test.ts`): its own coordinator
 * (`shared` mode, default 50 ms timeout) or none (`local`), the {@link FLEET_BUDGET} budget on the real clock
 * with its real 250 ms background exchange, and a policy retrying up to 3 times a downstream that always fails.
 * Once the parent writes `go` on stdin it sends its calls one every `paceMs`, so several exchanges happen during
 * the run.
 *
 * Usage: budget-replica.ts <redis url> <key prefix> <shared|local> <calls> <paceMs>
 * Prints `ready` (after its first exchange, when shared), then one JSON line `{ calls, retries, localGrants,
 * syncs, failedSyncs }` (`localGrants`: retries granted on local counters while shared: 0 unless the replica lost
 * the fleet for longer than a claim lasts), and exits. Bounded: it exits after 90 s, or as soon as its stdin
 * closes (the parent is gone).
 */
import { createInterface } from 'node:readline';
import { createRetryBudget, syncRetryBudget } from '../../load/retry-budget.js';
import { createPolicy } from '../../pipeline/create-policy.js';
import type { RetryBudgetGate } from '../../policies/retry-options.js';
import { FLEET_BUDGET, failingCalls } from './budget-fleet.js';
import { connectedCoordinator } from './coordinator.js';

const [url = '', keyPrefix = '', mode = '', count = '0', pace = '0'] = process.argv.slice(2);
setTimeout(() => process.exit(3), 90_000).unref();

const coordinator = mode === 'shared' ? await connectedCoordinator({ url, keyPrefix }) : undefined;
const budget = createRetryBudget('llm', {
  ...FLEET_BUDGET,
  registry: null,
  ...(coordinator !== undefined && { shared: coordinator }),
});
// The first exchange (retried: on a loaded machine one may miss the 50 ms timeout).
for (let i = 0; coordinator !== undefined && !(await syncRetryBudget(budget)); i++) {
  if (i === 100) throw new Error('no first exchange in 100 tries');
}

let localGrants = 0;
/** The budget, counting the retries it granted on its local counters while shared. */
const gate: RetryBudgetGate = {
  name: budget.name,
  onCall: () => budget.onCall(),
  onAttemptResult: success => budget.onAttemptResult(success),
  tryAcquireRetry: () => {
    const local = budget.snapshot().scope === 'local';
    const granted = budget.tryAcquireRetry();
    if (granted && local) localGrants++;
    return granted;
  },
};
const policy = createPolicy('replica', {
  registry: null,
  retry: { maxRetries: 3, initialDelayMs: 0, jitter: 'none', budget: gate },
});

const stdin = createInterface({ input: process.stdin });
stdin.once('close', () => process.exit(4));
const go = new Promise(resolve => stdin.once('line', resolve));
console.log('ready');
await go;

const calls = Number(count);
let attempts = 0;
for (let call = 0; call < calls; call++) {
  attempts += await failingCalls(policy, 1);
  await new Promise(resolve => setTimeout(resolve, Number(pace)));
}
const { shared } = budget.snapshot();
console.log(
  JSON.stringify({
    calls,
    retries: attempts - calls,
    localGrants,
    syncs: shared?.syncs ?? 0,
    failedSyncs: shared?.failedSyncs ?? 0,
  }),
);
budget.dispose();
await coordinator?.dispose();
process.exit(0);
