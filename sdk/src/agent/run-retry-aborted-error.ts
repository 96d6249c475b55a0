import type { ClassifiedError } from '../classify/types.js';
import { errorMarker, hasMarker } from '../errors/marker.js';

const RUN_RETRY_ABORTED = errorMarker('RunRetryAbortedError');

/**
 * A run-level retry was aborted because the `beforeRetry` hook failed: the failed run's partial output could
 * not be discarded, so the run is not retried on a polluted history. `cause` is the hook's error; `failure` is
 * the failure that would have been retried.
 */
export class RunRetryAbortedError extends Error {
  override readonly name = 'RunRetryAbortedError';
  readonly [RUN_RETRY_ABORTED] = true;
  readonly failure: ClassifiedError;

  constructor(failure: ClassifiedError, hookError: unknown) {
    super(`Run retry aborted: beforeRetry failed after a ${failure.category} failure`, { cause: hookError });
    this.failure = failure;
  }

  static isInstance(error: unknown): error is RunRetryAbortedError {
    return hasMarker(error, RUN_RETRY_ABORTED);
  }
}
