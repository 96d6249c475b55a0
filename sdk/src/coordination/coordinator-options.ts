import { OptionsValidator } from '../util/validate.js';
import type { RedisClientLike } from './redis-client.js';

/** Options of `createRedisCoordinator`. Give `client` or `url`. */
export interface RedisCoordinatorOptions {
  /** A node-redis client (`createClient()` of `redis`), connected by its owner, who also closes it. */
  readonly client?: RedisClientLike;
  /** Or a Redis URL (`redis://host:6379`): the coordinator makes, connects and closes its own client. */
  readonly url?: string;
  /** Prefix of every key and channel, so several apps can share one Redis. @default 'agent-resilience' */
  readonly keyPrefix?: string;
  /** Name in telemetry (the coordinator name attribute). @default 'redis' */
  readonly name?: string;
  /** Longest wait for Redis per operation; past it the operation falls back to local state. @default 50 */
  readonly timeoutMs?: number;
}

/** Validated coordinator settings. */
export interface CoordinatorConfig {
  readonly client: RedisClientLike | undefined;
  readonly url: string | undefined;
  readonly keyPrefix: string;
  readonly name: string;
  readonly timeoutMs: number;
}

const KEY_PREFIX = /^[A-Za-z0-9_.:-]{1,64}$/;

function isClient(value: unknown): value is RedisClientLike {
  const client = value as Partial<RedisClientLike> | null;
  return (
    typeof client?.sendCommand === 'function' &&
    typeof client.duplicate === 'function' &&
    typeof client.on === 'function'
  );
}

/** Validates the coordinator options and applies the defaults. */
export function checkCoordinatorOptions(options: unknown): CoordinatorConfig {
  const v = new OptionsValidator('createRedisCoordinator');
  const o = v.object('', options, ['client', 'url', 'keyPrefix', 'name', 'timeoutMs']);
  if (o.client !== undefined && !isClient(o.client)) {
    v.fail('client', 'a node-redis client (createClient() of the redis package)', o.client, true);
  }
  if (o.url !== undefined && (typeof o.url !== 'string' || !/^rediss?:\/\/\S+$/.test(o.url))) {
    v.fail(
      'url',
      'a redis:// or rediss:// URL',
      typeof o.url === 'string' ? '(a string of another form)' : o.url,
    );
  }
  if ((o.client === undefined) === (o.url === undefined)) {
    v.fail(
      'client',
      'given, or url given (exactly one of the two)',
      o.client === undefined ? undefined : '(both)',
    );
  }
  if (o.keyPrefix !== undefined && (typeof o.keyPrefix !== 'string' || !KEY_PREFIX.test(o.keyPrefix))) {
    v.fail('keyPrefix', `a string matching ${KEY_PREFIX}`, o.keyPrefix, typeof o.keyPrefix !== 'string');
  }
  if (o.name !== undefined) v.name('name', o.name);
  v.delay('timeoutMs', o.timeoutMs, { above: 0 });
  v.done();
  return {
    client: o.client as RedisClientLike | undefined,
    url: o.url as string | undefined,
    keyPrefix: (o.keyPrefix as string | undefined) ?? 'agent-resilience',
    name: (o.name as string | undefined) ?? 'redis',
    timeoutMs: (o.timeoutMs as number | undefined) ?? 50,
  };
}
