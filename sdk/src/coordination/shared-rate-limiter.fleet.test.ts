/**
 * The headline figure of issue 10: 3 replica processes × 1 conversation thread sending 40 messages within 10 s,
 * under "10 messages per 10 s per thread". The thread's messages land on any replica (14 + 13 + 13); each
 * replica sends its share as fast as it can, all at once. Shared on Redis: exactly 10 admitted across the fleet;
 * local limiters: 10 per replica, 30.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { spawnTsChild, type TsChild } from '../batch/test-support/spawn-child.js';
import { LocalRedis } from '../test-support/redis-server.js';

const REPLICA = new URL('./test-support/rate-limit-replica.ts', import.meta.url).href;
const SHARES = [14, 13, 13];

let redis: LocalRedis;
beforeAll(async () => {
  redis = await LocalRedis.start();
});
afterAll(() => redis.stop());

const replicas: TsChild[] = [];
afterEach(async () => {
  for (const replica of replicas.splice(0)) {
    if (replica.process.exitCode === null) replica.process.kill('SIGKILL');
    await replica.exited;
  }
});

interface ReplicaResult {
  readonly admitted: number;
  readonly rejected: number;
  readonly fallbacks: number;
}

describe('a fleet of 3 replica processes, one thread sending 40 messages in 10 s', () => {
  it.each([
    { limiters: 'shared on Redis', mode: 'shared', admitted: 10 },
    { limiters: 'local', mode: 'local', admitted: 30 },
  ] as const)(
    '$limiters: $admitted admitted',
    async ({ mode, admitted }) => {
      for (const share of SHARES) {
        replicas.push(spawnTsChild(REPLICA, [redis.url, `fleet-${mode}`, mode, String(share)]));
      }
      await Promise.all(replicas.map(r => r.waitForLine(line => line === 'ready', 20_000)));
      for (const replica of replicas) replica.process.stdin?.write('go\n');
      const results = await Promise.all(
        replicas.map(async r => JSON.parse(await r.waitForLine(line => line.startsWith('{'), 15_000))),
      );
      const fleet = (results as ReplicaResult[]).reduce((sum, r) => ({
        admitted: sum.admitted + r.admitted,
        rejected: sum.rejected + r.rejected,
        fallbacks: sum.fallbacks + r.fallbacks,
      }));
      expect(fleet).toEqual({ admitted, rejected: 40 - admitted, fallbacks: 0 });
      expect(await Promise.all(replicas.map(r => r.exited))).toEqual([0, 0, 0]);
    },
    60_000,
  );
});
