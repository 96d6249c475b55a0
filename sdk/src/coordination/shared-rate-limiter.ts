import { createHash } from 'node:crypto';
import type { RateLimiterConfig } from '../load/rate-limiter-options.js';
import type { PermitDecision, SharedPermitSource } from '../load/shared-rate-limit.js';
import type { RedisCoordinator } from './redis-coordinator.js';
import { SLIDING_WINDOW, TOKEN_BUCKET } from './shared-rate-limiter-scripts.js';

/** Longest user key kept as it is in a Redis key; a longer one is hashed (SHA-256), so keys stay small. */
const MAX_PLAIN_KEY = 128;

/** What the shared rate limiter uses of its coordinator. */
type Fleet = Pick<RedisCoordinator, 'key' | 'script' | 'invalid' | 'instanceId'>;

const GRANTED: PermitDecision = Object.freeze({ granted: true, retryAfterMs: 0 });

/**
 * The fleet-wide permits of one rate limiter on Redis: each permit is one atomic Lua script (one round trip,
 * within the coordinator's timeout) on the server's clock, token bucket or exact sliding window with the
 * semantics of the local limiter. Keys: `<prefix>:rate_limiter:<name>:<kind>:all` for calls without a key,
 * `…:k:<key>` per key (`…:h:<sha256>` past 128 characters), each with a TTL of about `intervalMs`.
 * A reply that is not the script's shape or is out of range is not trusted: counted, and the limiter decides
 * locally; a key that held a foreign value is counted and starts afresh.
 */
export class RedisRateLimit implements SharedPermitSource {
  private readonly args: readonly string[];
  /** The longest wait a reply may announce: one token's refill, or (server clock stepped back) two windows. */
  private readonly maxRetryAfterMs: number;
  private readonly base: string;
  private sequence = 0;

  constructor(
    private readonly fleet: Fleet,
    name: string,
    private readonly config: RateLimiterConfig,
  ) {
    const { kind, limit, intervalMs, burst } = config;
    this.base = fleet.key('rate_limiter', name, kind);
    this.args =
      kind === 'token_bucket'
        ? [String(limit), String(intervalMs), String(burst)]
        : [String(limit), String(intervalMs)];
    this.maxRetryAfterMs =
      kind === 'token_bucket' ? Math.ceil(intervalMs / limit) + 1 : 2 * Math.ceil(intervalMs) + 1;
  }

  async acquire(key: string | undefined): Promise<PermitDecision | undefined> {
    const keys = [this.redisKey(key)];
    const reply =
      this.config.kind === 'token_bucket'
        ? await this.fleet.script('rate_limiter_acquire', TOKEN_BUCKET, keys, this.args)
        : await this.fleet.script('rate_limiter_acquire', SLIDING_WINDOW, keys, [
            ...this.args,
            `${this.fleet.instanceId}:${++this.sequence}`,
          ]);
    if (reply === undefined) return undefined;
    const decision = this.decision(reply);
    if (decision === undefined) this.fleet.invalid('rate limiter reply');
    return decision;
  }

  private redisKey(key: string | undefined): string {
    if (key === undefined) return `${this.base}:all`;
    if (key.length <= MAX_PLAIN_KEY) return `${this.base}:k:${key}`;
    return `${this.base}:h:${createHash('sha256').update(key).digest('base64url')}`;
  }

  /** The decision in a script reply `[granted, retryAfterMs, reset]`, or `undefined` if it is not one. */
  private decision(reply: unknown): PermitDecision | undefined {
    if (!Array.isArray(reply) || reply.length !== 3) return undefined;
    const [granted, retryAfterMs, reset] = reply as unknown[];
    if (reset !== 0 && reset !== 1) return undefined;
    const refused =
      granted === 0 &&
      Number.isInteger(retryAfterMs) &&
      (retryAfterMs as number) >= 1 &&
      (retryAfterMs as number) <= this.maxRetryAfterMs;
    if (!refused && !(granted === 1 && retryAfterMs === 0)) return undefined;
    if (reset === 1) this.fleet.invalid('rate limiter state');
    return refused ? { granted: false, retryAfterMs: retryAfterMs as number } : GRANTED;
  }
}
