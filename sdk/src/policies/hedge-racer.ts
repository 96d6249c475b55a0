import type { ClassifiedError } from '../classify/types.js';
import type { AttemptContext } from '../core/attempt-context.js';
import { classifyAttemptFailure } from '../core/attempt-outcome.js';
import { recordAttemptFailure } from '../core/attempt-telemetry.js';
import type { AttemptNext } from '../core/stage.js';
import { recordTokens, usageOfValue } from '../core/token-usage.js';
import { CommittedStream } from './committed-stream.js';
import type { HedgeTarget } from './hedging-options.js';
import { recordHedgeResult } from './hedging-telemetry.js';

/**
 * What an attempt that lost the race is aborted with: an `AbortError`, so the stages judging it (its breaker,
 * recovery, the budget) see a cancellation, neutral, as they see the abort reason rather than what a client throws.
 */
export const HEDGE_LOST = new DOMException('Another hedged attempt answered first', 'AbortError');

/** One attempt of a hedged round. */
export interface Racer {
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
  /**
   * A racer that ran ended: `success`, or a retryable failure. `reported`: the retry loop books this one itself
   * (the round's outcome), so only a budget of hedging's own hears it from here.
   */
  attemptResult(success: boolean, reported: boolean): void;
  /** The chain a hedge to `target` runs (its breaker and the attempt timeout), or undefined for the policy's. */
  chainOf(target: HedgeTarget | undefined): AttemptNext | undefined;
  /** Whether the breaker a hedge to `target` (undefined: the call's own function) passes refuses it now. */
  refuses(target: HedgeTarget | undefined): boolean;
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

/** A racer the round abandoned (aborted when it ended): lost, a cancellation that counts as no error. */
export function recordLost(racer: Racer, error: unknown): void {
  const attempt = racer.attempt;
  recordHedgeResult(attempt, 'lost');
  recordAttemptFailure(attempt, classifyAttemptFailure(attempt, error), error, false);
}

/** A racer that answered after another had won: its answer is dropped (a stream closed), its tokens wasted. */
export function discardLateAnswer(racer: Racer, value: unknown): void {
  const attempt = racer.attempt;
  if (value instanceof CommittedStream) {
    attempt.onFinish(cause => recordLost(racer, cause));
    value.abandon(HEDGE_LOST);
    return;
  }
  recordTokens(attempt.call, 'wasted', usageOfValue(attempt.call, value));
  recordLost(racer, HEDGE_LOST);
}

/** The round's context takes on the identity of the racer whose outcome it reports to the retry loop. */
export function adoptIdentity(round: AttemptContext, racer: Racer): void {
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
