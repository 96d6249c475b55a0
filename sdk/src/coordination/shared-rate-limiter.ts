import { createHash } from 'node:crypto';
import type { RateLimiterConfig } from '../load/rate-limiter-options.js';
import type { PermitDecision, SharedPermitSource } from '../load/shared-rate-limit.js';
import type { RedisScript } from './redis-client.js';
import type { RedisCoordinator } from './redis-coordinator.js';
import { SLIDING_WINDOW, TOKEN_BUCKET, TOKEN_BUCKET_RELEASE } from './shared-rate-limiter-scripts.js';

/** Longest user key kept as it is in a Redis key; a longer one is hashed (SHA-256), so keys stay small. */
const MAX_PLAIN_KEY = 128;

/** What the shared rate limiter uses of its coordinator. */
type Fleet = Pick<RedisCoordinator, 'key' | 'run' | 'script' | 'invalid' | 'instanceId'>;

/** A permit the fleet granted: its Redis key and, in a sliding window, the member the grant added. */
interface Grant {
  readonly redisKey: string;
  readonly member?: string;
}

/**
 * The fleet-wide permits of one rate limiter on Redis: each permit is one atomic Lua script (one round trip,
 * within the coordinator's timeout) on the server's clock, token bucket or exact sliding window with the
 * semantics of the local limiter. Keys: `<prefix>:rate_limiter:<name>:<kind>:all` for calls without a key,
 * `…:k:<key>` per key (`…:h:<sha256>` past 128 characters), each with a TTL of about `intervalMs`.
 * A reply that is not the script's shape or is out of range is not trusted: counted, and the limiter decides
 * locally; a key that held a foreign value is counted and starts afresh.
 *
 * A grant that came too late (the coordinator's timeout passed, or the limiter's caller gave up: `release`) goes
 * back to the fleet in the background: its member removed from the window, or its token returned to the bucket.
 */
export class RedisRateLimit implements SharedPermitSource {
  private readonly args: readonly string[];
  /** The longest wait a reply may announce: one token's refill, or (server clock stepped back) two windows. */
  private readonly maxRetryAfterMs: number;
  private readonly base: string;
  private readonly acquireScript: RedisScript;
  /** The grants made and not given back, by the decision handed out (one object per grant). */
  private readonly grants = new WeakMap<PermitDecision, Grant>();
  private sequence = 0;

  constructor(
    private readonly fleet: Fleet,
    name: string,
    private readonly config: RateLimiterConfig,
  ) {
    const { kind, limit, intervalMs, burst } = config;
    this.base = fleet.key('rate_limiter', name, kind);
    this.acquireScript = kind === 'token_bucket' ? TOKEN_BUCKET : SLIDING_WINDOW;
    this.args =
      kind === 'token_bucket'
        ? [String(limit), String(intervalMs), String(burst)]
        : [String(limit), String(intervalMs)];
    this.maxRetryAfterMs =
      kind === 'token_bucket' ? Math.ceil(intervalMs / limit) + 1 : 2 * Math.ceil(intervalMs) + 1;
  }

  async acquire(key: string | undefined): Promise<PermitDecision | undefined> {
    const grant: Grant =
      this.config.kind === 'token_bucket'
        ? { redisKey: this.redisKey(key) }
        : { redisKey: this.redisKey(key), member: `${this.fleet.instanceId}:${++this.sequence}` };
    const args = grant.member === undefined ? this.args : [...this.args, grant.member];
    const sent: Array<Promise<unknown>> = [];
    const reply = await this.fleet.run('rate_limiter_acquire', client => {
      const script = this.acquireScript.run(client, [grant.redisKey], args);
      sent.push(script);
      return script;
    });
    if (reply === undefined) {
      // No answer in time (the limiter decides locally), but the script may still run: a grant goes back.
      sent[0]?.then(
        late => {
          if (isGrantReply(late)) void this.giveBack(grant);
        },
        () => {},
      );
      return undefined;
    }
    const decision = this.decision(reply);
    if (decision === undefined) this.fleet.invalid('rate limiter reply');
    else if (decision.granted) this.grants.set(decision, grant);
    return decision;
  }

  /**
   * Gives back a permit this source granted (`grant`: the decision `acquire` resolved with) to a caller that had
   * given up; once per grant. Best effort, within the coordinator's timeout; never rejects.
   */
  async release(_key: string | undefined, grant: PermitDecision): Promise<void> {
    const granted = this.grants.get(grant);
    if (granted === undefined) return;
    this.grants.delete(grant);
    await this.giveBack(granted);
  }

  private async giveBack({ redisKey, member }: Grant): Promise<void> {
    await (member === undefined
      ? this.fleet.script('rate_limiter_release', TOKEN_BUCKET_RELEASE, [redisKey], this.args)
      : this.fleet.run('rate_limiter_release', client => client.sendCommand(['ZREM', redisKey, member])));
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
    return refused
      ? { granted: false, retryAfterMs: retryAfterMs as number }
      : { granted: true, retryAfterMs: 0 };
  }
}

/** Whether a script reply (checked no further: it came too late to be used) says the permit was granted. */
function isGrantReply(reply: unknown): boolean {
  return Array.isArray(reply) && reply[0] === 1;
}
