import { sanitizeClassification } from '../classify/classification.js';
import type { ClassifiedError } from '../classify/types.js';
import { ResilienceTimeoutError } from '../errors/signals.js';
import type { ATTR_RESILIENCE_OUTCOME, Outcome } from '../semconv.js';
import type { AttemptContext } from './attempt-context.js';
import type { CallContext } from './call-context.js';

const ABORTED = new DOMException('The operation was aborted', 'AbortError');

/** What {@link attemptFailureCause} returns for an attempt whose caller cancelled it. */
export const CANCELLED_BY_CALLER: unique symbol = Symbol('cancelled by the caller');

/**
 * What an attempt's failure really was, from THIS attempt's state: {@link CANCELLED_BY_CALLER} once the caller's
 * signal has aborted (whatever the abort reason or the error the client surfaced); our timeout's error when the
 * attempt's own signal was aborted by its timeout; else the error as thrown. Stages that judge outcomes (breaker,
 * recovery, adaptive limits) classify this, never the raw error.
 */
export function attemptFailureCause(attempt: AttemptContext, error: unknown): unknown {
  if (attempt.call.callerSignal.aborted) return CANCELLED_BY_CALLER;
  const signal = attempt.signal;
  return signal.aborted && ResilienceTimeoutError.isInstance(signal.reason) ? signal.reason : error;
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
  return cause === CANCELLED_BY_CALLER ? classifyCancellation(call, error) : call.runtime.classify(cause);
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
