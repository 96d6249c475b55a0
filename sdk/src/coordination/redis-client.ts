import { createHash } from 'node:crypto';
import { createClient } from 'redis';

/**
 * What a coordinator needs of a Redis client: the node-redis client (`createClient()` of the `redis` package,
 * 6.x) has it. Only generic commands are used (`sendCommand`), so a wrapper or a test double fits as well.
 */
export interface RedisClientLike {
  /** Whether the connection is up and commands are answered (node-redis `isReady`). */
  readonly isReady: boolean;
  sendCommand(args: string[]): Promise<unknown>;
  /** A second connection with the same options (pub/sub needs its own). */
  duplicate(): RedisClientLike;
  connect(): Promise<unknown>;
  subscribe(channel: string, listener: (message: string, channel: string) => void): Promise<unknown>;
  unsubscribe(channel?: string): Promise<unknown>;
  /** node-redis emits `error` on every connection problem; without a listener Node would crash the process. */
  on(event: 'error', listener: (error: unknown) => void): unknown;
  on(event: 'ready', listener: () => void): unknown;
  close?(): Promise<unknown>;
  destroy?(): unknown;
}

/**
 * A client of our own for `url`: commands fail at once while disconnected (no offline queue: a call must never
 * wait for Redis to come back), connection attempts are bounded, and reconnection backs off up to 2 s forever.
 */
export function clientForUrl(url: string, connectTimeoutMs: number): RedisClientLike {
  return createClient({
    url,
    disableOfflineQueue: true,
    socket: {
      connectTimeout: connectTimeoutMs,
      reconnectStrategy: (retries: number) => Math.min(50 * 2 ** Math.min(retries, 6), 2_000),
    },
  }) as unknown as RedisClientLike;
}

/** A Lua script run by its SHA1 (`EVALSHA`), loaded again with `EVAL` when the server does not know it. */
export class RedisScript {
  readonly sha: string;

  constructor(readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run(client: RedisClientLike, keys: readonly string[], args: readonly string[]): Promise<unknown> {
    const tail = [String(keys.length), ...keys, ...args];
    try {
      return await client.sendCommand(['EVALSHA', this.sha, ...tail]);
    } catch (error) {
      if (!String((error as { message?: unknown } | null)?.message ?? '').startsWith('NOSCRIPT')) throw error;
      return client.sendCommand(['EVAL', this.source, ...tail]);
    }
  }
}
