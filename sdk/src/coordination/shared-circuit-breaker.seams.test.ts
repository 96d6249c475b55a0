/**
 * The shared circuit breaker where its parts meet, on a real Redis: two breakers of one name on one coordinator,
 * and a breaker disposed while it holds the fleet's probe lease or an isolation.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CircuitBreaker } from '../policies/circuit-breaker.js';
import { createCircuitBreaker } from '../policies/create-circuit-breaker.js';
import { LocalRedis } from '../test-support/redis-server.js';
import { createRedisCoordinator, type RedisCoordinator } from './redis-coordinator.js';
import {
  HALF_OPEN_AFTER_MS,
  KEY_PREFIX,
  open,
  provider,
  sleep,
  until,
} from './test-support/breaker-fleet.js';

let redis: LocalRedis;
const coordinators: RedisCoordinator[] = [];
const breakers: CircuitBreaker[] = [];

beforeAll(async () => {
  redis = await LocalRedis.start();
});
afterAll(async () => {
  await redis.stop();
});
afterEach(async () => {
  for (const breaker of breakers.splice(0)) breaker.dispose();
  await Promise.all(coordinators.splice(0).map(c => c.dispose()));
});

async function coordinator(): Promise<RedisCoordinator> {
  const made = createRedisCoordinator({ url: redis.url, keyPrefix: KEY_PREFIX });
  coordinators.push(made);
  await until(() => made.state === 'connected', 'connected');
  return made;
}

/** A breaker that opens after 2 failures and whose probe lease outlives every test (60 s). */
function breaker(name: string, shared: RedisCoordinator): CircuitBreaker {
  const made = createCircuitBreaker(name, {
    registry: null,
    shared,
    breaker: { kind: 'consecutive', threshold: 2 },
    halfOpenAfterMs: HALF_OPEN_AFTER_MS,
    probeTimeoutMs: 60_000,
  });
  breakers.push(made);
  return made;
}

const leaseKey = (name: string) => `${KEY_PREFIX}:circuit_breaker.lease:{${name}}`;

describe('shared circuit breaker seams', () => {
  // Defect: two breakers of one name on one coordinator (registry: null, or two registries) shared the
  // coordinator's instanceId: the second never heard the first's announcements, was not held by its isolation
  // (it took the isolation as its own) and, reading it, proposed "not isolated by me": it released the operator's
  // isolation for the whole fleet within a second. Both were granted the probe lease too.
  it('keeps two breakers of one name on one coordinator apart: an isolation by one holds the other', async () => {
    const name = `svc-${randomUUID().slice(0, 8)}`;
    const here = await coordinator();
    const there = await coordinator();
    const [first, second, remote] = [breaker(name, here), breaker(name, here), breaker(name, there)];
    const hold = first.isolate();
    await until(() => remote.state === 'isolated', 'the other replica is isolated');
    await until(() => second.state === 'isolated', 'the sibling on the same coordinator is isolated');
    expect(remote.state).toBe('isolated');
    hold.dispose();
    await until(() => [first, second, remote].every(b => b.state === 'closed'), 'all are released');
  });

  // Defect: a breaker disposed while its probe ran kept the fleet's probe lease until probeTimeoutMs ran out (30 s by
  // default): every other replica kept rejecting although nobody probed any more.
  it('frees the probe lease it holds when disposed', async () => {
    const name = `svc-${randomUUID().slice(0, 8)}`;
    const [a, b] = [breaker(name, await coordinator()), breaker(name, await coordinator())];
    const { call } = provider();
    expect(await open(a, call)).toBe(true);
    await until(() => b.retryAfterMs === 0, 'a probe is due on B');
    void b.execute(() => new Promise(() => {})); // a probe that never ends
    await until(() => b.state === 'half_open', 'B probes');
    const run = (args: string[]) => coordinators[0]?.run('circuit_breaker_read', c => c.sendCommand(args));
    expect(await run(['EXISTS', leaseKey(name)])).toBe(1);
    b.dispose();
    let leased: unknown = 1;
    for (let i = 0; i < 200 && leased !== 0; i++) {
      leased = await run(['EXISTS', leaseKey(name)]);
      if (leased !== 0) await sleep(10);
    }
    expect(leased).toBe(0);
    const probe = a.execute(async () => 'ok');
    await expect(probe).resolves.toBe('ok');
  });

  // Defect: a breaker disposed while an operator held it isolated (a replica shutting down) left its id in the
  // fleet's isolatedBy: every other replica stayed isolated for good (no other replica may release it, reset()
  // keeps isolations, and every write carried it forward with a fresh 24 h TTL).
  it('releases its isolation of the fleet when disposed', async () => {
    const name = `svc-${randomUUID().slice(0, 8)}`;
    const [a, b] = [breaker(name, await coordinator()), breaker(name, await coordinator())];
    a.isolate();
    await until(() => b.state === 'isolated', 'B is isolated');
    a.dispose();
    await until(() => b.state === 'closed', 'B is released');
  });
});
