import type { AttemptContext } from '../core/attempt-context.js';
import type { AttemptNext, AttemptStage } from '../core/stage.js';
import { safely, safelyGet } from '../util/safely.js';
import type { CircuitBreaker } from './circuit-breaker.js';
import type { RoundHost } from './hedge-racer.js';
import { HedgedRound } from './hedged-round.js';
import type { HedgeTarget, HedgingConfig } from './hedging-options.js';
import { LatencyWindow } from './latency-window.js';
import { AttemptTimeoutStage } from './timeout.js';

/** How far back the latencies behind {@link METRIC_HEDGE_SAVED} count when the delay is fixed. */
const SAVED_WINDOW_MS = 60_000;

/**
 * The hedging stage: the outermost stage of each attempt (inside the retry loop, outside the breaker), so every
 * hedged attempt passes its own breaker, recovery admission and attempt timeout. A call that is not replay-safe
 * goes through untouched; a replay-safe one runs each round as a {@link HedgedRound}.
 */
export class HedgingStage implements AttemptStage, RoundHost {
  readonly maxHedgedAttempts: number;
  readonly targets: readonly HedgeTarget[];
  /** Recent latencies of original attempts: the learned delay and the latency a hedge saved. */
  private readonly latencies: LatencyWindow;
  private readonly targetChains = new Map<HedgeTarget, AttemptNext>();
  /** Original attempts still running: their latency is unknown but above what they have run so far. */
  private runningOriginals = 0;

  /**
   * @param config Validated hedging settings.
   * @param invoke The innermost step (runs `fn` or opens its stream), which a target's chain ends in.
   * @param attemptTimeoutMs The policy's attempt timeout, which bounds hedges to targets with their own breaker.
   * @param policyBreaker The policy's breaker, which hedges to the call's own function (or a target without a
   *   breaker of its own) pass.
   * @param now Clock in ms of the latency window (tests).
   */
  constructor(
    private readonly config: HedgingConfig,
    invoke: AttemptNext,
    attemptTimeoutMs: number | undefined,
    private readonly policyBreaker: CircuitBreaker | undefined,
    now?: () => number,
  ) {
    this.maxHedgedAttempts = config.maxHedgedAttempts;
    this.targets = config.targets;
    this.latencies = new LatencyWindow(config.learned?.windowMs ?? SAVED_WINDOW_MS, now);
    const timeout = attemptTimeoutMs === undefined ? undefined : new AttemptTimeoutStage(attemptTimeoutMs);
    const tail: AttemptNext = timeout === undefined ? invoke : attempt => timeout.runAttempt(attempt, invoke);
    for (const target of config.targets) {
      const breaker = target.circuitBreaker;
      if (breaker !== undefined) this.targetChains.set(target, attempt => breaker.runAttempt(attempt, tail));
    }
  }

  runAttempt(attempt: AttemptContext, next: AttemptNext): Promise<unknown> {
    const call = attempt.call;
    if (!(call.replaySafe ?? this.config.replaySafe)) return next(attempt);
    const budget = this.config.budget;
    if (attempt.number === 0 && this.config.ownBudget && budget !== undefined) {
      safely('hedging budget onCall', () => budget.onCall());
    }
    return new HedgedRound(this, attempt, next).run();
  }

  /**
   * The fixed delay, or the learned percentile of recent original attempts. Originals still running count as
   * slower than every latency known: without them the first latencies known (the fast ones: the slow are still
   * running) would make the delay too short; in a steady state they move the percentile up by about the mean
   * latency over the window (1 % for 600 ms over 60 s).
   */
  delay(): number {
    const learned = this.config.learned;
    if (learned === undefined || this.latencies.count() < learned.minSamples) return this.config.delayMs;
    const percentile = this.latencies.percentile(learned.percentile, this.runningOriginals) ?? learned.maxMs;
    return Math.min(learned.maxMs, Math.max(learned.minMs, percentile));
  }

  acquire(): boolean {
    const budget = this.config.budget;
    return budget === undefined || safelyGet('hedging budget', () => budget.tryAcquireRetry(), false);
  }

  attemptResult(success: boolean, reported: boolean): void {
    const budget = this.config.budget;
    if (budget === undefined || (reported && !this.config.ownBudget)) return;
    safely('hedging budget onAttemptResult', () => budget.onAttemptResult(success));
  }

  /**
   * A target's own breaker refuses while open or isolated (half-open, a hedge may be its probe). The policy's
   * breaker refuses half-open too: the original passed it, so it holds the probe, and a hedge would be refused.
   */
  refuses(target: HedgeTarget | undefined): boolean {
    const own = target?.circuitBreaker;
    const state = (own ?? this.policyBreaker)?.state;
    return state === 'open' || state === 'isolated' || (own === undefined && state === 'half_open');
  }

  chainOf(target: HedgeTarget | undefined): AttemptNext | undefined {
    return target === undefined ? undefined : this.targetChains.get(target);
  }

  originalStarted(): void {
    this.runningOriginals++;
  }

  originalEnded(ms: number | undefined): void {
    this.runningOriginals--;
    if (ms !== undefined) this.latencies.record(ms);
  }

  saved(ms: number): number | undefined {
    return this.latencies.medianAbove(ms);
  }
}
