/**
 * Measures the added cost per permit of a shared rate limiter on a loopback Redis against the local limiter
 * (the figures of issue 10 §3; not a test: timings are reported, never asserted).
 *
 * Usage: node --import tsx sdk/src/coordination/test-support/rate-limit-cost.ts [acquires=2000]
 * Each run: "10 per 10 s per thread" over acquires / 10 threads (every permit granted), after a warm-up; a
 * PING gives the bare round trip; then Redis is killed (SIGKILL) and the same runs show the cost of falling back.
 */
import { createRateLimiter, type RateLimiter } from '../../load/rate-limiter.js';
import { LocalRedis } from '../../test-support/redis-server.js';
import { connectedCoordinator } from './coordinator.js';

const ACQUIRES = Number(process.argv[2] ?? 2_000);

/** Per-acquire latencies in ms of `acquires` permits spread over threads of 10 permits each. */
async function latencies(limiter: RateLimiter, prefix: string, acquires: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < acquires; i++) {
    const started = performance.now();
    await limiter.acquire(`${prefix}-${Math.floor(i / 10)}`);
    times.push(performance.now() - started);
  }
  return times;
}

function summary(times: number[]): { mean: number; p50: number; p99: number } {
  const sorted = [...times].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  const mean = times.reduce((sum, t) => sum + t, 0) / times.length;
  const round = (ms: number) => Math.round(ms * 1_000) / 1_000;
  return { mean: round(mean), p50: round(at(0.5)), p99: round(at(0.99)) };
}

const redis = await LocalRedis.start();
const fleet = await connectedCoordinator({ url: redis.url, keyPrefix: 'cost' });
try {
  const pings: number[] = [];
  for (let i = 0; i < ACQUIRES; i++) {
    const started = performance.now();
    await fleet.run('connect', client => client.sendCommand(['PING']));
    pings.push(performance.now() - started);
  }
  console.log(JSON.stringify({ roundTrip: 'PING', ms: summary(pings) }));
  for (const redisUp of [true, false]) {
    if (!redisUp) await redis.kill();
    for (const kind of ['sliding_window', 'token_bucket'] as const) {
      const options = { kind, limit: 10, intervalMs: 10_000, registry: null };
      const local = createRateLimiter(`local-${kind}`, options);
      const shared = createRateLimiter(`shared-${kind}`, { ...options, shared: fleet });
      await latencies(local, 'warm', 500);
      await latencies(shared, 'warm', 500);
      const row = {
        kind,
        redis: redisUp ? 'up' : 'killed',
        acquires: ACQUIRES,
        localMs: summary(await latencies(local, 'run', ACQUIRES)),
        sharedMs: summary(await latencies(shared, 'run', ACQUIRES)),
        fallbacks: shared.snapshot().fallbacks,
        granted: shared.snapshot().granted - 500,
      };
      console.log(JSON.stringify(row));
    }
  }
} finally {
  await fleet.dispose();
  await redis.stop();
}
