import { BrokenCircuitError } from 'cockatiel';
import type { Strategy, TimeoutKind } from '../semconv.js';
import { errorMarker, hasMarker } from './marker.js';

const CIRCUIT_OPEN = errorMarker('CircuitOpenError');
const EXECUTION_REJECTED = errorMarker('ExecutionRejectedError');
const RESILIENCE_TIMEOUT = errorMarker('ResilienceTimeoutError');

/**
 * Thrown inside a pipeline when a circuit breaker refuses an attempt. Extends cockatiel's
 * `BrokenCircuitError`, so cockatiel's `isBrokenCircuitError` still recognises it, and adds when the
 * circuit may let calls through again. Classified `circuit_open`.
 */
export class CircuitOpenError extends BrokenCircuitError {
  override readonly name = 'CircuitOpenError';
  readonly [CIRCUIT_OPEN] = true;
  /** Breaker (policy) name. */
  readonly breaker: string;
  /** Milliseconds until the breaker lets a probe through, when known. */
  readonly retryAfterMs: number | undefined;
  /** True when the circuit is held open manually (`isolate()`). */
  readonly isolated: boolean;

  constructor(breaker: string, options: { retryAfterMs?: number | undefined; isolated?: boolean } = {}) {
    super(
      options.isolated
        ? `Circuit breaker "${breaker}" is isolated`
        : `Circuit breaker "${breaker}" is open${options.retryAfterMs === undefined ? '' : `; next probe in ${Math.ceil(options.retryAfterMs)}ms`}`,
    );
    this.breaker = breaker;
    this.retryAfterMs = options.retryAfterMs;
    this.isolated = options.isolated ?? false;
  }

  /** True for a `CircuitOpenError` from any copy of this package. */
  static isInstance(error: unknown): error is CircuitOpenError {
    return hasMarker(error, CIRCUIT_OPEN);
  }
}

/**
 * Thrown when a strategy refuses to run a call: bulkhead full, rate limit reached, retry budget empty,
 * recovery ramp shedding. Classified `rejected`; `retryAfterMs` says when capacity frees up, when known.
 */
export class ExecutionRejectedError extends Error {
  override readonly name = 'ExecutionRejectedError';
  readonly [EXECUTION_REJECTED] = true;
  readonly strategy: Strategy;
  readonly retryAfterMs: number | undefined;

  constructor(
    strategy: Strategy,
    message: string,
    options: { retryAfterMs?: number | undefined; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.strategy = strategy;
    this.retryAfterMs = options.retryAfterMs;
  }

  static isInstance(error: unknown): error is ExecutionRejectedError {
    return hasMarker(error, EXECUTION_REJECTED);
  }
}

/**
 * The reason our timeouts abort a signal with, and the error an attempt fails with when its timeout fires.
 * Classified `timeout`. A caller's own abort is never a `ResilienceTimeoutError` (cockatiel issue #101).
 */
export class ResilienceTimeoutError extends Error {
  override readonly name = 'ResilienceTimeoutError';
  readonly [RESILIENCE_TIMEOUT] = true;
  readonly kind: TimeoutKind;
  readonly timeoutMs: number;

  constructor(kind: TimeoutKind, timeoutMs: number) {
    super(`${kind === 'attempt' ? 'Attempt' : 'Call'} timed out after ${timeoutMs}ms`);
    this.kind = kind;
    this.timeoutMs = timeoutMs;
  }

  static isInstance(error: unknown): error is ResilienceTimeoutError {
    return hasMarker(error, RESILIENCE_TIMEOUT);
  }
}
