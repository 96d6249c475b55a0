import { sanitizeClassification } from '../classify/classification.js';
import type { ClassifiedError } from '../classify/types.js';
import { ResilienceTimeoutError } from '../errors/signals.js';
import type { ATTR_RESILIENCE_OUTCOME, Outcome } from '../semconv.js';
import type { AttemptContext } from './attempt-context.js';
import type { CallContext } from './call-context.js';

const ABORTED = new DOMException('The operation was aborted', 'AbortError');

/**
 * An outcome that says nothing about the downstream: the caller cancelled the attempt, or it never ran `fn` (it
 * was refused or cut before). Stages that learn from outcomes (breaker, recovery, adaptive limits) treat it as
 * neutral: it neither counts as a failure nor as a success.
 */
export const NEUTRAL: unique symbol = Symbol('neutral outcome');

/**
 * What an attempt's failure really was, from THIS attempt's state: {@link NEUTRAL} once the caller's
 * signal has aborted (whatever the abort reason or the error the client surfaced); our timeout's error when the
 * attempt's own signal was aborted by its timeout; else the error as thrown. Stages that judge outcomes (breaker,
 * recovery, adaptive limits) classify this, never the raw error.
 */
export function attemptFailureCause(attempt: AttemptContext, error: unknown): unknown {
  if (attempt.call.callerSignal.aborted) return NEUTRAL;
  const signal = attempt.signal;
  return signal.aborted && ResilienceTimeoutError.isInstance(signal.reason) ? signal.reason : error;
}

/**
 * What a failed attempt teaches the stages that learn from the downstream: {@link NEUTRAL} when `fn` never ran
 * (a refusal, or a total timeout during an admission wait) or the caller cancelled, else
 * {@link attemptFailureCause}.
 */
export function downstreamFailure(attempt: AttemptContext, error: unknown): unknown {
  return attempt.invoked ? attemptFailureCause(attempt, error) : NEUTRAL;
}

/**
 * Classifies an attempt's failure from THIS attempt's state, trusting the signals over whatever the function
 * threw: once the caller's signal has aborted the attempt was cancelled (whatever the abort reason, and even if
 * the client surfaced another error); an attempt whose own signal our timeout aborted failed with a timeout
 * (cockatiel #101 confuses the two). Anything else is classified as thrown.
 */
export function classifyAttemptFailure(attempt: AttemptContext, error: unknown): ClassifiedError {
  const cause = attemptFailureCause(attempt, error);
  const call = attempt.call;
  return cause === NEUTRAL ? classifyCancellation(call, error) : call.runtime.classify(cause);
}

/** Classifies the caller's abort as `cancelled`, whatever shape the abort reason or the client's error has. */
export function classifyCancellation(call: CallContext, error: unknown): ClassifiedError {
  const classified = call.runtime.classify(error);
  if (classified.category === 'cancelled') return classified;
  return sanitizeClassification({ ...call.runtime.classify(ABORTED) }, call.callerSignal.reason ?? error);
}

/** The {@link ATTR_RESILIENCE_OUTCOME} of a failure. */
export function failureOutcome(classified: ClassifiedError): Outcome {
  if (classified.category === 'cancelled') return 'cancelled';
  if (classified.category === 'rejected' || classified.category === 'circuit_open') return 'rejected';
  return 'failure';
}
