import type { CallContext } from '../core/call-context.js';
import { registerUntilDisposed } from '../core/registry.js';
import { recordRejection } from '../core/rejection.js';
import type { CallNext, CallStage } from '../core/stage.js';
import { ExecutionRejectedError } from '../errors/signals.js';
import { ATTR_RESILIENCE_RATE_LIMITER, EVENT_REJECTION, METRIC_REJECTIONS } from '../semconv.js';
import { AttributeCache } from '../telemetry/attributes.js';
import { NEVER_ABORTED, raceAbort, sleep } from '../util/abort.js';
import { OptionsValidator } from '../util/validate.js';
import { type Clock, monotonicNow } from './internal.js';
import { LruMap } from './lru.js';
import { type Permits, SlidingWindowPermits, TokenBucketPermits } from './permits.js';
import {
  checkRateLimiterOptions,
  type RateLimiterConfig,
  type SharedRateLimiterOptions,
} from './rate-limiter-options.js';
import {
  giveBack,
  type PermitDecision,
  type SharedPermitSource,
  usableDecision,
} from './shared-rate-limit.js';

/** What the monitoring API reports for a rate limiter. */
export interface RateLimiterSnapshot {
  readonly name: string;
  readonly kind: 'token_bucket' | 'sliding_window';
  /** Permits free now for calls without a key. */
  readonly available: number;
  /** Keys tracked now (at most `maxKeys`). */
  readonly keys: number;
  /** Keys forgotten because `maxKeys` was reached. */
  readonly evictedKeys: number;
  readonly granted: number;
  /** Of the granted permits, those that waited for one. */
  readonly waited: number;
  readonly rejected: number;
  /** Whether the limit is shared across the fleet (`shared` option); `available` and `keys` are this replica's. */
  readonly shared: boolean;
  /** Shared limiter only: permits decided locally because the fleet did not answer in time. */
  readonly fallbacks: number;
  readonly config: RateLimiterConfig;
}

/**
 * A rate limiter: token bucket or exact sliding window, global or per key, with bounded key memory (LRU). A
 * refused call fails fast with `ExecutionRejectedError('rate_limiter')` (classified `rejected`, never retried,
 * a fallback can serve it) whose `retryAfterMs` says when a permit frees; it is counted in
 * {@link METRIC_REJECTIONS} (strategy `rate_limiter`) with an {@link EVENT_REJECTION} span event. In `createPolicy` it
 * sits after the bulkhead and before the total timeout, once per logical call (retries do not take permits).
 *
 * With a `shared` fleet source, each permit is decided by the fleet (one round trip); the local permits then
 * mirror this replica's grants and decide whenever the fleet does not answer (counted in `fallbacks`).
 */
export class RateLimiter implements CallStage {
  private readonly global: Permits;
  private readonly keyed: LruMap<Permits>;
  private readonly attributes: AttributeCache;
  private readonly extra: { readonly [ATTR_RESILIENCE_RATE_LIMITER]: string };
  private readonly cleanups: Array<() => void> = [];
  private granted = 0;
  private waited = 0;
  private rejected = 0;
  private fallbacks = 0;

  constructor(
    readonly name: string,
    private readonly config: RateLimiterConfig,
    private readonly now: Clock = monotonicNow,
    private readonly shared?: SharedPermitSource,
  ) {
    this.attributes = new AttributeCache(name);
    this.extra = Object.freeze({ [ATTR_RESILIENCE_RATE_LIMITER]: name });
    this.global = this.create(now());
    this.keyed = new LruMap(config.maxKeys);
  }

  private create(now: number): Permits {
    const { kind, limit, intervalMs, burst } = this.config;
    return kind === 'token_bucket'
      ? new TokenBucketPermits(limit, intervalMs, burst, now)
      : new SlidingWindowPermits(limit, intervalMs);
  }

  private permits(key: string | undefined, now: number): Permits {
    if (key === undefined) return this.global;
    return this.keyed.get(key) ?? this.keyed.set(key, this.create(now));
  }

  /**
   * Takes a permit for `key` (calls without a key share one limit) if one is free, without waiting. Synchronous,
   * so local only: a shared limiter throws a `TypeError` (use {@link tryAcquireAsync}).
   * @returns `retryAfterMs` 0 when granted, else the ms until a permit frees.
   */
  tryAcquire(key?: string): PermitDecision {
    if (this.shared !== undefined) {
      throw new TypeError(
        `Rate limiter "${this.name}" is shared across the fleet: use await tryAcquireAsync(key), not tryAcquire(key)`,
      );
    }
    return this.tryLocal(key);
  }

  /** {@link tryAcquire} for any limiter: a shared one asks the fleet (its local permits if the fleet is away). */
  async tryAcquireAsync(key?: string): Promise<PermitDecision> {
    if (this.shared === undefined) return this.tryLocal(key);
    const answer = await this.askFleet(this.shared, key);
    if (answer === undefined) return this.tryLocal(key);
    if (answer.granted) this.grantShared(key, false);
    else this.rejected++;
    return answer;
  }

  private tryLocal(key: string | undefined): PermitDecision {
    const now = this.now();
    const permits = this.permits(key, now);
    if (permits.acquire(now, 0) === 0) {
      this.granted++;
      return { granted: true, retryAfterMs: 0 };
    }
    this.rejected++;
    return { granted: false, retryAfterMs: Math.ceil(permits.nextFreeIn(now)) };
  }

  /**
   * Waits for a permit for `key` (up to `maxWaitMs`; `signal` ends the wait), or rejects with an
   * `ExecutionRejectedError` carrying `retryAfterMs`. Recorded like a pipeline rejection.
   */
  acquire(key?: string, signal: AbortSignal = NEVER_ABORTED): Promise<void> {
    return this.take(key, signal, undefined);
  }

  /** Runs `fn` once a permit for `key` is granted (see {@link acquire}). */
  async execute<T>(
    fn: (input: { signal: AbortSignal }) => PromiseLike<T> | T,
    options: { readonly key?: string; readonly signal?: AbortSignal } = {},
  ): Promise<T> {
    await this.take(options.key, options.signal ?? NEVER_ABORTED, undefined);
    return fn({ signal: options.signal ?? new AbortController().signal });
  }

  /** @internal The pipeline stage (outside the retry loop: one permit per call). */
  runCall(call: CallContext, next: CallNext): Promise<unknown> {
    const taken = this.take(call.rateLimitKey, call.signal, call);
    return taken === READY ? next(call) : taken.then(() => next(call));
  }

  private take(key: string | undefined, signal: AbortSignal, ctx: CallContext | undefined): Promise<void> {
    if (signal.aborted) return Promise.reject(signal.reason);
    if (this.shared !== undefined) return this.takeShared(this.shared, key, signal, ctx);
    return this.takeLocal(key, signal, ctx, this.config.maxWaitMs, false);
  }

  private takeLocal(
    key: string | undefined,
    signal: AbortSignal,
    ctx: CallContext | undefined,
    maxWaitMs: number,
    waitedBefore: boolean,
  ): Promise<void> {
    const now = this.now();
    const permits = this.permits(key, now);
    const wait = permits.acquire(now, maxWaitMs);
    if (wait === 0) {
      this.granted++;
      if (waitedBefore) this.waited++;
      return READY;
    }
    if (wait < 0) return Promise.reject(this.reject(key, permits.nextFreeIn(now), ctx));
    return sleep(Math.ceil(wait), signal).then(
      () => {
        this.granted++;
        this.waited++;
      },
      (reason: unknown) => {
        // The caller gave up while waiting: the permit goes back and nothing was granted.
        permits.release(this.now());
        throw reason;
      },
    );
  }

  /**
   * Asks the fleet; refused, waits its `retryAfterMs` and asks again while that stays within `maxWaitMs` (the
   * time already spent counts, by the clock or by the waits, whichever is longer). When the fleet does not
   * answer, the local permits decide with the wait that is left.
   */
  private async takeShared(
    source: SharedPermitSource,
    key: string | undefined,
    signal: AbortSignal,
    ctx: CallContext | undefined,
  ): Promise<void> {
    const start = this.now();
    let slept = 0;
    for (;;) {
      const asking = this.askFleet(source, key);
      const answer = await raceAbort(asking, signal).catch((reason: unknown) => {
        // The caller gave up first: a permit the fleet still grants goes back to it (never counted here).
        void asking.then(late => {
          if (late?.granted) giveBack(source, key, late);
        });
        throw reason;
      });
      const left = this.config.maxWaitMs - Math.max(this.now() - start, slept);
      if (answer === undefined) return this.takeLocal(key, signal, ctx, Math.max(0, left), slept > 0);
      if (answer.granted) return this.grantShared(key, slept > 0);
      const wait = Math.max(1, Math.ceil(answer.retryAfterMs));
      if (wait > left) throw this.reject(key, wait, ctx);
      await sleep(wait, signal);
      slept += wait;
    }
  }

  /** The fleet's decision, or `undefined` (counted as a fallback) when it has none we can use. */
  private async askFleet(
    source: SharedPermitSource,
    key: string | undefined,
  ): Promise<PermitDecision | undefined> {
    let answer: PermitDecision | undefined;
    try {
      answer = usableDecision(await source.acquire(key));
    } catch {
      answer = undefined;
    }
    if (answer === undefined) this.fallbacks++;
    return answer;
  }

  /** Counts a permit the fleet granted, and mirrors it in the local permits (they decide if the fleet goes away). */
  private grantShared(key: string | undefined, waited: boolean): void {
    const now = this.now();
    this.permits(key, now).acquire(now, 0);
    this.granted++;
    if (waited) this.waited++;
  }

  private reject(key: string | undefined, retryAfterMs: number, ctx: CallContext | undefined): Error {
    this.rejected++;
    recordRejection(ctx, this.attributes, 'rate_limiter', this.extra);
    const { limit, intervalMs } = this.config;
    const wait = Math.ceil(retryAfterMs);
    return new ExecutionRejectedError(
      'rate_limiter',
      `Rate limit of ${limit} per ${intervalMs}ms reached${key === undefined ? '' : ' for this key'}; next permit in ${wait}ms`,
      { retryAfterMs: wait },
    );
  }

  /** State, counters and configuration for dashboards and the monitoring API. */
  snapshot(): RateLimiterSnapshot {
    return {
      name: this.name,
      kind: this.config.kind,
      available: this.global.available(this.now()),
      keys: this.keyed.size,
      evictedKeys: this.keyed.evictions,
      granted: this.granted,
      waited: this.waited,
      rejected: this.rejected,
      shared: this.shared !== undefined,
      fallbacks: this.fallbacks,
      config: this.config,
    };
  }

  /** Forgets keys whose state a fresh key would equal (full bucket, empty window); returns how many. */
  prune(): number {
    const now = this.now();
    let pruned = 0;
    for (const key of [...this.keyed.keys()]) {
      if (this.keyed.get(key)?.idle(now)) {
        this.keyed.delete(key);
        pruned++;
      }
    }
    return pruned;
  }

  /** @internal Registers cleanup for {@link dispose}. */
  onDispose(cleanup: () => void): void {
    this.cleanups.push(cleanup);
  }

  /** Leaves the registry. The limiter holds no timers. */
  dispose(): void {
    for (const cleanup of this.cleanups.splice(0)) cleanup();
  }
}

const READY: Promise<void> = Promise.resolve();

/**
 * Creates a named rate limiter to share between policies (`createPolicy(name, { rateLimiter })`) or to use on its
 * own (`limiter.execute(fn, { key })`).
 *
 * @example
 * // 10 messages per 10 s per conversation thread, at most 50,000 threads remembered:
 * const perThread = createRateLimiter('chat.per-thread', {
 *   kind: 'sliding_window', limit: 10, intervalMs: 10_000, maxKeys: 50_000,
 * });
 * const chat = createPolicy('chat', { rateLimiter: perThread, fallback: { value: 'Slow down a little.' } });
 * await chat.execute(fn, { rateLimitKey: threadId });
 */
export function createRateLimiter(name: string, options: SharedRateLimiterOptions): RateLimiter {
  const v = OptionsValidator.forNamed('createRateLimiter', name);
  const config = checkRateLimiterOptions(v, '', options, true);
  v.done();
  const shared = options.shared?.rateLimit(name, config);
  const limiter = new RateLimiter(name, config, options.now ?? monotonicNow, shared);
  registerUntilDisposed(options.registry, 'rateLimiter', limiter);
  return limiter;
}
