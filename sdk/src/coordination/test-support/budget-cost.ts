/**
 * Measures the shared retry budget on a loopback Redis (the figures of issue 10 §3; not a test: timings and
 * counts are reported, never asserted).
 *
 * Usage: node --import tsx sdk/src/coordination/test-support/budget-cost.ts [seconds=6]
 * 1. hot path: ns per `onCall()` + `tryAcquireRetry()`, local against shared (Redis up, then killed);
 * 2. the exchange: round trip of the script with 3 replicas (p50, p99);
 * 3. over-grant: 3 replicas (own coordinators, real clocks, real 250 ms exchanges) send failing calls for
 *    `seconds` with a 2 s window, so counts leave the window all the time; a reference window of the same shape
 *    counts the whole fleet, and every retry granted is checked against `ratio × calls + one floor` there. Runs:
 *    local budgets, shared, shared with a 1 ms timeout (most answers lost), shared with Redis killed mid-run.
 */
import { createRetryBudget, type RetryBudget, syncRetryBudget } from '../../load/retry-budget.js';
import { RollingCounter } from '../../load/rolling-window.js';
import { LocalRedis } from '../../test-support/redis-server.js';
import type { RedisCoordinator } from '../redis-coordinator.js';
import { connectedCoordinator } from './coordinator.js';

const SECONDS = Number(process.argv[2] ?? 6);
const WINDOW = { ratio: 0.2, minPerSecond: 5, windowMs: 2_000, buckets: 10 };
const FLOOR = (WINDOW.minPerSecond * WINDOW.windowMs) / 1000;

function summary(times: number[]): { p50: number; p99: number; max: number } {
  const sorted = [...times].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  const round = (ms: number) => Math.round(ms * 1_000) / 1_000;
  return { p50: round(at(0.5)), p99: round(at(0.99)), max: round(sorted.at(-1) ?? 0) };
}

/** ns per call + retry decision, over `n` iterations after a warm-up. */
function hotPath(budget: RetryBudget, n: number): number {
  for (let i = 0; i < 10_000; i++) {
    budget.onCall();
    budget.tryAcquireRetry();
  }
  const started = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    budget.onCall();
    budget.tryAcquireRetry();
  }
  return Math.round(Number(process.hrtime.bigint() - started) / n);
}

const redis = await LocalRedis.start();
const coordinators: RedisCoordinator[] = [];
async function coordinator(prefix: string, timeoutMs = 50): Promise<RedisCoordinator> {
  const made = await connectedCoordinator({ url: redis.url, keyPrefix: prefix, timeoutMs });
  coordinators.push(made);
  return made;
}

/** One over-grant run: returns the fleet's calls, retries and the largest excess over the bound seen. */
async function overGrant(mode: 'local' | 'shared' | 'lost-answers' | 'redis-killed') {
  const prefix = `overgrant-${mode}`;
  const budgets: RetryBudget[] = [];
  for (let i = 0; i < 3; i++) {
    const shared = mode === 'local' ? undefined : await coordinator(prefix, mode === 'lost-answers' ? 1 : 50);
    budgets.push(createRetryBudget('llm', { ...WINDOW, registry: null, ...(shared && { shared }) }));
  }
  // Each replica starts once an exchange succeeded (with a 1 ms timeout, that may take a few tries).
  for (const budget of budgets) {
    for (let i = 0; mode !== 'local' && i < 1_000 && !(await syncRetryBudget(budget)); i++);
  }
  const reference = new RollingCounter(WINDOW.windowMs, WINDOW.buckets, 2, () => performance.now());
  let calls = 0;
  let retries = 0;
  let worst = Number.NEGATIVE_INFINITY;
  let localGrants = 0;
  const until = performance.now() + SECONDS * 1_000;
  let killed = false;
  while (performance.now() < until) {
    if (mode === 'redis-killed' && !killed && performance.now() > until - (SECONDS * 1_000) / 2) {
      killed = true;
      await redis.kill();
    }
    // Each replica: a burst of 5 failing calls, each asking for up to 3 retries, then a 5 ms pause.
    for (const budget of budgets) {
      for (let call = 0; call < 5; call++) {
        budget.onCall();
        reference.add(0);
        calls++;
        for (let retry = 0; retry < 3; retry++) {
          const local = mode !== 'local' && budget.snapshot().scope === 'local';
          if (!budget.tryAcquireRetry()) break;
          if (local) localGrants++;
          reference.add(1);
          retries++;
          worst = Math.max(worst, reference.total(1) - (WINDOW.ratio * reference.total(0) + FLOOR));
        }
      }
    }
    await new Promise(resolve => setTimeout(resolve, 5));
  }
  const failedSyncs = budgets.reduce((n, b) => n + (b.snapshot().shared?.failedSyncs ?? 0), 0);
  for (const budget of budgets) budget.dispose();
  if (killed) await redis.restart();
  const excess = Math.round(worst * 100) / 100;
  return { mode, calls, retries, worstExcess: excess, floor: FLOOR, failedSyncs, localGrants };
}

try {
  const fleet = await coordinator('cost');
  const local = createRetryBudget('local', { registry: null, minPerSecond: 1e6 });
  const shared = createRetryBudget('shared', { registry: null, minPerSecond: 1e6, shared: fleet });
  await syncRetryBudget(shared);
  console.log(
    JSON.stringify({ hotPathNs: { local: hotPath(local, 1_000_000), shared: hotPath(shared, 1_000_000) } }),
  );

  const replicas = [fleet, await coordinator('cost'), await coordinator('cost')].map(c =>
    createRetryBudget('rtt', { registry: null, shared: c }),
  );
  const times: number[] = [];
  for (let i = 0; i < 1_000; i++) {
    const budget = replicas[i % 3]!;
    budget.onCall();
    const started = performance.now();
    await syncRetryBudget(budget);
    times.push(performance.now() - started);
  }
  console.log(JSON.stringify({ exchangeMs: summary(times), replicas: 3 }));
  for (const budget of replicas) budget.dispose();

  for (const mode of ['local', 'shared', 'lost-answers', 'redis-killed'] as const) {
    console.log(JSON.stringify(await overGrant(mode)));
  }

  await redis.kill();
  await syncRetryBudget(shared);
  console.log(
    JSON.stringify({
      hotPathNsRedisKilled: { local: hotPath(local, 1_000_000), shared: hotPath(shared, 1_000_000) },
    }),
  );
  local.dispose();
  shared.dispose();
} finally {
  await Promise.all(coordinators.map(c => c.dispose()));
  await redis.stop();
}
