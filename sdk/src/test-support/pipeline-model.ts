/**
 * The reference model of `createPolicy` for calls that run one after another (issue 8 §4). From the configuration
 * and a call's script it predicts the call's result class, the attempts that ran `fn` (and the breaker state each
 * ran in), the virtual time the call took, and the state every shared strategy is left in. It follows DESIGN §3:
 * fallback → rate limiter → total timeout → retry (budget; the larger of backoff and Retry-After) → breaker →
 * recovery → attempt timeout → fn, where a cancellation is never a failure and a rejection is not an attempt.
 */
import { BudgetModel, CacheModel, LimiterModel } from './pipeline-model-counters.js';
import { BreakerModel, RecoveryModel, type Verdict } from './pipeline-model-machines.js';
import type { CallScript, Outcome, PipelineConfig } from './pipeline-scenario.js';
import { seededRandom } from './prng.js';
import { ANSWER_NOW, FAILURE_CATEGORIES, FAILURES, type FailureKind } from './scripted-downstream.js';

/** A call's result, printed the same way for the model and for what the policy returned. */
export type ResultText = string;

export interface Prediction {
  readonly result: ResultText;
  /** The breaker state (or `-`) each run of `fn` started in. */
  readonly runs: readonly string[];
  readonly durationMs: number;
}

interface Failure {
  readonly category: string;
  readonly retryable: boolean;
  readonly retryAfterMs?: number | undefined;
}
const TIMEOUT: Failure = { category: 'timeout', retryable: true };

/** How one attempt ended, for the retry loop and for the stages that judge outcomes. */
interface AttemptEnd {
  readonly at: number;
  readonly loop: 'success' | 'cancelled' | 'deadline' | Failure;
  readonly verdict: Verdict;
}

const verdictOf = (f: Failure): Verdict => (FAILURE_CATEGORIES.has(f.category) ? 'failure' : 'neutral');

function failureOf(kind: FailureKind, retryAfterMs: number | undefined): Failure {
  return { ...FAILURES[kind], retryAfterMs };
}

/** Formats a final error the way `resultText` in the harness formats a real one. */
const errorText = (name: string, detail: string, category: string, attempts: number): ResultText =>
  `${name}(${detail}) ${category} attempts=${attempts}`;

export class PipelineModel {
  now = 0;
  readonly breaker: BreakerModel | undefined;
  readonly recovery: RecoveryModel | undefined;
  readonly budget: BudgetModel | undefined;
  readonly limiter: LimiterModel | undefined;
  private readonly cache: CacheModel | undefined;

  constructor(private readonly config: PipelineConfig) {
    const { breaker, recovery, retry, rateLimiter, fallback } = config;
    this.recovery =
      recovery === undefined ? undefined : new RecoveryModel(recovery, seededRandom(config.seed));
    this.breaker =
      breaker === undefined
        ? undefined
        : new BreakerModel(breaker, to => this.recovery?.onBreaker(to, this.now));
    this.budget = retry?.budget === undefined ? undefined : new BudgetModel(retry.budget);
    this.limiter = rateLimiter === undefined ? undefined : new LimiterModel(rateLimiter);
    const cache = fallback?.find(step => step.kind === 'cache');
    this.cache = cache?.kind === 'cache' ? new CacheModel(cache.ttlMs, cache.maxEntries) : undefined;
  }

  /** Predicts call number `index` (its script's gap has already passed) and updates the state. */
  call(index: number, script: CallScript): Prediction {
    const start = this.now;
    const runs: string[] = [];
    const settled = this.settle(index, script, runs);
    return { result: this.fallback(script, settled), runs, durationMs: this.now - start };
  }

  private settle(index: number, script: CallScript, runs: string[]): ResultText | FinalError {
    const c = this.config;
    if (script.preAbort !== undefined) {
      // Only the retry stage sees a call that no outer stage refused first (each checks the signal).
      if (c.bulkhead === undefined && c.rateLimiter === undefined && c.totalTimeoutMs === undefined) {
        this.budget?.onCall();
      }
      return { name: 'CallCancelledError', detail: 'cancelled', category: 'cancelled', attempts: 0 };
    }
    if (this.limiter !== undefined) {
      const wait = this.limiter.take(script.rateLimitKey, this.now);
      if (wait < 0) return rejected('rate_limiter', 'rejected', 0);
      this.now += wait;
    }
    const deadline = c.totalTimeoutMs === undefined ? Number.POSITIVE_INFINITY : this.now + c.totalTimeoutMs;
    this.budget?.onCall();
    for (let n = 0; ; n++) {
      if (this.breaker !== undefined && !this.breaker.admit(this.now)) {
        return rejected('circuit_breaker', 'circuit_open', runs.length);
      }
      if (this.recovery !== undefined && !this.recovery.admit(this.now, this.breaker?.state)) {
        this.breaker?.settle('neutral', this.now);
        return rejected('recovery', 'rejected', runs.length);
      }
      runs.push(this.breaker?.state ?? '-');
      const outcome = script.attempts[n] ?? ANSWER_NOW;
      const end = this.attempt(outcome, deadline);
      this.now = end.at;
      // Inner stages learn first (recovery sits inside the breaker).
      this.recovery?.learn(end.verdict, this.now);
      this.breaker?.settle(end.verdict, this.now);
      const loop = end.loop;
      if (loop === 'success') {
        this.budget?.onAttempt(true);
        return `value v${index}.${n}`;
      }
      if (loop === 'cancelled') return cancelled(runs.length);
      if (loop === 'deadline') {
        this.budget?.onAttempt(false);
        return exhausted('deadline', 'timeout', runs.length);
      }
      if (loop.retryable) this.budget?.onAttempt(false);
      const wait = this.retryWait(n, loop, deadline);
      if (typeof wait !== 'number') {
        return wait === 'non_retryable'
          ? { name: 'NonRetryableError', detail: wait, category: loop.category, attempts: runs.length }
          : exhausted(wait, loop.category, runs.length);
      }
      if (script.abortOnRetry?.retry === n + 1) return cancelled(runs.length);
      this.now += wait;
    }
  }

  /** How an attempt that ran `fn` ends, from its outcome and the timers racing it. */
  private attempt(o: Outcome, deadline: number): AttemptEnd {
    const A = this.config.attemptTimeoutMs;
    const start = this.now;
    // Cancelled, and neutral for every stage, whatever the client does next (even if it succeeds or never ends).
    if (o.kind === 'abort') return { at: start, loop: 'cancelled', verdict: 'neutral' };
    const natural = o.kind === 'ok' || o.kind === 'fail' ? start + o.latency : Number.POSITIVE_INFINITY;
    const cut = A === undefined ? Number.POSITIVE_INFINITY : start + A;
    // The total timeout cuts an attempt like an attempt timeout (the stages book a timeout) and ends the call.
    if (deadline < Math.min(natural, cut)) return { at: deadline, loop: 'deadline', verdict: 'failure' };
    if (cut < natural) return { at: cut, loop: TIMEOUT, verdict: 'failure' };
    if (o.kind === 'ok') return { at: natural, loop: 'success', verdict: 'success' };
    if (o.kind !== 'fail') throw new Error(`unbounded ${o.kind} in a sequential scenario`);
    const failure = failureOf(o.failure, o.retryAfterMs);
    return { at: natural, loop: failure, verdict: verdictOf(failure) };
  }

  /** The wait before the next attempt, or why the call stops retrying. */
  private retryWait(n: number, f: Failure, deadline: number): number | string {
    const r = this.config.retry;
    if (!f.retryable) return 'non_retryable';
    if (r === undefined || n >= r.maxRetries) return 'max_attempts';
    if (f.retryAfterMs !== undefined && f.retryAfterMs > r.maxRetryAfterMs) return 'retry_after_too_long';
    const multiplier = f.category === 'rate_limited' ? 3 : 2;
    const backoff = Math.min(r.maxDelayMs, r.initialDelayMs * multiplier ** n);
    const wait = f.retryAfterMs !== undefined && f.retryAfterMs >= backoff ? f.retryAfterMs : backoff;
    if (this.now + wait >= deadline) return 'deadline';
    if (this.budget !== undefined && !this.budget.tryRetry()) return 'budget_exhausted';
    return wait;
  }

  /** The fallback stage: stores good values under the caller's key, serves the first fallback that applies. */
  private fallback(script: CallScript, settled: ResultText | FinalError): ResultText {
    const key = script.cacheKey;
    if (typeof settled === 'string') {
      if (key !== undefined) this.cache?.set(key, settled.slice('value '.length), this.now);
      return settled;
    }
    for (const step of this.config.fallback ?? []) {
      const applies =
        step.when === undefined
          ? settled.category !== 'cancelled'
          : (step.when as readonly string[]).includes(settled.category);
      if (!applies) continue;
      if (step.kind === 'value') return 'fallback(value) fb-value';
      if (step.kind === 'factory' && !step.throws) return 'fallback(factory) fb-factory';
      const cached = step.kind === 'cache' && key !== undefined ? this.cache?.get(key, this.now) : undefined;
      if (cached !== undefined) return `fallback(cache) ${cached}`;
    }
    return errorText(settled.name, settled.detail, settled.category, settled.attempts);
  }

  /** The breaker, budget, limiter and recovery state, printed like the harness prints the real ones. */
  stateText(): string {
    this.recovery?.tick(this.now);
    this.limiter?.observe(this.now);
    return stateText({
      breaker: this.breaker && { state: this.breaker.state, ...this.breaker.counts },
      budget: this.budget && {
        requests: this.budget.requests,
        retries: this.budget.retries,
        denied: this.budget.denied,
        tokens: this.config.retry?.budget?.kind === 'token_bucket' ? this.budget.tokens : undefined,
      },
      limiter: this.limiter && {
        granted: this.limiter.granted,
        waited: this.limiter.waited,
        rejected: this.limiter.rejected,
      },
      recovery: this.recovery && {
        state: this.recovery.state,
        admitted: this.recovery.admitted,
        shed: this.recovery.shed,
      },
    });
  }
}

interface FinalError {
  readonly name: string;
  readonly detail: string;
  readonly category: string;
  readonly attempts: number;
}

const rejected = (strategy: string, category: string, attempts: number): FinalError => ({
  name: 'CallRejectedError',
  detail: strategy,
  category,
  attempts,
});
const cancelled = (attempts: number): FinalError => ({
  name: 'CallCancelledError',
  detail: 'cancelled',
  category: 'cancelled',
  attempts,
});
const exhausted = (reason: string, category: string, attempts: number): FinalError => ({
  name: 'RetriesExhaustedError',
  detail: reason,
  category,
  attempts,
});

/** The state of the shared strategies, as compared between the model and the policy. */
export interface StateSnapshot {
  readonly breaker: object | undefined;
  readonly budget: object | undefined;
  readonly limiter: object | undefined;
  readonly recovery: object | undefined;
}

export function stateText(s: StateSnapshot): string {
  const show = (name: string, o: object | undefined) =>
    o === undefined
      ? []
      : [
          `${name}(${Object.entries(o)
            .filter(([, v]) => v !== undefined)
            .map(([k, v]) => `${k}=${typeof v === 'number' ? Number(v.toFixed(6)) : v}`)
            .join(' ')})`,
        ];
  return [
    ...show('breaker', s.breaker),
    ...show('budget', s.budget),
    ...show('limiter', s.limiter),
    ...show('recovery', s.recovery),
  ].join(' ');
}
