/**
 * Replicas of a shared circuit breaker in one process, for the Redis tests of `shared-circuit-breaker*.test.ts`:
 * each has its own coordinator (own connections, own `instanceId`) and its own breaker of one name.
 */
import { randomUUID } from 'node:crypto';
import type { CircuitBreaker } from '../../policies/circuit-breaker.js';
import { createCircuitBreaker } from '../../policies/create-circuit-breaker.js';
import { httpError } from '../../test-support/errors.js';
import { createRedisCoordinator, type RedisCoordinator } from '../redis-coordinator.js';

export const HALF_OPEN_AFTER_MS = 300;
export const PROBE_TIMEOUT_MS = 2_000;
/** The tests' key prefix. */
export const KEY_PREFIX = 'test';

export const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

/** Resolves once `check()` holds, polled every 5 ms (bounded: fails after ~10 s). */
export async function until(check: () => boolean, what: string): Promise<void> {
  for (let turn = 0; turn < 2_000 && !check(); turn++) await sleep(5);
  if (!check()) throw new Error(`timed out waiting until ${what}`);
}

/** Replicas of the breaker `name` (a fresh one per fleet), listening once `start` resolves. */
export class InProcessFleet {
  readonly name = `provider-${randomUUID().slice(0, 8)}`;
  readonly breakers: CircuitBreaker[];

  private constructor(readonly coordinators: readonly RedisCoordinator[]) {
    this.breakers = coordinators.map(shared =>
      createCircuitBreaker(this.name, {
        registry: null,
        shared,
        breaker: { kind: 'consecutive', threshold: 2 },
        halfOpenAfterMs: HALF_OPEN_AFTER_MS,
        probeTimeoutMs: PROBE_TIMEOUT_MS,
      }),
    );
  }

  static async start(url: string, count: number): Promise<InProcessFleet> {
    const coordinators = Array.from({ length: count }, (_, i) =>
      createRedisCoordinator({ url, keyPrefix: KEY_PREFIX, name: `replica-${i}` }),
    );
    await until(() => coordinators.every(c => c.state === 'connected'), 'every coordinator is connected');
    const fleet = new InProcessFleet(coordinators);
    await fleet.listening();
    return fleet;
  }

  /** The keys and channel of the breaker. */
  get keys() {
    return {
      state: `${KEY_PREFIX}:circuit_breaker:{${this.name}}`,
      lease: `${KEY_PREFIX}:circuit_breaker.lease:{${this.name}}`,
      channel: `${KEY_PREFIX}:circuit_breaker.changes:{${this.name}}`,
    };
  }

  /** Resolves once every coordinator hears a fresh channel: the subscriptions made before it are live. */
  private async listening(): Promise<void> {
    const channel = `${KEY_PREFIX}:ready:${randomUUID()}`;
    const heard = new Set<number>();
    const stops = this.coordinators.map((c, i) => c.subscribe(channel, () => heard.add(i)));
    for (let i = 0; i < 200 && heard.size < this.coordinators.length; i++) {
      await this.coordinators[0]?.publish('subscribe', channel, 'ping');
      await sleep(10);
    }
    for (const stop of stops) stop();
    if (heard.size < this.coordinators.length) throw new Error('a replica never heard the fleet');
  }

  /** Runs a Redis command on the first replica's connection (undefined when Redis did not answer). */
  command(args: string[]): Promise<unknown> {
    return this.coordinators[0]?.run('circuit_breaker_read', c => c.sendCommand(args)) ?? Promise.resolve();
  }

  async dispose(): Promise<void> {
    for (const breaker of this.breakers) breaker.dispose();
    await Promise.all(this.coordinators.map(c => c.dispose()));
  }
}

/** A provider that counts its calls and fails with a 503 while `failing`. */
export function provider() {
  const state = { calls: 0, failing: true };
  const call = async () => {
    state.calls++;
    if (state.failing) throw httpError(503);
    return 'ok';
  };
  return { state, call };
}

/** Fails calls through `breaker` until it opens (bounded); whether it did. */
export async function open(
  breaker: CircuitBreaker | undefined,
  call: () => Promise<unknown>,
): Promise<boolean> {
  for (let i = 0; i < 5 && breaker?.state !== 'open'; i++)
    await breaker?.execute(call).catch(() => undefined);
  return breaker?.state === 'open';
}
