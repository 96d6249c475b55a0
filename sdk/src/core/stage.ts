import type { AttemptContext } from './attempt-context.js';
import type { CallContext } from './call-context.js';

/** Runs the rest of the pipeline for a call. */
export type CallNext = (call: CallContext) => Promise<unknown>;

/** Runs the rest of the pipeline for one attempt. */
export type AttemptNext = (attempt: AttemptContext) => Promise<unknown>;

/**
 * A stage around the whole call, outside the retry loop (fallback, bulkhead, rate limiter, total timeout). It
 * sees the call once, whatever the number of attempts.
 */
export interface CallStage {
  runCall(call: CallContext, next: CallNext): Promise<unknown>;
}

/**
 * A stage around each attempt, inside the retry loop (circuit breaker, recovery admission, adaptive rate limiter,
 * attempt timeout). Each attempt arrives with its own {@link AttemptContext}: a stage reads and writes only that
 * attempt's state, never another's.
 */
export interface AttemptStage {
  runAttempt(attempt: AttemptContext, next: AttemptNext): Promise<unknown>;
}

/** The stage that turns one call into attempts (the retry loop): the boundary between the two kinds. */
export interface AttemptLoop {
  runCall(call: CallContext, attempts: AttemptNext): Promise<unknown>;
}

/** Composes call stages, the attempt loop and attempt stages, outer to inner, around `invoke`. */
export function composeStages(
  callStages: readonly CallStage[],
  loop: AttemptLoop,
  attemptStages: readonly AttemptStage[],
  invoke: AttemptNext,
): CallNext {
  const attempts = attemptStages.reduceRight<AttemptNext>(
    (next, stage) => attempt => stage.runAttempt(attempt, next),
    invoke,
  );
  return callStages.reduceRight<CallNext>(
    (next, stage) => call => stage.runCall(call, next),
    call => loop.runCall(call, attempts),
  );
}
