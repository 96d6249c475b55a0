import { isBrokenCircuitError, isBulkheadRejectedError } from 'cockatiel';
import type { ClassifiedError } from '../classify/types.js';
import {
  CallCancelledError,
  CallRejectedError,
  NonRetryableError,
  ResilienceError,
  RetriesExhaustedError,
} from '../errors/call-errors.js';
import { ExecutionRejectedError } from '../errors/signals.js';
import type { RetryReason, Strategy } from '../semconv.js';
import { classifyCancellation } from './attempt-outcome.js';
import type { CallContext } from './call-context.js';

function rejectingStrategy(cause: unknown): Strategy | undefined {
  if (ExecutionRejectedError.isInstance(cause)) return cause.strategy;
  if (isBrokenCircuitError(cause)) return 'circuit_breaker';
  if (isBulkheadRejectedError(cause)) return 'bulkhead';
  return undefined;
}

/** Builds the error a call finally rejects with, from the last classification and why we stopped. */
export function finalError(
  call: CallContext,
  classified: ClassifiedError,
  reason: RetryReason,
): ResilienceError {
  const details = { policy: call.runtime.name, classified, attempts: call.attempts };
  if (reason === 'cancelled') return new CallCancelledError(details);
  if (reason === 'non_retryable') {
    if (classified.category === 'rejected' || classified.category === 'circuit_open') {
      return new CallRejectedError(details, rejectingStrategy(classified.cause));
    }
    return new NonRetryableError(details);
  }
  return new RetriesExhaustedError(details, reason);
}

/**
 * The final error for something thrown outside the retry loop (bulkhead, rate limiter, total timeout): our own
 * final errors pass through; anything else is classified and wrapped.
 */
export function finalizeError(call: CallContext, error: unknown): ResilienceError {
  if (ResilienceError.isInstance(error) && error.policy === call.runtime.name) return error;
  if (call.callerSignal.aborted) return finalError(call, classifyCancellation(call, error), 'cancelled');
  const classified = call.runtime.classify(error);
  const reason: RetryReason =
    classified.category === 'cancelled'
      ? 'cancelled'
      : classified.category === 'timeout'
        ? 'deadline'
        : 'non_retryable';
  return finalError(call, classified, reason);
}
