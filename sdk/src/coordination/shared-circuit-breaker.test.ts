/**
 * The shared circuit breaker on a real Redis, with several replicas in one process (one coordinator each): a
 * fleet opens together, probes once per half-open, and resets and isolates together.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CircuitOpenError } from '../errors/signals.js';
import type { CircuitBreaker } from '../policies/circuit-breaker.js';
import {
  ATTR_RESILIENCE_CIRCUIT_BREAKER_STATE,
  ATTR_RESILIENCE_POLICY,
  METRIC_CIRCUIT_BREAKER_TRANSITIONS,
} from '../semconv.js';
import { TestTelemetry } from '../test-support/otel.js';
import { LocalRedis } from '../test-support/redis-server.js';
import { STATE_TTL_MS } from './shared-circuit-breaker.js';
import {
  HALF_OPEN_AFTER_MS,
  InProcessFleet,
  open,
  PROBE_TIMEOUT_MS,
  provider,
  until,
} from './test-support/breaker-fleet.js';

let redis: LocalRedis;
let otel: TestTelemetry;
let fleet: InProcessFleet;
/** Measured figures (not asserted: timing goals live in bench/); printed with BREAKER_FIGURES=1. */
const figures: Record<string, unknown> = {};

beforeAll(async () => {
  redis = await LocalRedis.start();
});
afterAll(async () => {
  await redis.stop();
  if (process.env.BREAKER_FIGURES) console.info('shared circuit breaker figures', figures);
});

async function replicas(count: number): Promise<CircuitBreaker[]> {
  fleet = await InProcessFleet.start(redis.url, count);
  return fleet.breakers;
}

describe('createCircuitBreaker({ shared: createRedisCoordinator() })', () => {
  beforeEach(() => {
    otel = new TestTelemetry().install();
  });
  afterEach(async () => {
    await fleet?.dispose();
    await otel.uninstall();
  });

  it('opens B and C when A opens: they reject without calling the provider, their telemetry follows', async () => {
    const [a, b, c] = await replicas(3);
    const openedAt = new Map<string, number>();
    for (const [i, breaker] of [a, b, c].entries()) {
      breaker?.onTransition(t => {
        if (t.to === 'open') openedAt.set(`${i}:${t.origin}`, performance.now());
      });
    }
    const { state, call } = provider();
    expect(await open(a, call)).toBe(true);
    await until(() => b?.state === 'open' && c?.state === 'open', 'B and C are open');
    const start = openedAt.get('0:local') ?? 0;
    figures.propagationMs = [openedAt.get('1:fleet'), openedAt.get('2:fleet')].map(t =>
      Number(((t ?? Number.NaN) - start).toFixed(2)),
    );
    const calls = state.calls;
    for (const breaker of [b, c]) {
      for (let i = 0; i < 5; i++)
        await expect(breaker?.execute(call)).rejects.toBeInstanceOf(CircuitOpenError);
    }
    expect(state.calls).toBe(calls);
    expect(
      await otel.total(METRIC_CIRCUIT_BREAKER_TRANSITIONS, {
        [ATTR_RESILIENCE_POLICY]: fleet.name,
        [ATTR_RESILIENCE_CIRCUIT_BREAKER_STATE]: 'open',
      }),
    ).toBe(3);
    // The state carries a TTL; nothing under the prefix lives forever.
    const ttl = Number(await fleet.command(['PTTL', fleet.keys.state]));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(STATE_TTL_MS);
  });

  it('sends exactly one probe across the fleet in half-open; its failure reopens all, its success closes all', async () => {
    const all = await replicas(3);
    const { state, call } = provider();
    expect(await open(all[0], call)).toBe(true);
    await until(() => all.every(b => b.state === 'open'), 'every replica is open');
    const burst = () =>
      Promise.allSettled(all.flatMap(b => [b.execute(call), b.execute(call), b.execute(call)]));

    await until(() => all.every(b => b.retryAfterMs === 0), 'a probe is due');
    let before = state.calls;
    await burst();
    expect(state.calls - before).toBe(1);
    figures.probesPerHalfOpen = [state.calls - before];
    // The failed probe reopened every replica with a fresh wait: a burst right away calls nobody.
    await until(() => all.every(b => (b.retryAfterMs ?? 0) > HALF_OPEN_AFTER_MS / 2), 'all wait again');
    before = state.calls;
    await burst();
    expect(state.calls).toBe(before);

    state.failing = false;
    await until(() => all.every(b => b.retryAfterMs === 0), 'a probe is due again');
    before = state.calls;
    await burst();
    expect(state.calls - before).toBe(1);
    (figures.probesPerHalfOpen as number[]).push(state.calls - before);
    await until(() => all.every(b => b.state === 'closed'), 'every replica is closed');
    // The lease died with the probe's outcome.
    expect(await fleet.command(['EXISTS', fleet.keys.lease])).toBe(0);
  });

  it('holds the probe lease under its replica id with the probe timeout as TTL while the probe runs', async () => {
    const [a, b] = await replicas(2);
    const { call } = provider();
    expect(await open(a, call)).toBe(true);
    await until(() => b?.retryAfterMs === 0, 'a probe is due');
    let finish: () => void = () => {};
    const probe = b?.execute(() => new Promise<void>(resolve => (finish = resolve)));
    await until(() => b?.state === 'half_open', 'B probes');
    const lease = fleet.keys.lease;
    expect(await fleet.command(['GET', lease])).toMatch(
      new RegExp(`^${fleet.coordinators[1]?.instanceId}\\.\\d+$`),
    );
    const ttl = Number(await fleet.command(['PTTL', lease]));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(PROBE_TIMEOUT_MS);
    await expect(a?.execute(call)).rejects.toBeInstanceOf(CircuitOpenError);
    finish();
    await probe;
    await until(() => a?.state === 'closed', 'A closes');
    expect(await fleet.command(['EXISTS', lease])).toBe(0);
  });

  it('resets and isolates the whole fleet from one replica', async () => {
    const [a, b, c] = await replicas(3);
    const { call } = provider();
    expect(await open(b, call)).toBe(true);
    await until(() => a?.state === 'open' && c?.state === 'open', 'A and C are open');
    a?.reset(); // what POST /circuit-breakers/:name/reset calls
    await until(() => b?.state === 'closed' && c?.state === 'closed', 'B and C are closed');
    const hold = c?.isolate();
    await until(() => a?.state === 'isolated' && b?.state === 'isolated', 'A and B are isolated');
    hold?.dispose();
    await until(() => a?.state === 'closed' && b?.state === 'closed', 'A and B are released');
  });
});
