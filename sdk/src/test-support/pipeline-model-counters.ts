/**
 * The reference model's counters, written from their specifications: the two retry budgets (gRPC's token bucket,
 * Finagle's ratio of requests), the two kinds of rate-limit permits, and the cache fallback's store. Times are
 * virtual milliseconds.
 */
import type { BudgetSpec, PipelineConfig } from './pipeline-scenario.js';

const EPSILON = 1e-9;

/** A retry budget: gRPC's token bucket, or Finagle's ratio of requests (with a stopped clock). */
export class BudgetModel {
  requests = 0;
  retries = 0;
  denied = 0;
  tokens: number;

  constructor(private readonly spec: BudgetSpec) {
    this.tokens = spec.kind === 'token_bucket' ? spec.maxTokens : 0;
  }

  onCall(): void {
    this.requests++;
  }

  onAttempt(success: boolean): void {
    const s = this.spec;
    if (s.kind !== 'token_bucket') return;
    this.tokens = success ? Math.min(s.maxTokens, this.tokens + s.tokenRatio) : Math.max(0, this.tokens - 1);
  }

  tryRetry(): boolean {
    const s = this.spec;
    const allowed =
      s.kind === 'token_bucket'
        ? this.tokens > s.maxTokens / 2 + EPSILON
        : this.retries + 1 <= s.ratio * this.requests + (s.minPerSecond * 10_000) / 1000 + EPSILON;
    if (allowed) this.retries++;
    else this.denied++;
    return allowed;
  }
}

/** Rate-limit permits of one key: the wait before the permit may be used, or -1 when refused. */
interface PermitsModel {
  take(now: number, maxWaitMs: number): number;
  /** Brings the permits up to `now` (reading them does; it changes float rounding, never the count). */
  refill(now: number): void;
}

/** Refills `limit` per interval continuously, holding at most `limit`; a wait reserves a token ahead. */
class TokenBucketModel implements PermitsModel {
  private tokens: number;
  private last: number;
  constructor(
    private readonly limit: number,
    private readonly intervalMs: number,
    now: number,
  ) {
    this.tokens = limit;
    this.last = now;
  }
  refill(now: number): void {
    if (now > this.last) {
      this.tokens = Math.min(this.limit, this.tokens + (now - this.last) * (this.limit / this.intervalMs));
      this.last = now;
    }
  }
  take(now: number, maxWaitMs: number): number {
    this.refill(now);
    const wait = this.tokens >= 1 ? 0 : (1 - this.tokens) / (this.limit / this.intervalMs);
    if (wait > maxWaitMs) return -1;
    this.tokens -= 1;
    return wait;
  }
}

/** At most `limit` permits in any `intervalMs`: the next frees when the oldest of the last `limit` is old enough. */
class SlidingWindowModel implements PermitsModel {
  private readonly grants: number[] = [];
  constructor(
    private readonly limit: number,
    private readonly intervalMs: number,
  ) {}
  take(now: number, maxWaitMs: number): number {
    const oldest = this.grants.length < this.limit ? undefined : this.grants[this.grants.length - this.limit];
    const at = oldest === undefined ? now : Math.max(now, oldest + this.intervalMs);
    if (at - now > maxWaitMs) return -1;
    this.grants.push(at);
    return at - now;
  }
  refill(): void {}
}

/** A rate limiter per `rateLimitKey` (calls without one share a limit). */
export class LimiterModel {
  granted = 0;
  waited = 0;
  rejected = 0;
  private readonly byKey = new Map<string, PermitsModel>();

  constructor(private readonly spec: NonNullable<PipelineConfig['rateLimiter']>) {}

  /** What reading the limiter's state does: the permits of calls without a key are brought up to `now`. */
  observe(now: number): void {
    this.byKey.get('')?.refill(now);
  }

  /** The ms the call waits for its permit, or -1 when it is refused. */
  take(key: string | undefined, now: number): number {
    const { kind, limit, intervalMs, maxWaitMs } = this.spec;
    const name = key ?? '';
    let permits = this.byKey.get(name);
    if (permits === undefined) {
      permits =
        kind === 'token_bucket'
          ? new TokenBucketModel(limit, intervalMs, now)
          : new SlidingWindowModel(limit, intervalMs);
      this.byKey.set(name, permits);
    }
    const wait = permits.take(now, maxWaitMs);
    if (wait < 0) this.rejected++;
    else this.granted++;
    if (wait > 0) this.waited++;
    return wait > 0 ? Math.ceil(wait) : wait;
  }
}

/** The cache fallback's store: last good value per key, least recently used evicted, expiring after a TTL. */
export class CacheModel {
  private readonly entries = new Map<string, { value: string; expiresAt: number }>();
  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
  ) {}
  set(key: string, value: string, now: number): void {
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAt: now + this.ttlMs });
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
  }
  get(key: string, now: number): string | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    this.entries.delete(key);
    if (entry.expiresAt <= now) return undefined;
    this.entries.set(key, entry);
    return entry.value;
  }
}
