import type { RetryReason, Strategy } from '../semconv.js';
import { type ClassificationJSON, classificationJSON } from './classification-json.js';
import type { ClassifiedError } from './classified-error.js';
import { errorMarker, hasMarker } from './marker.js';

const RESILIENCE_ERROR = errorMarker('ResilienceError');

/**
 * Why a call finally failed: the retry strategy's reason, `rejected` when a strategy refused it, or `broken` when
 * a committed stream broke.
 */
export type CallFailureReason = RetryReason | 'rejected' | 'broken';

/** What every final call error carries. */
export interface ResilienceErrorDetails {
  /** Policy that ran the call. */
  readonly policy: string;
  /** Classification of the last error. */
  readonly classified: ClassifiedError;
  /** Attempts that ran (0 when the call was refused before its first attempt). */
  readonly attempts: number;
}

/** What `JSON.stringify` of a final call error gives: redacted fields only, never the raw `cause`. */
export interface ResilienceErrorJSON {
  readonly name: string;
  readonly message: string;
  readonly reason: CallFailureReason;
  readonly policy: string;
  readonly attempts: number;
  readonly classified: ClassificationJSON;
  /** The strategy that refused the call ({@link CallRejectedError} only). */
  readonly strategy?: Strategy;
}

/**
 * Base class of the errors a policy's `execute()` rejects with when a call finally fails. The original error
 * is `cause`; `classified` says what it was; `message` is the redacted classification message. `toJSON` (what
 * `JSON.stringify` and structured loggers use) carries the redacted fields only, never the raw `cause`.
 */
export abstract class ResilienceError extends Error {
  readonly [RESILIENCE_ERROR] = true;
  abstract readonly reason: CallFailureReason;
  readonly policy: string;
  readonly classified: ClassifiedError;
  readonly attempts: number;

  protected constructor(details: ResilienceErrorDetails, summary: string) {
    super(`${summary}: ${details.classified.message}`, { cause: details.classified.cause });
    this.policy = details.policy;
    this.classified = details.classified;
    this.attempts = details.attempts;
  }

  /** The redacted fields, for `JSON.stringify`: the classification without its raw `cause`. */
  toJSON(): ResilienceErrorJSON {
    return {
      name: this.name,
      message: this.message,
      reason: this.reason,
      policy: this.policy,
      attempts: this.attempts,
      classified: classificationJSON(this.classified),
    };
  }

  /** True for any final call error from any copy of this package. */
  static isInstance(error: unknown): error is ResilienceError {
    return hasMarker(error, RESILIENCE_ERROR);
  }
}

const RETRIES_EXHAUSTED = errorMarker('RetriesExhaustedError');
const NON_RETRYABLE = errorMarker('NonRetryableError');
const CALL_REJECTED = errorMarker('CallRejectedError');
const CALL_CANCELLED = errorMarker('CallCancelledError');

/** The last error was retryable but the call stopped retrying: attempts used up, budget empty, Retry-After too long or deadline. */
export class RetriesExhaustedError extends ResilienceError {
  override readonly name = 'RetriesExhaustedError';
  readonly [RETRIES_EXHAUSTED] = true;
  readonly reason: Exclude<RetryReason, 'non_retryable' | 'cancelled'>;

  constructor(details: ResilienceErrorDetails, reason: Exclude<RetryReason, 'non_retryable' | 'cancelled'>) {
    super(details, `"${details.policy}" gave up after ${details.attempts} attempt(s) (${reason})`);
    this.reason = reason;
  }

  static override isInstance(error: unknown): error is RetriesExhaustedError {
    return hasMarker(error, RETRIES_EXHAUSTED);
  }
}

/** The call failed with an error that is not retried (validation, authentication, …). */
export class NonRetryableError extends ResilienceError {
  override readonly name = 'NonRetryableError';
  readonly [NON_RETRYABLE] = true;
  readonly reason = 'non_retryable' as const;

  constructor(details: ResilienceErrorDetails) {
    super(details, `"${details.policy}" failed with a non-retryable ${details.classified.category} error`);
  }

  static override isInstance(error: unknown): error is NonRetryableError {
    return hasMarker(error, NON_RETRYABLE);
  }
}

/** A strategy refused the call: open circuit, full bulkhead, rate limit, recovery shedding. */
export class CallRejectedError extends ResilienceError {
  override readonly name = 'CallRejectedError';
  readonly [CALL_REJECTED] = true;
  readonly reason = 'rejected' as const;
  /** The strategy that refused the call. */
  readonly strategy: Strategy | undefined;

  constructor(details: ResilienceErrorDetails, strategy: Strategy | undefined) {
    super(details, `"${details.policy}" rejected${strategy === undefined ? '' : ` by ${strategy}`}`);
    this.strategy = strategy;
  }

  /** When the refusing strategy expects capacity again, if it knows. */
  get retryAfterMs(): number | undefined {
    return this.classified.retryAfterMs;
  }

  override toJSON(): ResilienceErrorJSON {
    return { ...super.toJSON(), ...(this.strategy === undefined ? {} : { strategy: this.strategy }) };
  }

  static override isInstance(error: unknown): error is CallRejectedError {
    return hasMarker(error, CALL_REJECTED);
  }
}

/** The caller aborted the call. Not a failure: never counted against a breaker or an SLO. */
export class CallCancelledError extends ResilienceError {
  override readonly name = 'CallCancelledError';
  readonly [CALL_CANCELLED] = true;
  readonly reason = 'cancelled' as const;

  constructor(details: ResilienceErrorDetails) {
    super(details, `"${details.policy}" was cancelled by the caller`);
  }

  static override isInstance(error: unknown): error is CallCancelledError {
    return hasMarker(error, CALL_CANCELLED);
  }
}

const STREAM_BROKEN = errorMarker('StreamBrokenError');

/**
 * A committed stream broke (an error frame, a stall, a dropped connection) after the consumer had received part of
 * it: it is not replayed (the consumer would see the output twice). `chunks` says how many chunks had arrived.
 */
export class StreamBrokenError extends ResilienceError {
  override readonly name = 'StreamBrokenError';
  readonly [STREAM_BROKEN] = true;
  readonly reason = 'broken' as const;
  /** Chunks the consumer received before the break. */
  readonly chunks: number;

  constructor(details: ResilienceErrorDetails, chunks: number) {
    super(details, `"${details.policy}" stream broke after ${chunks} chunk(s)`);
    this.chunks = chunks;
  }

  static override isInstance(error: unknown): error is StreamBrokenError {
    return hasMarker(error, STREAM_BROKEN);
  }
}
