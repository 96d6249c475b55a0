/**
 * The added cost per call of each piece shared across replicas through Redis (issue 10 §3), on a local
 * redis-server (Debian's, on a free loopback port): a policy with a shared breaker, a shared retry budget or a
 * shared rate limiter, against the same policy with local ones, on the success path; then Redis is killed
 * (SIGKILL) and the same calls show what falling back costs (and that none fails). Needs `redis-server` on PATH
 * (CI installs it); skipped with a line saying so otherwise. Run on its own with
 * `node --import tsx bench/coordination.ts` (after `npm run build`), or through `npm run bench`.
 */
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { createCircuitBreaker, createPolicy, createRateLimiter, createRetryBudget } from 'agent-resilience';
import { createRedisCoordinator, type RedisCoordinator } from 'agent-resilience/redis';
import { LocalRedis } from '../sdk/src/test-support/redis-server.js';
import { table } from './table.js';

type Piece = 'breaker' | 'budget' | 'rate limiter';
const PIECES: readonly Piece[] = ['breaker', 'budget', 'rate limiter'];

/** One row: per-call latency of a piece, local vs shared, with Redis up or killed. */
export interface CoordinationRow {
  readonly piece: Piece;
  readonly redis: 'up' | 'killed';
  readonly calls: number;
  readonly localMeanUs: number;
  readonly sharedMeanUs: number;
  readonly sharedP99Us: number;
  readonly failed: number;
}

function policyWith(piece: Piece, name: string, shared: RedisCoordinator | undefined) {
  const share = shared === undefined ? {} : { shared };
  const options = { registry: null, ...share };
  if (piece === 'breaker') {
    const circuitBreaker = createCircuitBreaker(name, options);
    return {
      policy: createPolicy(name, { registry: null, circuitBreaker }),
      dispose: () => circuitBreaker.dispose(),
    };
  }
  if (piece === 'budget') {
    const budget = createRetryBudget(name, options);
    return {
      policy: createPolicy(name, { registry: null, retry: { maxRetries: 2, budget } }),
      dispose: () => budget.dispose(),
    };
  }
  // A limit no call reaches: every call takes a permit (one per call, keyed like a thread's messages).
  const rateLimiter = createRateLimiter(name, { ...options, limit: 1_000_000, intervalMs: 1_000 });
  return {
    policy: createPolicy(name, { registry: null, rateLimiter }),
    dispose: () => rateLimiter.dispose(),
  };
}

async function latencies(piece: Piece, name: string, shared: RedisCoordinator | undefined, calls: number) {
  const { policy, dispose } = policyWith(piece, name, shared);
  const ok = () => Promise.resolve('ok');
  const times: number[] = [];
  let failed = 0;
  try {
    for (let i = 0; i < calls; i++) {
      const started = performance.now();
      await policy.execute(ok, { rateLimitKey: `thread-${i % 100}` }).catch(() => failed++);
      times.push((performance.now() - started) * 1_000);
    }
  } finally {
    policy.dispose();
    dispose();
  }
  const sorted = [...times].sort((a, b) => a - b);
  const mean = times.reduce((sum, t) => sum + t, 0) / times.length;
  return { mean, p99: sorted[Math.floor(0.99 * (sorted.length - 1))] ?? 0, failed };
}

async function connected(coordinator: RedisCoordinator): Promise<void> {
  for (let turn = 0; turn < 1_000 && coordinator.state !== 'connected'; turn++) {
    await new Promise(resolve => setTimeout(resolve, 5));
  }
}

/** Measures every piece, Redis up then killed; `undefined` when no redis-server is installed. */
export async function runCoordinationBench(quick = false): Promise<CoordinationRow[] | undefined> {
  if (spawnSync('sh', ['-c', 'command -v redis-server']).status !== 0) return undefined;
  const calls = quick ? 500 : 5_000;
  const redis = await LocalRedis.start();
  const fleet = createRedisCoordinator({ url: redis.url, keyPrefix: 'bench' });
  const rows: CoordinationRow[] = [];
  try {
    await connected(fleet);
    for (const redisUp of [true, false]) {
      if (!redisUp) await redis.kill();
      for (const piece of PIECES) {
        const tag = piece.replace(' ', '-');
        await latencies(piece, `warm.${tag}`, fleet, Math.min(calls, 500));
        const local = await latencies(piece, `local.${tag}`, undefined, calls);
        const shared = await latencies(piece, `shared.${tag}`, fleet, calls);
        rows.push({
          piece,
          redis: redisUp ? 'up' : 'killed',
          calls,
          localMeanUs: local.mean,
          sharedMeanUs: shared.mean,
          sharedP99Us: shared.p99,
          failed: shared.failed,
        });
      }
    }
  } finally {
    await fleet.dispose();
    await redis.stop();
  }
  return rows;
}

export function coordinationTable(rows: CoordinationRow[] | undefined): string {
  if (rows === undefined) return 'shared pieces on Redis: skipped (redis-server is not on PATH)';
  return table(
    [
      'shared piece (Redis on loopback)',
      'redis',
      'calls',
      'µs local',
      'µs shared',
      'added µs',
      'p99 µs shared',
      'failed',
    ],
    rows.map(r => [
      r.piece,
      r.redis,
      String(r.calls),
      r.localMeanUs.toFixed(1),
      r.sharedMeanUs.toFixed(1),
      (r.sharedMeanUs - r.localMeanUs).toFixed(1),
      r.sharedP99Us.toFixed(1),
      String(r.failed),
    ]),
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(coordinationTable(await runCoordinationBench(process.argv.includes('--quick'))));
}
