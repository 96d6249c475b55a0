import type { ClassifiedError } from '../classify/types.js';
import { AttemptContext } from '../core/attempt-context.js';
import { classifyAttemptFailure } from '../core/attempt-outcome.js';
import { ensureAttemptSpan, recordAttemptFailure } from '../core/attempt-telemetry.js';
import type { AttemptNext } from '../core/stage.js';
import { recordTokens, usageOfValue } from '../core/token-usage.js';
import type { HedgeDenialReason } from '../semconv.js';
import { linkAbort } from '../util/abort.js';
import { CommittedStream } from './committed-stream.js';
import type { HedgeTarget } from './hedging-options.js';
import {
  recordHedgeDenied,
  recordHedgeResult,
  recordHedgeSaved,
  recordHedgeStart,
} from './hedging-telemetry.js';

/**
 * What an attempt that lost the race is aborted with: an `AbortError`, so the stages judging it (its breaker,
 * recovery, the budget) see a cancellation, neutral, as they see the abort reason rather than what a client throws.
 */
const HEDGE_LOST = new DOMException('Another hedged attempt answered first', 'AbortError');

/** One attempt of a hedged round. */
interface Racer {
  readonly attempt: AttemptContext;
  readonly controller: AbortController;
  readonly unlink: () => void;
  readonly start: number;
  settled: boolean;
  failure: { readonly error: unknown; readonly classified: ClassifiedError } | undefined;
}

/** What a round needs of its hedging stage. */
export interface RoundHost {
  readonly maxHedgedAttempts: number;
  readonly targets: readonly HedgeTarget[];
  /** The delay before the next hedge, in ms. */
  delay(): number;
  /** Asks the budget for one hedge. */
  acquire(): boolean;
  /** The chain a hedge to `target` runs (its breaker and the attempt timeout), or undefined for the policy's. */
  chainOf(target: HedgeTarget | undefined): AttemptNext | undefined;
  /** An original attempt started (it counts as slower than any latency until it ends). */
  originalStarted(): void;
  /**
   * An original attempt ended: `ms` is its time to answer, or how long it had run when a hedge won (it would
   * have taken longer); undefined when it failed (a failure's time says nothing of the answer's).
   */
  originalEnded(ms: number | undefined): void;
  /** The estimated latency a hedge saved the original attempt that had run `ms`, or undefined. */
  saved(ms: number): number | undefined;
}

/**
 * One round of a hedged call: the attempt the retry loop made (the round's own context, `round`) is run as a race
 * of attempts, each with its own context and signal. The first that succeeds wins and the others are aborted
 * (a cancellation: neutral for breakers and budgets); a non-retryable failure ends the round; it fails when every
 * racer failed and no hedge is left. The round's context then takes on the winner's (or the reported failure's)
 * identity, so the retry loop records that attempt as usual, while the round records every other racer itself.
 */
export class HedgedRound {
  private readonly racers: Racer[] = [];
  private hedges = 0;
  private running = 0;
  private done = false;
  private stopped = false;
  private originalEnded = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
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

  private readonly onTimer = (): void => {
    this.timer = undefined;
    this.hedge();
    this.schedule();
  };

  /** Starts the next hedge, unless its targets' breakers are open or the budget is empty. */
  private hedge(): void {
    if (this.done || this.stopped) return;
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

  /** The target of hedge `number`, skipping one whose breaker is open; the call's own function without targets. */
  private pickTarget(number: number): HedgeTarget | undefined | 'circuit_open' {
    const { targets } = this.host;
    for (let i = 0; i < targets.length; i++) {
      const target = targets[(number - 1 + i) % targets.length] as HedgeTarget;
      const state = target.circuitBreaker?.state;
      if (state !== 'open' && state !== 'isolated') return target;
    }
    return targets.length === 0 ? undefined : 'circuit_open';
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
      this.discard(racer, value);
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
    this.adopt(racer);
    this.resolve(value);
  }

  private onFailure(racer: Racer, error: unknown): void {
    this.settle(racer);
    const attempt = racer.attempt;
    // Every racer still running when the round ended was abandoned then.
    if (this.done) {
      this.recordLost(racer, error);
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
    } else if (!classified.retryable) {
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
    const reported = failed.find(r => r.attempt.invoked) ?? failed[0];
    if (reported !== undefined) this.fail(reported);
  }

  /** Ends the round with `reported`'s failure: the others are aborted; the failures are recorded. */
  private fail(reported: Racer): void {
    this.done = true;
    this.clearTimer();
    this.endOriginal(undefined);
    for (const other of this.racers) {
      if (other === reported) continue;
      if (!other.settled) {
        other.controller.abort(HEDGE_LOST);
      } else this.recordFailed(other);
    }
    if (reported.attempt.hedge > 0) recordHedgeResult(reported.attempt, 'lost');
    this.adopt(reported);
    this.reject(reported.failure?.error);
  }

  /** A racer that failed before the round ended, and is not the one the round reports. */
  private recordFailed(racer: Racer): void {
    const failure = racer.failure;
    if (failure === undefined) return;
    if (racer.attempt.hedge > 0) recordHedgeResult(racer.attempt, 'lost');
    recordAttemptFailure(racer.attempt, failure.classified, failure.error);
  }

  /** A racer the round abandoned (aborted when it ended): lost, a cancellation that counts as no error. */
  private recordLost(racer: Racer, error: unknown): void {
    const attempt = racer.attempt;
    recordHedgeResult(attempt, 'lost');
    recordAttemptFailure(attempt, classifyAttemptFailure(attempt, error), error, false);
  }

  /** A racer that answered after another had won: its answer is dropped (a stream closed), its tokens wasted. */
  private discard(racer: Racer, value: unknown): void {
    const attempt = racer.attempt;
    if (value instanceof CommittedStream) {
      attempt.onFinish(cause => this.recordLost(racer, cause));
      value.abandon(HEDGE_LOST);
      return;
    }
    recordTokens(attempt.call, 'wasted', usageOfValue(attempt.call, value));
    this.recordLost(racer, HEDGE_LOST);
  }

  /** The round's context takes on the identity of the racer whose outcome it reports to the retry loop. */
  private adopt(racer: Racer): void {
    const round = this.round;
    const attempt = racer.attempt;
    round.scope = attempt.scope;
    round.hedge = attempt.hedge;
    round.target = attempt.target;
    round.signal = attempt.signal;
    round.invoked = attempt.invoked;
    round.probe = attempt.probe;
    // A committed stream's attempt ends with its stream: the loop books the round then.
    if (attempt.deferred) {
      round.defer();
      attempt.onFinish(cause => round.finish(cause));
    }
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
