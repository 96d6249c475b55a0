import { PolicyRegistry } from '../core/registry.js';
import type { OptionsValidator } from '../util/validate.js';
import type { Clock } from './internal.js';
import { isRateLimitCoordinator, type RateLimitCoordinator } from './shared-rate-limit.js';

/**
 * Rate-limiter settings: `limit` permits per `intervalMs`, for the whole policy or per key (`rateLimitKey` of
 * `execute`, e.g. a conversation thread: `{ kind: 'sliding_window', limit: 10, intervalMs: 10_000 }`).
 */
export interface RateLimiterOptions {
  /**
   * `token_bucket`: refills `limit` per `intervalMs` continuously and allows bursts of `burst`;
   * `sliding_window`: exactly at most `limit` in any `intervalMs` (memory: 8 bytes × `limit` per key).
   * @default 'token_bucket'
   */
  readonly kind?: 'token_bucket' | 'sliding_window';
  /** Permits per interval, an integer >= 1. Required. */
  readonly limit: number;
  /** Length of the interval, in ms. @default 1000 */
  readonly intervalMs?: number;
  /** Token bucket only: tokens it holds when full (the largest burst), >= 1. @default limit */
  readonly burst?: number;
  /** Most keys tracked; beyond it the least recently used key is forgotten. @default 10000 */
  readonly maxKeys?: number;
  /** Wait up to this long (ms) for a permit instead of rejecting at once; an abort ends the wait. @default 0 */
  readonly maxWaitMs?: number;
  /** Monotonic clock in ms (inject a fake one in tests). @default () => performance.now() */
  readonly now?: Clock;
}

/** Options of `createRateLimiter`. */
export interface SharedRateLimiterOptions extends RateLimiterOptions {
  /** Registry the limiter joins (the monitoring API lists it); `null` for none. @default defaultRegistry */
  readonly registry?: PolicyRegistry | null;
  /**
   * A fleet coordinator (`createRedisCoordinator()` of `agent-resilience/redis`): the limit of each key then holds
   * across every replica using this limiter's name, each permit one atomic round trip to the store; while the
   * store does not answer (within its timeout), each replica decides on its local permits. Without it the limit
   * holds per process.
   */
  readonly shared?: RateLimitCoordinator;
}

/** Defaults of {@link RateLimiterOptions}. */
export const RATE_LIMITER_DEFAULTS = Object.freeze({
  kind: 'token_bucket' as const,
  intervalMs: 1_000,
  maxKeys: 10_000,
  maxWaitMs: 0,
});

/** Validated rate-limiter settings. */
export interface RateLimiterConfig {
  readonly kind: 'token_bucket' | 'sliding_window';
  readonly limit: number;
  readonly intervalMs: number;
  readonly burst: number;
  readonly maxKeys: number;
  readonly maxWaitMs: number;
}

const KEYS = ['kind', 'limit', 'intervalMs', 'burst', 'maxKeys', 'maxWaitMs', 'now'];

/**
 * Validates rate-limiter options into `v` and applies the defaults; `standalone` (the options of
 * `createRateLimiter`) also allows `registry` and `shared`.
 */
export function checkRateLimiterOptions(
  v: OptionsValidator,
  path: string,
  options: unknown,
  standalone = false,
): RateLimiterConfig {
  const o = v.object(path, options, standalone ? [...KEYS, 'registry', 'shared'] : KEYS);
  const p = path === '' ? '' : `${path}.`;
  const d = RATE_LIMITER_DEFAULTS;
  if (standalone) {
    v.instance(`${p}registry`, o.registry, PolicyRegistry, 'a PolicyRegistry', { nullable: true });
    if (o.shared !== undefined && !isRateLimitCoordinator(o.shared)) {
      v.fail(
        `${p}shared`,
        'a fleet coordinator (createRedisCoordinator() of agent-resilience/redis)',
        o.shared,
        true,
      );
    }
  }
  v.oneOf(`${p}kind`, o.kind, ['token_bucket', 'sliding_window']);
  v.number(`${p}limit`, o.limit, { min: 1, max: 1_000_000, integer: true, required: true });
  v.delay(`${p}intervalMs`, o.intervalMs, { above: 0 });
  v.number(`${p}burst`, o.burst, { min: 1 });
  if (o.burst !== undefined && o.kind === 'sliding_window') {
    v.fail(`${p}burst`, "unset for kind 'sliding_window' (the window allows bursts of limit)", o.burst);
  }
  v.number(`${p}maxKeys`, o.maxKeys, { min: 1, max: 10_000_000, integer: true });
  v.delay(`${p}maxWaitMs`, o.maxWaitMs);
  v.func(`${p}now`, o.now);
  const limit = (o.limit as number | undefined) ?? 1;
  return {
    kind: (o.kind as RateLimiterConfig['kind'] | undefined) ?? d.kind,
    limit,
    intervalMs: (o.intervalMs as number | undefined) ?? d.intervalMs,
    burst: (o.burst as number | undefined) ?? limit,
    maxKeys: (o.maxKeys as number | undefined) ?? d.maxKeys,
    maxWaitMs: (o.maxWaitMs as number | undefined) ?? d.maxWaitMs,
  };
}
