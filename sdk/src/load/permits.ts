/** The permits of one rate-limit key. Times are milliseconds of the limiter's clock. */
export interface Permits {
  /**
   * Takes a permit now, or reserves the next one if it frees within `maxWaitMs`: returns the wait before it may
   * be used (0 = at once), or -1 when it frees later (nothing is taken).
   */
  acquire(now: number, maxWaitMs: number): number;
  /** Milliseconds until a permit frees (0 when one is free now). */
  nextFreeIn(now: number): number;
  /** Gives back a permit reserved by `acquire` but not used (its caller aborted the wait). */
  release(now: number): void;
  /** Permits free right now. */
  available(now: number): number;
  /** True when the key holds nothing a fresh one would not (full bucket, empty window): it can be dropped. */
  idle(now: number): boolean;
}

/**
 * Token bucket: holds up to `burst` tokens and refills `limit` per `intervalMs`, continuously. A wait reserves a
 * token ahead (the count goes negative), so waiters are served in order.
 */
export class TokenBucketPermits implements Permits {
  private tokens: number;
  private last: number;
  private readonly perMs: number;

  constructor(
    limit: number,
    intervalMs: number,
    private readonly burst: number,
    now: number,
  ) {
    this.perMs = limit / intervalMs;
    this.tokens = burst;
    this.last = now;
  }

  private refill(now: number): void {
    if (now > this.last) {
      this.tokens = Math.min(this.burst, this.tokens + (now - this.last) * this.perMs);
      this.last = now;
    }
  }

  acquire(now: number, maxWaitMs: number): number {
    this.refill(now);
    const wait = this.tokens >= 1 ? 0 : (1 - this.tokens) / this.perMs;
    if (wait > maxWaitMs) return -1;
    this.tokens -= 1;
    return wait;
  }

  nextFreeIn(now: number): number {
    this.refill(now);
    return this.tokens >= 1 ? 0 : (1 - this.tokens) / this.perMs;
  }

  release(now: number): void {
    this.refill(now);
    this.tokens = Math.min(this.burst, this.tokens + 1);
  }

  available(now: number): number {
    this.refill(now);
    return Math.max(0, Math.floor(this.tokens));
  }

  idle(now: number): boolean {
    this.refill(now);
    return this.tokens >= this.burst;
  }
}

/**
 * Exact sliding window ("at most `limit` in any `intervalMs`"): a ring of the last `limit` grant times (8 bytes
 * each, allocated as used). The next permit is free once the oldest of them is `intervalMs` old; a wait reserves
 * that future time. An aborted wait keeps its slot (it cannot be taken out of the middle of the ring).
 */
export class SlidingWindowPermits implements Permits {
  private readonly times: number[] = [];
  private head = 0;

  constructor(
    private readonly limit: number,
    private readonly intervalMs: number,
  ) {}

  private freeAt(now: number): number {
    if (this.times.length < this.limit) return now;
    return Math.max(now, this.times[this.head]! + this.intervalMs);
  }

  acquire(now: number, maxWaitMs: number): number {
    const at = this.freeAt(now);
    if (at - now > maxWaitMs) return -1;
    if (this.times.length < this.limit) this.times.push(at);
    else {
      this.times[this.head] = at;
      this.head = (this.head + 1) % this.limit;
    }
    return at - now;
  }

  nextFreeIn(now: number): number {
    return this.freeAt(now) - now;
  }

  release(): void {}

  available(now: number): number {
    let used = 0;
    for (const t of this.times) if (t > now - this.intervalMs) used++;
    return this.limit - used;
  }

  idle(now: number): boolean {
    if (this.times.length === 0) return true;
    const newest = this.times[(this.head + this.times.length - 1) % this.times.length]!;
    return newest <= now - this.intervalMs;
  }
}
