/**
 * One replica process of the fleet test (`shared-circuit-breaker.fleet.test.ts`): its own coordinator and the
 * breaker `provider` shared through it (3 consecutive failures open it; a probe after `halfOpenAfterMs`), in
 * front of an HTTP provider. Driven by one JSON command per stdin line:
 * - `{ "cmd": "call", "count": n }`: n calls at once; prints `{ "event": "calls", "outcomes": [...] }`, each
 *   `ok`, `failed` (the provider's error) or `rejected` (the open circuit);
 * - `{ "cmd": "state" }`: prints `{ "event": "state", "state", "retryAfterMs" }`;
 * - `{ "cmd": "exit" }`: leaves the fleet and exits 0.
 * Prints `{ "event": "ready" }` when it hears the parent on `<keyPrefix>:ready` (its subscriptions are live),
 * and `{ "event": "transition", "from", "to", "origin", "at" }` on every transition (`at`: wall clock, µs).
 *
 * Usage: breaker-replica.ts <redis url> <provider url> <key prefix> <replica name> <halfOpenAfterMs>
 * Bounded: it exits after 60 s, or as soon as its stdin closes (the parent is gone).
 */
import { createInterface } from 'node:readline';
import { CircuitOpenError } from '../../errors/signals.js';
import { createCircuitBreaker } from '../../policies/create-circuit-breaker.js';
import { createRedisCoordinator } from '../redis-coordinator.js';

const [url = '', providerUrl = '', keyPrefix = '', replica = '', halfOpenAfterMs = '1000'] =
  process.argv.slice(2);
setTimeout(() => process.exit(3), 60_000).unref();

const now = () => performance.timeOrigin + performance.now();
const say = (event: Record<string, unknown>) => console.log(JSON.stringify({ replica, ...event }));

const fleet = createRedisCoordinator({ url, keyPrefix, name: replica });
const breaker = createCircuitBreaker('provider', {
  registry: null,
  shared: fleet,
  breaker: { kind: 'consecutive', threshold: 3 },
  halfOpenAfterMs: Number(halfOpenAfterMs),
  probeTimeoutMs: 5_000,
});
breaker.onTransition(t => say({ event: 'transition', from: t.from, to: t.to, origin: t.origin, at: now() }));
let ready = false;
fleet.subscribe(`${keyPrefix}:ready`, () => {
  if (!ready) say({ event: 'ready' });
  ready = true;
});

async function call(): Promise<string> {
  try {
    await breaker.execute(async ({ signal }) => {
      const response = await fetch(providerUrl, { signal, headers: { 'x-replica': replica } });
      await response.text();
      if (!response.ok)
        throw Object.assign(new Error(`HTTP ${response.status}`), { status: response.status });
    });
    return 'ok';
  } catch (error) {
    return error instanceof CircuitOpenError ? 'rejected' : 'failed';
  }
}

const stdin = createInterface({ input: process.stdin });
stdin.once('close', () => process.exit(4));
stdin.on('line', line => {
  const command = JSON.parse(line) as { cmd: string; count?: number };
  if (command.cmd === 'call') {
    void Promise.all(Array.from({ length: command.count ?? 1 }, call)).then(outcomes =>
      say({ event: 'calls', outcomes }),
    );
  } else if (command.cmd === 'state') {
    say({ event: 'state', state: breaker.state, retryAfterMs: breaker.retryAfterMs ?? null });
  } else if (command.cmd === 'exit') {
    breaker.dispose();
    void fleet.dispose().then(() => process.exit(0));
  }
});
