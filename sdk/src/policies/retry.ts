import type { ClassifiedError } from '../classify/types.js';
import { AttemptContext, SUCCEEDED } from '../core/attempt-context.js';
import { classifyAttemptFailure, classifyCancellation } from '../core/attempt-outcome.js';
import {
  recordAttemptFailure,
  recordAttemptSuccess,
  recordOriginalAttemptSpan,
} from '../core/attempt-telemetry.js';
import type { CallContext } from '../core/call-context.js';
import { finalError } from '../core/final-error.js';
import { recordRejection } from '../core/rejection.js';
import type { AttemptLoop, AttemptNext } from '../core/stage.js';
import { ResilienceTimeoutError } from '../errors/signals.js';
import {
  ATTR_ERROR_TYPE,
  ATTR_RESILIENCE_ATTEMPT_NUMBER,
  ATTR_RESILIENCE_ERROR_CATEGORY,
  ATTR_RESILIENCE_RETRY_BUDGET,
  ATTR_RESILIENCE_RETRY_DELAY_MS,
  ATTR_RESILIENCE_RETRY_DELAY_SOURCE,
  ATTR_RESILIENCE_RETRY_REASON,
  EVENT_RETRY,
  EVENT_RETRY_GIVE_UP,
  type RetryDelaySource,
  type RetryReason,
} from '../semconv.js';
import { addSpanEvent } from '../telemetry/spans.js';
import { raceAbort, sleep } from '../util/abort.js';
import { safely, safelyGet } from '../util/safely.js';
import { backoffDelay } from './backoff.js';
import type { RetryConfig } from './retry-options.js';

/**
 * Zero-delay retries in a row after which the loop lets the event loop run once (a `setImmediate`), so a policy
 * retrying without delay can never starve timers and I/O, the caller's abort included.
 */
const IMMEDIATE_RETRIES_PER_YIELD = 64;

const yieldToEventLoop = (): Promise<void> => new Promise(resolve => setImmediate(resolve));

/** Whether the call's signal was aborted by our total timeout (`deadline`) rather than by the caller. */
const endedByDeadline = (call: CallContext, abortReason: unknown): boolean =>
  ResilienceTimeoutError.isInstance(abortReason) && !call.callerSignal.aborted;

type Decision =
  | { readonly retry: false; readonly reason: RetryReason; readonly classified: ClassifiedError }
  | {
      readonly retry: true;
      readonly delayMs: number;
      readonly source: RetryDelaySource;
      readonly maxRetries: number;
    };

/**
 * The attempt loop. Always present in a pipeline (with zero retries when no retry is configured): it creates
 * each attempt's own {@link AttemptContext}, runs it through the attempt stages, decides from the classification
 * whether to retry, waits the larger of the backoff and Retry-After (cut short by an abort; a zero wait uses no
 * timer), consults the retry budget, and turns the last failure into the call's final error.
 */
export class RetryStage implements AttemptLoop {
  /**
   * @param config Resolved retry settings; `undefined` runs a single attempt and emits no retry metrics.
   * @param random Source of jitter in [0, 1).
   */
  constructor(
    private readonly config: RetryConfig | undefined,
    private readonly random: () => number = Math.random,
  ) {}

  async runCall(call: CallContext, attempts: AttemptNext): Promise<unknown> {
    const budget = this.config?.budget;
    if (budget !== undefined) safely('retry budget onCall', () => budget.onCall());
    try {
      return await this.loop(call, attempts);
    } finally {
      call.release();
    }
  }

  private async loop(call: CallContext, attempts: AttemptNext): Promise<unknown> {
    let previousDelay = 0;
    let immediate = 0;
    for (let number = 0; ; number++) {
      if (call.signal.aborted) throw this.stopOnAbort(call, call.signal.reason);
      const attempt = new AttemptContext(call, number);
      try {
        // A caller abort settles the attempt at once, even if the function ignores its signal.
        const value = await raceAbort(attempts(attempt), call.signal);
        if (!attempt.deferred) {
          recordAttemptSuccess(attempt);
          this.onAttemptResult(true);
          this.onCallResult(true);
        } else {
          // A committed stream's attempt ends (span, duration, errors) when the stream does, and the budget and
          // the adaptive limit learn how it really ended then.
          attempt.onFinish(cause => this.bookStream(attempt, cause));
        }
        return value;
      } catch (error) {
        const classified = classifyAttemptFailure(attempt, error);
        recordAttemptFailure(attempt, classified, error);
        // Only failures of the downstream feed the budget (gRPC: retryable codes only); a 400, a rejection before
        // the function ran, or a cancellation does not.
        if (attempt.invoked && classified.retryable) this.onAttemptResult(false);
        const decision = this.decide(call, attempt, classified, previousDelay);
        if (!decision.retry) throw this.giveUp(call, decision.classified, decision.reason);
        if (number === 0) recordOriginalAttemptSpan(attempt, classified);
        this.recordRetry(call, number, classified, decision.delayMs, decision.source);
        const info = {
          attempt: number + 1,
          maxRetries: decision.maxRetries,
          delayMs: decision.delayMs,
          delaySource: decision.source,
          error: classified,
        };
        const policyHook = this.config?.onRetry;
        const callHook = call.onRetry;
        if (policyHook !== undefined) safely('retry onRetry hook', () => policyHook(info));
        if (callHook !== undefined) safely('retry onRetry hook', () => callHook(info));
        previousDelay = decision.delayMs;
        if (decision.delayMs > 0) immediate = 0;
        else if (++immediate % IMMEDIATE_RETRIES_PER_YIELD === 0) await yieldToEventLoop();
        try {
          await sleep(decision.delayMs, call.signal);
        } catch (abortReason) {
          throw this.stopOnAbort(call, abortReason);
        }
      }
    }
  }

  /** Books a committed stream's attempt when the stream ends: like an attempt that ended then. */
  private bookStream(attempt: AttemptContext, cause: unknown): void {
    if (cause === SUCCEEDED) {
      recordAttemptSuccess(attempt);
      this.onAttemptResult(true);
      this.onCallResult(true);
      return;
    }
    const classified = classifyAttemptFailure(attempt, cause);
    recordAttemptFailure(attempt, classified, cause);
    // A break after the commit is not retried: a failed attempt of the budget and, when it was the downstream's
    // failure, a failed call of the adaptive limit; a cancellation teaches neither.
    if (attempt.invoked && classified.retryable && classified.category !== 'cancelled') {
      this.onAttemptResult(false);
      this.onCallResult(false);
    }
  }

  /** Ends the call because its signal aborted: the total timeout (`deadline`) or the caller (`cancelled`). */
  private stopOnAbort(call: CallContext, abortReason: unknown): Error {
    if (endedByDeadline(call, abortReason)) {
      return this.giveUp(call, call.runtime.classify(abortReason), 'deadline');
    }
    return this.giveUp(call, classifyCancellation(call, abortReason), 'cancelled');
  }

  private decide(
    call: CallContext,
    attempt: AttemptContext,
    classified: ClassifiedError,
    previousDelay: number,
  ): Decision {
    if (classified.category === 'cancelled') return { retry: false, reason: 'cancelled', classified };
    if (call.signal.aborted) {
      return {
        retry: false,
        reason: endedByDeadline(call, call.signal.reason) ? 'deadline' : 'cancelled',
        classified,
      };
    }
    const config = this.config;
    if (config === undefined)
      return { retry: false, reason: classified.retryable ? 'max_attempts' : 'non_retryable', classified };
    const number = attempt.number;
    const category = config.byCategory.get(classified.category);
    let retryable = category?.retryable ?? classified.retryable;
    if (config.shouldRetry !== undefined) {
      const shouldRetry = config.shouldRetry;
      retryable = safelyGet('retry shouldRetry hook', () => shouldRetry(classified, number), retryable);
    }
    if (!retryable) return { retry: false, reason: 'non_retryable', classified };
    const maxRetries = category?.maxRetries ?? config.limit?.current() ?? config.maxRetries;
    if (number >= maxRetries) return { retry: false, reason: 'max_attempts', classified };
    const retryAfter = classified.retryAfterMs;
    if (retryAfter !== undefined && retryAfter > config.maxRetryAfterMs) {
      return { retry: false, reason: 'retry_after_too_long', classified };
    }
    const backoff = backoffDelay(number, previousDelay, category?.backoff ?? config.backoff, this.random);
    const fromServer = retryAfter !== undefined && retryAfter >= backoff;
    const delayMs = fromServer ? retryAfter : backoff;
    if (Date.now() + delayMs >= call.deadline) return { retry: false, reason: 'deadline', classified };
    if (config.budget !== undefined) {
      const budget = config.budget;
      if (!safelyGet('retry budget tryAcquireRetry', () => budget.tryAcquireRetry(), true)) {
        recordRejection(call, call.runtime.attributes, 'retry_budget', {
          [ATTR_RESILIENCE_RETRY_BUDGET]: budget.name,
        });
        return { retry: false, reason: 'budget_exhausted', classified };
      }
    }
    return { retry: true, delayMs, source: fromServer ? 'retry_after' : 'backoff', maxRetries };
  }

  private giveUp(call: CallContext, classified: ClassifiedError, reason: RetryReason): Error {
    // The adaptive limit learns from downstream failures only, not from cancellations or a caller's bad input.
    if (classified.retryable && reason !== 'cancelled') this.onCallResult(false);
    if (this.config !== undefined) {
      const attributes = call.runtime.attributes.get(`x|${reason}|${classified.category}`, () => ({
        [ATTR_RESILIENCE_RETRY_REASON]: reason,
        [ATTR_RESILIENCE_ERROR_CATEGORY]: classified.category,
      }));
      if (call.telemetry.metricsEnabled) {
        safely('recording retry exhaustion', () =>
          call.telemetry.instruments.retryExhausted.add(1, attributes),
        );
      }
      addSpanEvent(call.callSpan, EVENT_RETRY_GIVE_UP, attributes);
    }
    return finalError(call, classified, reason);
  }

  private recordRetry(
    call: CallContext,
    number: number,
    classified: ClassifiedError,
    delayMs: number,
    source: RetryDelaySource,
  ): void {
    const { attributes } = call.runtime;
    if (call.telemetry.metricsEnabled) {
      safely('recording a retry', () => {
        const { instruments } = call.telemetry;
        instruments.retries.add(
          1,
          attributes.get(`r|${classified.category}|${source}`, () => ({
            [ATTR_RESILIENCE_ERROR_CATEGORY]: classified.category,
            [ATTR_RESILIENCE_RETRY_DELAY_SOURCE]: source,
          })),
        );
        instruments.retryDelay.record(
          delayMs / 1000,
          attributes.get(`d|${source}`, () => ({ [ATTR_RESILIENCE_RETRY_DELAY_SOURCE]: source })),
        );
      });
    }
    addSpanEvent(call.callSpan, EVENT_RETRY, {
      [ATTR_RESILIENCE_ATTEMPT_NUMBER]: number + 1,
      [ATTR_RESILIENCE_RETRY_DELAY_MS]: Math.round(delayMs),
      [ATTR_RESILIENCE_RETRY_DELAY_SOURCE]: source,
      [ATTR_RESILIENCE_ERROR_CATEGORY]: classified.category,
      [ATTR_ERROR_TYPE]: classified.errorType,
    });
  }

  private onAttemptResult(success: boolean): void {
    const budget = this.config?.budget;
    if (budget !== undefined) safely('retry budget onAttemptResult', () => budget.onAttemptResult(success));
  }

  private onCallResult(success: boolean): void {
    const limit = this.config?.limit;
    if (limit !== undefined) safely('retry limit onCallResult', () => limit.onCallResult(success));
  }
}
