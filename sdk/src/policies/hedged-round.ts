import { AttemptContext } from '../core/attempt-context.js';
import { classifyAttemptFailure } from '../core/attempt-outcome.js';
import { ensureAttemptSpan, recordAttemptFailure } from '../core/attempt-telemetry.js';
import type { AttemptNext } from '../core/stage.js';
import type { HedgeDenialReason } from '../semconv.js';
import { linkAbort, onAbort } from '../util/abort.js';
import {
  adoptIdentity,
  discardLateAnswer,
  HEDGE_LOST,
  type Racer,
  type RoundHost,
  recordLost,
} from './hedge-racer.js';
import type { HedgeTarget } from './hedging-options.js';
import {
  recordHedgeDenied,
  recordHedgeResult,
  recordHedgeSaved,
  recordHedgeStart,
} from './hedging-telemetry.js';

/**
 * One round of a hedged call: the attempt the retry loop made (the round's own context, `round`) is run as a race
 * of attempts, each with its own context and signal. The first that succeeds wins and the others are aborted
 * (a cancellation: neutral for breakers and budgets); a non-retryable failure of the call's own function ends the
 * round, a target's failure hands over to the next target at once; it fails once no racer is left running (the
 * failure asking the longest Retry-After is reported) and the retry loop decides whether to retry it. The
 * round's context then takes on the winner's (or the reported failure's) identity, so the retry loop records that
 * attempt as usual, while the round records every other racer itself.
 */
export class HedgedRound {
  private readonly racers: Racer[] = [];
  private hedges = 0;
  private running = 0;
  private done = false;
  private stopped = false;
  private originalEnded = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** The racer whose outcome the round reported (the retry loop records it). */
  private reported: Racer | undefined;
  private unfollow: () => void = () => {};
  private resolve: (value: unknown) => void = () => {};
  private reject: (error: unknown) => void = () => {};

  constructor(
    private readonly host: RoundHost,
    private readonly round: AttemptContext,
    private readonly next: AttemptNext,
  ) {}

  run(): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
      this.host.originalStarted();
      // The retry loop stops waiting the moment the call's signal aborts and books the round at once: the round
      // must carry a racer's identity by then (subscribed before the loop's own race, so it runs first).
      this.unfollow = onAbort(this.round.signal, this.onCallAbort);
      this.start(0, undefined, this.next);
      this.schedule();
    });
  }

  /** Arms the timer of the next hedge (a zero delay starts it now). */
  private schedule(): void {
    while (!this.done && !this.stopped && this.hedges < this.host.maxHedgedAttempts) {
      const delay = this.host.delay();
      if (delay > 0) {
        this.timer = setTimeout(this.onTimer, delay);
        return;
      }
      this.hedge();
    }
  }

  /** The call's signal aborted (caller, total timeout): the round ends now, reporting the original. */
  private readonly onCallAbort = (): void => {
    if (this.done) return;
    const primary = this.racers[0] as Racer;
    primary.failure ??= {
      error: this.round.signal.reason,
      classified: classifyAttemptFailure(primary.attempt, this.round.signal.reason),
    };
    this.fail(primary);
  };

  private readonly onTimer = (): void => {
    this.timer = undefined;
    this.hedge();
    this.schedule();
  };

  /** Starts the next hedge, unless its targets' breakers are open or the budget is empty. */
  private hedge(): void {
    if (this.done || this.stopped || this.round.signal.aborted) return;
    const number = this.hedges + 1;
    const target = this.pickTarget(number);
    if (target === 'circuit_open' || !this.host.acquire()) {
      this.deny(number, target === 'circuit_open' ? 'circuit_open' : 'budget_exhausted');
      return;
    }
    this.hedges = number;
    for (const racer of this.racers) if (!racer.settled) ensureAttemptSpan(racer.attempt);
    recordHedgeStart(this.round.call, number, target?.name);
    this.start(number, target, this.host.chainOf(target) ?? this.next);
  }

  /**
   * The target of hedge `number` (the call's own function without targets), skipping one whose breaker refuses
   * calls now: not started, it costs no budget and counts no rejection.
   */
  private pickTarget(number: number): HedgeTarget | undefined | 'circuit_open' {
    const { targets } = this.host;
    if (targets.length === 0) return this.host.refuses(undefined) ? 'circuit_open' : undefined;
    for (let i = 0; i < targets.length; i++) {
      const target = targets[(number - 1 + i) % targets.length] as HedgeTarget;
      if (!this.host.refuses(target)) return target;
    }
    return 'circuit_open';
  }

  /** No more hedges this round: one not started is counted `denied`. */
  private deny(number: number, reason: HedgeDenialReason): void {
    this.stopped = true;
    recordHedgeDenied(this.round.call, number, reason);
    this.settleIfIdle();
  }

  private start(hedge: number, target: HedgeTarget | undefined, chain: AttemptNext): void {
    const round = this.round;
    const attempt = new AttemptContext(round.call, round.number);
    attempt.hedge = hedge;
    if (target !== undefined) attempt.target = target;
    const controller = new AbortController();
    const unlink = linkAbort(round.signal, controller);
    attempt.signal = controller.signal;
    const racer: Racer = {
      attempt,
      controller,
      unlink,
      start: performance.now(),
      settled: false,
      failure: undefined,
    };
    this.racers.push(racer);
    this.running++;
    let running: Promise<unknown>;
    try {
      running = chain(attempt);
    } catch (error) {
      running = Promise.reject(error);
    }
    running.then(
      value => this.onSuccess(racer, value),
      (error: unknown) => this.onFailure(racer, error),
    );
  }

  private settle(racer: Racer): void {
    racer.settled = true;
    this.running--;
    racer.unlink();
  }

  private onSuccess(racer: Racer, value: unknown): void {
    this.settle(racer);
    if (this.done) {
      discardLateAnswer(racer, value);
      return;
    }
    this.done = true;
    this.clearTimer();
    const now = performance.now();
    const primary = this.racers[0] as Racer;
    const primaryElapsed = now - primary.start;
    if (racer === primary) this.endOriginal(primaryElapsed);
    else if (!primary.settled) {
      const expected = this.host.saved(primaryElapsed);
      if (expected !== undefined) recordHedgeSaved(this.round.call, expected - primaryElapsed);
      // Censored: the original had run this long without answering.
      this.endOriginal(primaryElapsed);
    }
    for (const other of this.racers) {
      if (other === racer) continue;
      if (!other.settled) {
        other.controller.abort(HEDGE_LOST);
      } else if (other.failure !== undefined) this.recordFailed(other);
    }
    if (this.hedges > 0) recordHedgeResult(racer.attempt, 'won');
    this.host.attemptResult(true, true);
    this.reported = racer;
    this.unfollow();
    adoptIdentity(this.round, racer);
    this.resolve(value);
  }

  private onFailure(racer: Racer, error: unknown): void {
    this.settle(racer);
    const attempt = racer.attempt;
    // Every racer still running when the round ended was abandoned then.
    if (this.done) {
      if (racer !== this.reported) recordLost(racer, error);
      return;
    }
    if (racer === this.racers[0]) this.endOriginal(undefined);
    const classified = classifyAttemptFailure(attempt, error);
    racer.failure = { error, classified };
    if (!attempt.invoked && attempt.hedge > 0) {
      // Refused before it ran (its breaker, an admission stage): a hedge not started.
      racer.failure = undefined;
      this.racers.splice(this.racers.indexOf(racer), 1);
      recordHedgeDenied(
        attempt.call,
        attempt.hedge,
        classified.category === 'circuit_open' ? 'circuit_open' : 'rejected',
      );
    } else if (!classified.retryable && attempt.target === undefined) {
      // The call's own request is refused (a 400, an auth error): no racer of it can succeed. A target's refusal
      // says nothing of the others (another model, another provider): the round goes on.
      this.fail(racer);
      return;
    } else if (this.host.targets.length > 0 && !this.stopped && this.hedges < this.host.maxHedgedAttempts) {
      // Another target may answer: try it now rather than after the delay.
      this.clearTimer();
      this.hedge();
      this.schedule();
    }
    this.settleIfIdle();
  }

  /** Ends the round with the first failure of an attempt that ran once nothing runs any more. */
  private settleIfIdle(): void {
    if (this.done || this.running > 0) return;
    const failed = this.racers.filter(r => r.failure !== undefined);
    // The failure that asks the longest Retry-After, so the retry loop honours it; else the first that ran.
    const waitOf = (r: Racer) => r.failure?.classified.retryAfterMs ?? -1;
    const ran = failed.filter(r => r.attempt.invoked);
    const reported =
      ran.reduce<Racer | undefined>(
        (a, r) => (a === undefined || waitOf(r) > waitOf(a) ? r : a),
        undefined,
      ) ?? failed[0];
    if (reported !== undefined) this.fail(reported);
  }

  /** Ends the round with `reported`'s failure: the others are aborted; the failures are recorded. */
  private fail(reported: Racer): void {
    this.done = true;
    this.reported = reported;
    this.unfollow();
    const failure = reported.failure;
    if (reported.attempt.invoked && failure?.classified.retryable === true)
      this.host.attemptResult(false, true);
    this.clearTimer();
    this.endOriginal(undefined);
    for (const other of this.racers) {
      if (other === reported) continue;
      if (!other.settled) {
        other.controller.abort(HEDGE_LOST);
      } else this.recordFailed(other);
    }
    if (reported.attempt.hedge > 0) recordHedgeResult(reported.attempt, 'lost');
    adoptIdentity(this.round, reported);
    this.reject(reported.failure?.error);
  }

  /** A racer that failed before the round ended, and is not the one the round reports. */
  private recordFailed(racer: Racer): void {
    const failure = racer.failure;
    if (failure === undefined) return;
    if (racer.attempt.hedge > 0) recordHedgeResult(racer.attempt, 'lost');
    if (racer.attempt.invoked && failure.classified.retryable) this.host.attemptResult(false, false);
    recordAttemptFailure(racer.attempt, failure.classified, failure.error);
  }

  /** Tells the host how the original attempt ended, once. */
  private endOriginal(ms: number | undefined): void {
    if (this.originalEnded) return;
    this.originalEnded = true;
    this.host.originalEnded(ms);
  }

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
