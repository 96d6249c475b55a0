/**
 * Retry load amplification: how many attempts a downstream that fails 100 % of the time receives per logical
 * call, with 3 retries and no backoff, without and with a retry budget. No real sleeps: the budgets run on a
 * fake clock and the retries wait 0 ms. Run on its own with
 * `npx tsx --conditions=agent-resilience-source bench/amplification.ts`, or through `npm run bench`.
 */
import { pathToFileURL } from 'node:url';
import { createAdaptiveRetryLimit } from '../sdk/src/load/adaptive-retry.js';
import { createRetryBudget } from '../sdk/src/load/retry-budget.js';
import { createPolicy } from '../sdk/src/pipeline/create-policy.js';
import type { RetryBudgetGate, RetryLimit } from '../sdk/src/policies/retry-options.js';
import { table } from './table.js';

/** One amplification measurement. */
export interface AmplificationRow {
  readonly scenario: string;
  readonly calls: number;
  /** Attempts the downstream received. */
  readonly attempts: number;
  /** attempts / calls. */
  readonly amplification: number;
}

const CALLS = 10_000;
const FAILURE = Object.assign(new Error('HTTP 503'), { status: 503 });

interface Scenario {
  readonly name: string;
  /** Calls in flight at once. */
  readonly concurrency: number;
  /** Fake-clock time between batches, in ms (0: every call in one instant). */
  readonly msPerBatch: number;
  readonly budget?: (now: () => number) => RetryBudgetGate & { dispose(): void };
  readonly limit?: () => RetryLimit & { dispose(): void };
}

const ratioBudget = (now: () => number) => createRetryBudget('bench', { registry: null, ratio: 0.2, now });

const SCENARIOS: readonly Scenario[] = [
  { name: 'no budget, 3 retries', concurrency: 1_000, msPerBatch: 0 },
  {
    name: 'budget 20 % + 10/s over 10 s, one instant',
    concurrency: 1_000,
    msPerBatch: 0,
    budget: ratioBudget,
  },
  {
    name: 'budget 20 % + 10/s, 100 calls/s for 100 s',
    concurrency: 100,
    msPerBatch: 1_000,
    budget: ratioBudget,
  },
  { name: 'budget 20 % + 10/s, 10 in flight', concurrency: 10, msPerBatch: 0, budget: ratioBudget },
  {
    name: 'token bucket (gRPC: 10 tokens, 0.1)',
    concurrency: 1_000,
    msPerBatch: 0,
    budget: () => createRetryBudget('bench', { registry: null, kind: 'token_bucket' }),
  },
  {
    name: 'adaptive limit (4 attempts, -1 per 5 failed calls)',
    concurrency: 10,
    msPerBatch: 0,
    limit: () => createAdaptiveRetryLimit('bench'),
  },
];

async function run(scenario: Scenario): Promise<AmplificationRow> {
  let t = 0;
  const budget = scenario.budget?.(() => t);
  const limit = scenario.limit?.();
  const policy = createPolicy('bench.amplification', {
    registry: null,
    retry: {
      maxRetries: 3,
      initialDelayMs: 0,
      jitter: 'none',
      ...(budget === undefined ? {} : { budget }),
      ...(limit === undefined ? {} : { limit }),
    },
  });
  let attempts = 0;
  const downstream = async (): Promise<never> => {
    attempts++;
    throw FAILURE;
  };
  for (let done = 0; done < CALLS; done += scenario.concurrency) {
    const size = Math.min(scenario.concurrency, CALLS - done);
    await Promise.all(Array.from({ length: size }, () => policy.execute(downstream).catch(() => undefined)));
    t += scenario.msPerBatch;
  }
  budget?.dispose();
  limit?.dispose();
  return { scenario: scenario.name, calls: CALLS, attempts, amplification: attempts / CALLS };
}

/** Runs every scenario (about a second in all). */
export async function runAmplification(): Promise<AmplificationRow[]> {
  const rows: AmplificationRow[] = [];
  for (const scenario of SCENARIOS) rows.push(await run(scenario));
  return rows;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const rows = await runAmplification();
  console.log(
    table(
      ['load amplification (downstream failing 100 %)', 'calls', 'attempts', 'attempts / call'],
      rows.map(r => [r.scenario, String(r.calls), String(r.attempts), r.amplification.toFixed(3)]),
    ),
  );
}
