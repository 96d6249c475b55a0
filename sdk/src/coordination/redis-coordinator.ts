import { randomUUID } from 'node:crypto';
import type { RateLimiterConfig } from '../load/rate-limiter-options.js';
import type { CoordinationOperation, CoordinationState } from '../semconv.js';
import { CoordinationTelemetry } from './coordination-telemetry.js';
import { checkCoordinatorOptions, type RedisCoordinatorOptions } from './coordinator-options.js';
import { clientForUrl, type RedisClientLike, type RedisScript } from './redis-client.js';
import { type FleetCircuitEvents, SharedCircuitBreaker } from './shared-circuit-breaker.js';
import { RedisRateLimit } from './shared-rate-limiter.js';
import { RedisRetryBudgetCounters, type SharedRetryBudgetSettings } from './shared-retry-budget.js';

/** What a coordinator operation rejects with when Redis does not answer within `timeoutMs`. */
class CoordinationTimeoutError extends Error {
  override readonly name = 'CoordinationTimeoutError';
}

/**
 * The link of one replica to the fleet's shared state in Redis, passed as `shared` to `createRateLimiter`,
 * `createCircuitBreaker` and `createRetryBudget`. Redis is never on a call's critical path for longer than
 * `timeoutMs`: an operation that fails, times out or finds the connection down resolves `undefined`, is counted in
 * the coordination errors counter (by operation), turns the coordinator `degraded` (each shared piece then runs on its
 * local state), and the first operation that succeeds again turns it `connected` (the pieces resync then). Every
 * key and channel starts with `keyPrefix`; values read back are validated by the piece that reads them.
 */
export class RedisCoordinator {
  /** Name in telemetry and the monitoring API. */
  readonly name: string;
  /** This replica's id in leases and announcements (random per coordinator). */
  readonly instanceId = randomUUID();
  readonly keyPrefix: string;
  /** Longest wait for Redis per operation, ms. */
  readonly timeoutMs: number;
  private readonly client: RedisClientLike;
  private readonly ownsClient: boolean;
  private subscriber: RedisClientLike | undefined;
  private subscribing: Promise<RedisClientLike | undefined> | undefined;
  private readonly channels = new Map<string, Set<(message: string) => void>>();
  /** Channels subscribed on the pub/sub connection (one node-redis listener each, whatever ours). */
  private readonly subscribed = new Set<string>();
  private readonly reconnectListeners = new Set<() => void>();
  private current: CoordinationState;
  private disposed = false;
  private readonly telemetry: CoordinationTelemetry;

  constructor(options: RedisCoordinatorOptions) {
    const config = checkCoordinatorOptions(options);
    this.name = config.name;
    this.keyPrefix = config.keyPrefix;
    this.timeoutMs = config.timeoutMs;
    this.ownsClient = config.client === undefined;
    this.client = config.client ?? clientForUrl(config.url ?? '', Math.max(config.timeoutMs * 20, 1_000));
    this.current = this.client.isReady ? 'connected' : 'degraded';
    this.telemetry = new CoordinationTelemetry(this.name, () => this.current);
    // node-redis emits `error` for every connection problem: unheard, Node would crash the process.
    this.client.on('error', error => this.fail('connect', error));
    this.client.on('ready', () => this.succeed());
    if (this.ownsClient) this.client.connect().catch(error => this.fail('connect', error));
  }

  /** `connected` while Redis answers, `degraded` (local state) while it does not. */
  get state(): CoordinationState {
    return this.current;
  }

  /**
   * The key of a shared piece: `<keyPrefix>:<kind>:{<name>}[:<part>…]`. The braces keep keys apart whatever the
   * name holds (a name may contain `:`, never a brace) and make the name a Redis Cluster hash tag: all keys of one
   * piece live on one node, as its scripts need.
   */
  key(kind: string, name: string, ...parts: string[]): string {
    return [this.keyPrefix, kind, `{${name}}`, ...parts].join(':');
  }

  /**
   * Runs one Redis operation within `timeoutMs`: its answer, or `undefined` (counted, degraded) when the connection
   * is down, the operation fails or it takes longer. Never rejects.
   */
  async run<T>(
    operation: CoordinationOperation,
    command: (client: RedisClientLike) => Promise<T>,
  ): Promise<T | undefined> {
    if (this.disposed) return undefined;
    if (!this.client.isReady) {
      this.fail(operation, 'not connected');
      return undefined;
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      const answer = await Promise.race([
        command(this.client),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new CoordinationTimeoutError(`no answer within ${this.timeoutMs} ms`)),
            this.timeoutMs,
          );
        }),
      ]);
      this.succeed();
      return answer;
    } catch (error) {
      this.fail(operation, error);
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Runs a Lua script (atomic on the server) within `timeoutMs`; `undefined` when it could not. */
  script(
    operation: CoordinationOperation,
    script: RedisScript,
    keys: readonly string[],
    args: readonly string[],
  ): Promise<unknown> {
    return this.run(operation, client => script.run(client, keys, args));
  }

  /** Publishes `message` on `channel`; whether Redis took it. */
  async publish(operation: CoordinationOperation, channel: string, message: string): Promise<boolean> {
    return (
      (await this.run(operation, client => client.sendCommand(['PUBLISH', channel, message]))) !== undefined
    );
  }

  /**
   * Listens to `channel` (on a second connection, made on first use); returns the function that stops. Messages
   * are untrusted input: the listener validates them.
   */
  subscribe(channel: string, onMessage: (message: string) => void): () => void {
    if (this.disposed) return () => {};
    let listeners = this.channels.get(channel);
    if (listeners === undefined) {
      listeners = new Set();
      this.channels.set(channel, listeners);
      void this.listen(channel);
    }
    listeners.add(onMessage);
    return () => {
      const current = this.channels.get(channel);
      current?.delete(onMessage);
      if (current?.size === 0) {
        this.channels.delete(channel);
        if (this.subscribed.delete(channel)) this.subscriber?.unsubscribe(channel).catch(() => {});
      }
    };
  }

  /** Runs `listener` each time Redis answers again after an outage (pieces resync their shared state). */
  onReconnect(listener: () => void): () => void {
    if (this.disposed) return () => {};
    this.reconnectListeners.add(listener);
    return () => this.reconnectListeners.delete(listener);
  }

  /** Counts a value read from Redis that is not trusted (corrupt, foreign, out of range); it is ignored. */
  invalid(what: string): void {
    this.telemetry.failed('invalid_value', what);
  }

  // The shared pieces (one method each, in the files that implement them): rateLimit, circuitBreaker, retryBudget.
  // -- shared rate limiter --
  /** The fleet-wide permits of `createRateLimiter(name, { shared: coordinator })`: one atomic script per permit. */
  rateLimit(name: string, config: RateLimiterConfig): RedisRateLimit {
    return new RedisRateLimit(this, name, config);
  }
  // -- shared circuit breaker --
  /** The fleet's state of circuit breaker `name`: pass the coordinator as `createCircuitBreaker(name, { shared })`. */
  circuitBreaker(name: string, events: FleetCircuitEvents): SharedCircuitBreaker {
    return new SharedCircuitBreaker(this, name, events);
  }
  // -- shared retry budget --
  /** The fleet-wide counters of retry budget `name`, for `createRetryBudget(name, { shared: coordinator })`. */
  retryBudget(name: string, settings: SharedRetryBudgetSettings): RedisRetryBudgetCounters {
    return new RedisRetryBudgetCounters(this, name, settings);
  }

  /** Stops listening and closes the connections it opened (a client given as `client` stays open). */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.telemetry.dispose();
    this.channels.clear();
    this.reconnectListeners.clear();
    const subscriber = this.subscriber ?? (await this.subscribing?.catch(() => undefined));
    await Promise.allSettled([
      subscriber === undefined ? undefined : closeClient(subscriber, this.timeoutMs * 20),
      this.ownsClient ? closeClient(this.client, this.timeoutMs * 20) : undefined,
    ]);
  }

  private async listen(channel: string): Promise<void> {
    const subscriber = await this.subscriberConnection();
    // Its listeners may have left meanwhile, and come back (a second listen then finds it subscribed).
    if (subscriber === undefined || this.disposed) return;
    if (!this.channels.has(channel) || this.subscribed.has(channel)) return;
    this.subscribed.add(channel);
    try {
      await subscriber.subscribe(channel, message => {
        for (const listener of this.channels.get(channel) ?? []) listener(message);
      });
    } catch (error) {
      this.subscribed.delete(channel);
      this.fail('subscribe', error);
    }
  }

  private subscriberConnection(): Promise<RedisClientLike | undefined> {
    this.subscribing ??= (async () => {
      const subscriber = this.client.duplicate();
      subscriber.on('error', error => this.fail('subscribe', error));
      // node-redis subscribes again by itself after a reconnection.
      try {
        await subscriber.connect();
        this.subscriber = subscriber;
        return subscriber;
      } catch (error) {
        this.fail('subscribe', error);
        return undefined;
      }
    })();
    return this.subscribing;
  }

  private succeed(): void {
    if (this.current === 'connected' || this.disposed) return;
    this.current = 'connected';
    this.telemetry.changed('connected');
    for (const listener of [...this.reconnectListeners]) {
      try {
        listener();
      } catch {
        // A piece failing to resync keeps its local state; the next reconnection tries again.
      }
    }
  }

  private fail(operation: CoordinationOperation, problem: unknown): void {
    if (this.disposed) return;
    this.telemetry.failed(operation, problem);
    if (this.current === 'degraded') return;
    this.current = 'degraded';
    this.telemetry.changed('degraded');
  }
}

/**
 * Closes a connection: politely (`close()`, which lets pending commands finish) while it is up, for at most
 * `waitMs`; at once (`destroy()`) when it is down or reconnecting (node-redis' `close()` then waits for a
 * reconnection that may never come).
 */
async function closeClient(client: RedisClientLike, waitMs: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    if (client.isReady && client.close !== undefined) {
      const closing = client.close();
      const gaveUp = await Promise.race([
        closing.then(() => false),
        new Promise<boolean>(resolve => {
          timer = setTimeout(() => resolve(true), waitMs);
        }),
      ]);
      if (!gaveUp) return;
      closing.catch(() => {});
    }
    client.destroy?.();
  } catch {
    // Already closed or never connected.
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Connects this replica to the fleet's shared state in Redis (the `agent-resilience/redis` entry; `redis` 6 is
 * its optional peer). Pass the coordinator as `shared` to the rate limiters, circuit breakers and retry budgets
 * that must hold across replicas. Use it when the service runs more than one replica.
 *
 * @example
 * const fleet = createRedisCoordinator({ url: process.env.REDIS_URL });
 * const openai = createCircuitBreaker('openai', { shared: fleet });
 */
export function createRedisCoordinator(options: RedisCoordinatorOptions): RedisCoordinator {
  return new RedisCoordinator(options);
}
