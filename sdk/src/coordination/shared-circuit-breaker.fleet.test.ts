/**
 * The breaker figure of issue 10 with 3 replica PROCESSES sharing the breaker `provider` on Redis, in front of one
 * failing HTTP provider: once replica A's breaker opens, B and C reject without calling the provider (the
 * propagation time is measured, not asserted: BREAKER_FIGURES=1 prints it); in half-open exactly one probe reaches
 * the provider across the fleet; a failed probe reopens every replica, a successful one closes every replica.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnTsChild, type TsChild } from '../batch/test-support/spawn-child.js';
import { LocalRedis } from '../test-support/redis-server.js';
import { createRedisCoordinator } from './redis-coordinator.js';

const REPLICA = new URL('./test-support/breaker-replica.ts', import.meta.url).href;
const HALF_OPEN_AFTER_MS = 1_000;
const KEY_PREFIX = 'fleet-breaker';

interface ReplicaEvent {
  readonly replica: string;
  readonly event: string;
  readonly [field: string]: unknown;
}

/** One replica process, driven by JSON lines. */
class Replica {
  constructor(
    readonly name: string,
    readonly child: TsChild,
  ) {}

  events(kind: string): ReplicaEvent[] {
    return this.child.lines
      .filter(line => line.startsWith('{'))
      .map(line => JSON.parse(line) as ReplicaEvent)
      .filter(e => e.event === kind);
  }

  /** Sends a command and resolves with the next event of `kind` it prints. */
  async ask(command: Record<string, unknown>, kind: string): Promise<ReplicaEvent> {
    const seen = this.events(kind).length;
    this.child.process.stdin?.write(`${JSON.stringify(command)}\n`);
    const printed = await this.child.waitForCount(lines => this.countOf(lines, kind), seen + 1);
    if (!printed) throw new Error(`replica ${this.name} exited: ${this.child.stderr()}`);
    return this.events(kind)[seen] as ReplicaEvent;
  }

  private countOf(lines: readonly string[], kind: string): number {
    return lines.filter(line => line.includes(`"event":"${kind}"`)).length;
  }

  async calls(count: number): Promise<string[]> {
    return (await this.ask({ cmd: 'call', count }, 'calls')).outcomes as string[];
  }

  async retryAfterMs(): Promise<number | null> {
    return (await this.ask({ cmd: 'state' }, 'state')).retryAfterMs as number | null;
  }

  /** Its first transition to `to` (from `origin`, if given), once printed (bounded by the child's own exit). */
  async transitionTo(to: string, origin?: string): Promise<ReplicaEvent> {
    const find = () =>
      this.events('transition').filter(e => e.to === to && (origin ?? e.origin) === e.origin);
    await this.child.waitForCount(() => find().length, 1);
    const found = find()[0];
    if (found === undefined) throw new Error(`replica ${this.name} never went ${to}: ${this.child.stderr()}`);
    return found;
  }
}

let redis: LocalRedis;
let server: Server;
const provider = { failing: true, hits: 0 };
const replicas: Replica[] = [];
const figures: Record<string, unknown> = {};

beforeAll(async () => {
  redis = await LocalRedis.start();
  server = createServer((_request, response) => {
    provider.hits++;
    response.statusCode = provider.failing ? 503 : 200;
    response.end(provider.failing ? 'down' : 'ok');
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  for (const replica of replicas) {
    if (replica.child.process.exitCode === null) replica.child.process.kill('SIGKILL');
    await replica.child.exited;
  }
  await new Promise(resolve => server.close(resolve));
  await redis.stop();
  if (process.env.BREAKER_FIGURES) console.info('shared circuit breaker fleet figures', figures);
});

/** Polls every replica's wait until `check` holds for all (bounded). */
async function waitUntilAll(check: (retryAfterMs: number | null) => boolean): Promise<void> {
  for (let turn = 0; turn < 400; turn++) {
    const waits = await Promise.all(replicas.map(r => r.retryAfterMs()));
    if (waits.every(check)) return;
    await new Promise(resolve => setTimeout(resolve, 10));
  }
  throw new Error('the replicas never reached the expected wait');
}

/** Five calls at once on every replica; the outcomes, all replicas together. */
async function burst(): Promise<string[]> {
  return (await Promise.all(replicas.map(r => r.calls(5)))).flat().sort();
}

const count = (outcomes: readonly string[], outcome: string) => outcomes.filter(o => o === outcome).length;

describe('a fleet of 3 replica processes sharing one circuit breaker on Redis', () => {
  it('stops calling a failing provider together, probes it once per half-open, and closes together', async () => {
    const { port } = server.address() as AddressInfo;
    const providerUrl = `http://127.0.0.1:${port}/v1/chat`;
    for (const name of ['a', 'b', 'c']) {
      const args = [redis.url, providerUrl, KEY_PREFIX, name, String(HALF_OPEN_AFTER_MS)];
      replicas.push(new Replica(name, spawnTsChild(REPLICA, args)));
    }
    const [a, b, c] = replicas as [Replica, Replica, Replica];
    // Publish until every replica hears it: their breaker subscriptions (made before) are live too.
    const parent = createRedisCoordinator({ url: redis.url, keyPrefix: KEY_PREFIX, name: 'parent' });
    for (let i = 0; i < 1_000 && !replicas.every(r => r.events('ready').length > 0); i++) {
      await parent.publish('subscribe', `${KEY_PREFIX}:ready`, 'ping');
      await new Promise(resolve => setTimeout(resolve, 20));
    }
    await parent.dispose();
    expect(replicas.map(r => r.events('ready').length)).toEqual([1, 1, 1]);

    // A meets the failing provider and opens; B and C open from the fleet.
    expect(await a.calls(3)).toEqual(['failed', 'failed', 'failed']);
    const openedOnA = (await a.transitionTo('open', 'local')).at as number;
    const propagation = await Promise.all([b, c].map(r => r.transitionTo('open', 'fleet')));
    figures.propagationMs = propagation.map(e => Number(((e.at as number) - openedOnA).toFixed(2)));
    expect(provider.hits).toBe(3);
    expect([...(await b.calls(5)), ...(await c.calls(5))]).toEqual(Array(10).fill('rejected'));
    expect(provider.hits).toBe(3);

    // Half-open: 15 calls across the fleet, one probe; it fails and every replica waits again.
    await waitUntilAll(wait => wait === 0);
    const firstProbe = await burst();
    expect(provider.hits).toBe(4);
    expect([count(firstProbe, 'failed'), count(firstProbe, 'rejected')]).toEqual([1, 14]);
    await waitUntilAll(wait => wait !== null && wait > HALF_OPEN_AFTER_MS / 2);
    expect(await burst()).toEqual(Array(15).fill('rejected'));
    expect(provider.hits).toBe(4);

    // The provider is back: one probe, and every replica closes.
    provider.failing = false;
    await waitUntilAll(wait => wait === 0);
    const secondProbe = await burst();
    expect(provider.hits).toBe(5);
    expect([count(secondProbe, 'ok'), count(secondProbe, 'rejected')]).toEqual([1, 14]);
    figures.probesPerHalfOpen = [count(firstProbe, 'failed'), count(secondProbe, 'ok')];
    // The prober closed on its own outcome, the two others from the fleet.
    const closed = await Promise.all(replicas.map(r => r.transitionTo('closed')));
    expect(closed.map(e => e.origin).sort()).toEqual(['fleet', 'fleet', 'local']);
    expect(await burst()).toEqual(Array(15).fill('ok'));

    for (const replica of replicas) replica.child.process.stdin?.write('{"cmd":"exit"}\n');
    expect(await Promise.all(replicas.map(r => r.child.exited))).toEqual([0, 0, 0]);
  }, 60_000);
});
