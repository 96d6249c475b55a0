import type { AttemptContext } from '../core/attempt-context.js';
import { attemptEventSpan } from '../core/attempt-telemetry.js';
import type { CallContext } from '../core/call-context.js';
import { finalError } from '../core/final-error.js';
import type { AttemptNext, AttemptStage, CallNext, CallStage } from '../core/stage.js';
import { ResilienceTimeoutError } from '../errors/signals.js';
import {
  ATTR_RESILIENCE_TIMEOUT_KIND,
  EVENT_TIMEOUT,
  type METRIC_TIMEOUTS,
  type TimeoutKind,
} from '../semconv.js';
import { addSpanEvent } from '../telemetry/spans.js';
import { onAbort } from '../util/abort.js';
import { safely } from '../util/safely.js';

/** Records a fired timeout: {@link METRIC_TIMEOUTS} and an {@link EVENT_TIMEOUT} span event (on the attempt span when given). */
export function recordTimeout(
  call: CallContext,
  kind: TimeoutKind,
  attempt: AttemptContext | undefined,
): void {
  const attributes = call.runtime.attributes.get(`t|${kind}`, () => ({
    [ATTR_RESILIENCE_TIMEOUT_KIND]: kind,
  }));
  if (call.telemetry.metricsEnabled) {
    safely('recording a timeout', () => call.telemetry.instruments.timeouts.add(1, attributes));
  }
  addSpanEvent(attempt === undefined ? call.callSpan : attemptEventSpan(attempt), EVENT_TIMEOUT, attributes);
}

/**
 * Runs `inner` under a timer, with `signal` (a fresh controller's, following `parent`) as the signal the inner
 * stages see. When the timer fires that signal aborts with a `ResilienceTimeoutError` and the returned promise
 * settles at once, even if the protected function ignores its signal. On the success path nothing is aborted
 * (cockatiel aborts a controller on every return, which costs 10-40 µs and breaks reading response bodies after
 * return). A parent abort ends the wait at once and leaves no timer and no listener behind. With `streamOf`, a
 * call that resolves with a committed stream keeps the timer (and the parent's link) until the stream ends: firing
 * then aborts the signal the stream follows.
 */
function withTimer(
  kind: TimeoutKind,
  ms: number,
  parent: AbortSignal,
  inner: (signal: AbortSignal) => Promise<unknown>,
  onTimeout: (error: ResilienceTimeoutError) => unknown,
  streamOf?: CallContext,
): Promise<unknown> {
  if (parent.aborted) return Promise.reject(parent.reason);
  const controller = new AbortController();
  return new Promise((resolve, reject) => {
    const done = (): void => {
      clearTimeout(timer);
      unsubscribe();
    };
    const timer = setTimeout(() => {
      unsubscribe();
      const error = new ResilienceTimeoutError(kind, ms);
      controller.abort(error);
      // Never throw from a timer: whatever building the final error does, the call settles.
      let settledWith: unknown = error;
      safely('settling a timed-out call', () => {
        settledWith = onTimeout(error);
      });
      reject(settledWith);
    }, ms);
    const unsubscribe = onAbort(parent, () => {
      clearTimeout(timer);
      controller.abort(parent.reason);
      reject(parent.reason);
    });
    let running: Promise<unknown>;
    try {
      running = inner(controller.signal);
    } catch (error) {
      running = Promise.reject(error);
    }
    running.then(
      value => {
        // A call that resolved with a committed stream stays bounded until the stream ends.
        if (streamOf?.streaming === true) streamOf.onStreamEnd(done);
        else done();
        resolve(value);
      },
      (error: unknown) => {
        done();
        reject(error);
      },
    );
  });
}

/** Bounds each attempt; a fired attempt timeout is a retryable `timeout` failure of that attempt only. */
export class AttemptTimeoutStage implements AttemptStage {
  constructor(private readonly ms: number) {}

  runAttempt(attempt: AttemptContext, next: AttemptNext): Promise<unknown> {
    return withTimer(
      'attempt',
      this.ms,
      attempt.signal,
      signal => {
        attempt.signal = signal;
        attempt.settlesOnAbort = true;
        return next(attempt);
      },
      error => {
        recordTimeout(attempt.call, 'attempt', attempt);
        return error;
      },
    );
  }
}

/**
 * Bounds the call from the retry loop on, retries and their waits included (a bulkhead queue or rate-limiter wait
 * comes before it). When it fires the call ends with reason `deadline`; the
 * retry strategy also stops scheduling retries that could not finish before the deadline. A committed stream is
 * part of its call: one still open at the deadline ends with a `StreamBrokenError` (a `timeout`).
 */
export class TotalTimeoutStage implements CallStage {
  constructor(private readonly ms: number) {}

  runCall(call: CallContext, next: CallNext): Promise<unknown> {
    call.deadline = Date.now() + this.ms;
    return withTimer(
      'total',
      this.ms,
      call.signal,
      signal => {
        call.signal = signal;
        return next(call);
      },
      error => {
        recordTimeout(call, 'total', undefined);
        return finalError(call, call.runtime.classify(error), 'deadline');
      },
      call,
    );
  }
}
