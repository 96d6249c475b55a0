import type { RateLimiterConfig } from './rate-limiter-options.js';

/** A permit decision (of a limiter or of the fleet): granted now, or refused with the ms until one frees. */
export interface PermitDecision {
  readonly granted: boolean;
  /** 0 when granted; else the ms until a permit frees (at least 1). */
  readonly retryAfterMs: number;
}

/** The fleet-wide permits of one rate limiter, made by a {@link RateLimitCoordinator}. */
export interface SharedPermitSource {
  /**
   * Takes a permit for `key` (`undefined`: the limit of calls without a key) from the fleet, without waiting.
   * Resolves `undefined` when the fleet could not answer in time, or answered with something not trusted: the
   * limiter then decides on its local permits. Should never reject (a rejection is treated as `undefined`).
   */
  acquire(key: string | undefined): Promise<PermitDecision | undefined>;
  /**
   * Optional: gives back a permit the fleet granted (`grant`: the very decision `acquire(key)` resolved with) to a
   * caller that had given up before the answer came, so the fleet does not count a call that never ran. Best
   * effort and in the background: the limiter does not wait for it, and a throw or a rejection is ignored.
   */
  release?(key: string | undefined, grant: PermitDecision): void;
}

/**
 * What `createRateLimiter(name, { shared })` needs of a fleet coordinator: `createRedisCoordinator()` of
 * `agent-resilience/redis` has it. Called once per limiter, with its name and validated settings.
 */
export interface RateLimitCoordinator {
  rateLimit(name: string, config: RateLimiterConfig): SharedPermitSource;
}

/** Whether `value` can serve as the `shared` option of `createRateLimiter`. */
export function isRateLimitCoordinator(value: unknown): value is RateLimitCoordinator {
  return typeof (value as Partial<RateLimitCoordinator> | null)?.rateLimit === 'function';
}

/** `answer` if it is a decision a limiter can act on (a boolean grant, a finite wait >= 0), else `undefined`. */
export function usableDecision(answer: PermitDecision | undefined): PermitDecision | undefined {
  const usable =
    typeof answer?.granted === 'boolean' && answer.retryAfterMs >= 0 && answer.retryAfterMs < Infinity;
  return usable ? answer : undefined;
}

/** Gives `grant` back to a fleet that can take it, in the background; whatever its `release` does is ignored. */
export function giveBack(source: SharedPermitSource, key: string | undefined, grant: PermitDecision): void {
  try {
    Promise.resolve(source.release?.(key, grant)).catch(() => {});
  } catch {
    // A port that throws instead of answering: nothing to give back, nothing to fail.
  }
}
