import type { ClassifiedError } from '../classify/types.js';
import { ResilienceTimeoutError } from '../errors/signals.js';
import {
  beginAttempt,
  classifyCancellation,
  classifyFailure,
  endAttempt,
  recordOriginalAttemptSpan,
  runInAttempt,
} from '../pipeline/attempt.js';
import type { CallContext, Next, Stage } from '../pipeline/call-context.js';
import { finalError } from '../pipeline/final-error.js';
import {
  ATTR_ERROR_TYPE,
  ATTR_RESILIENCE_ATTEMPT_NUMBER,
  ATTR_RESILIENCE_ERROR_CATEGORY,
  ATTR_RESILIENCE_RETRY_BUDGET,
  ATTR_RESILIENCE_RETRY_DELAY_MS,
  ATTR_RESILIENCE_RETRY_DELAY_SOURCE,
  ATTR_RESILIENCE_RETRY_REASON,
  ATTR_RESILIENCE_STRATEGY,
  EVENT_REJECTION,
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

type Decision =
  | { readonly retry: false; readonly reason: RetryReason; readonly classified: ClassifiedError }
  | {
      readonly retry: true;
      readonly delayMs: number;
      readonly source: RetryDelaySource;
      readonly maxRetries: number;
    };

/**
 * The attempt loop. Always present in a pipeline (with zero retries when no retry is configured): it runs each
 * attempt, decides from the classification whether to retry, waits the larger of the backoff and Retry-After
 * (cut short by an abort), consults the retry budget, and turns the last failure into the call's final error.
 */
export class RetryStage implements Stage {
  /**
   * @param config Resolved retry settings; `undefined` runs a single attempt and emits no retry metrics.
   * @param random Source of jitter in [0, 1).
   */
  constructor(
    private readonly config: RetryConfig | undefined,
    private readonly random: () => number = Math.random,
  ) {}

  async run(ctx: CallContext, next: Next): Promise<unknown> {
    const budget = this.config?.budget;
    if (budget !== undefined) safely('retry budget onCall', () => budget.onCall());
    let previousDelay = 0;
    for (;;) {
      if (ctx.signal.aborted) throw this.stopOnAbort(ctx, ctx.signal.reason);
      ctx.attempts++;
      const scope = ctx.observed ? beginAttempt(ctx) : undefined;
      try {
        // A caller abort settles the attempt at once, even if the function ignores its signal.
        const value = await raceAbort(runInAttempt(ctx, scope, next), ctx.signal);
        if (scope !== undefined) endAttempt(ctx, scope, undefined);
        this.onAttemptResult(true);
        this.onCallResult(true);
        return value;
      } catch (error) {
        const classified = classifyFailure(ctx, error);
        ctx.lastFailure = classified;
        if (scope !== undefined) endAttempt(ctx, scope, classified);
        // Only failures of the downstream feed the budget (gRPC: retryable codes only); a 400 or a cancel does not.
        if (classified.retryable) this.onAttemptResult(false);
        const decision = this.decide(ctx, classified, previousDelay);
        if (!decision.retry) throw this.giveUp(ctx, decision.classified, decision.reason);
        if (scope !== undefined && ctx.attempt === 0) recordOriginalAttemptSpan(ctx, scope, classified);
        this.recordRetry(ctx, classified, decision.delayMs, decision.source);
        const info = {
          attempt: ctx.attempt + 1,
          maxRetries: decision.maxRetries,
          delayMs: decision.delayMs,
          delaySource: decision.source,
          error: classified,
        };
        const hooks = [this.config?.onRetry, ctx.onRetry];
        for (const hook of hooks) if (hook !== undefined) safely('retry onRetry hook', () => hook(info));
        previousDelay = decision.delayMs;
        try {
          await sleep(decision.delayMs, ctx.signal);
        } catch (abortReason) {
          throw this.stopOnAbort(ctx, abortReason);
        }
        ctx.attempt++;
      }
    }
  }

  /** Ends the call because its signal aborted: the total timeout (`deadline`) or the caller (`cancelled`). */
  private stopOnAbort(ctx: CallContext, abortReason: unknown): Error {
    if (ResilienceTimeoutError.isInstance(abortReason) && !ctx.callerSignal.aborted) {
      return this.giveUp(ctx, ctx.runtime.classify(abortReason), 'deadline');
    }
    return this.giveUp(ctx, classifyCancellation(ctx, abortReason), 'cancelled');
  }

  private decide(ctx: CallContext, classified: ClassifiedError, previousDelay: number): Decision {
    if (classified.category === 'cancelled') return { retry: false, reason: 'cancelled', classified };
    if (ctx.signal.aborted) {
      const timedOut = ResilienceTimeoutError.isInstance(ctx.signal.reason) && !ctx.callerSignal.aborted;
      return { retry: false, reason: timedOut ? 'deadline' : 'cancelled', classified };
    }
    const config = this.config;
    if (config === undefined)
      return { retry: false, reason: classified.retryable ? 'max_attempts' : 'non_retryable', classified };
    const category = config.byCategory.get(classified.category);
    let retryable = category?.retryable ?? classified.retryable;
    if (config.shouldRetry !== undefined) {
      const shouldRetry = config.shouldRetry;
      retryable = safelyGet('retry shouldRetry hook', () => shouldRetry(classified, ctx.attempt), retryable);
    }
    if (!retryable) return { retry: false, reason: 'non_retryable', classified };
    const maxRetries = category?.maxRetries ?? config.limit?.current() ?? config.maxRetries;
    if (ctx.attempt >= maxRetries) return { retry: false, reason: 'max_attempts', classified };
    const retryAfter = classified.retryAfterMs;
    if (retryAfter !== undefined && retryAfter > config.maxRetryAfterMs) {
      return { retry: false, reason: 'retry_after_too_long', classified };
    }
    const backoff = backoffDelay(
      ctx.attempt,
      previousDelay,
      category?.backoff ?? config.backoff,
      this.random,
    );
    const fromServer = retryAfter !== undefined && retryAfter >= backoff;
    const delayMs = fromServer ? retryAfter : backoff;
    if (Date.now() + delayMs >= ctx.deadline) return { retry: false, reason: 'deadline', classified };
    if (config.budget !== undefined) {
      const budget = config.budget;
      if (!safelyGet('retry budget tryAcquireRetry', () => budget.tryAcquireRetry(), true)) {
        this.recordBudgetDenial(ctx, budget.name);
        return { retry: false, reason: 'budget_exhausted', classified };
      }
    }
    return { retry: true, delayMs, source: fromServer ? 'retry_after' : 'backoff', maxRetries };
  }

  private giveUp(ctx: CallContext, classified: ClassifiedError, reason: RetryReason): Error {
    // The adaptive limit learns from downstream failures only, not from cancellations or a caller's bad input.
    if (classified.retryable && reason !== 'cancelled') this.onCallResult(false);
    if (this.config !== undefined) {
      const attributes = ctx.runtime.attributes.get(`x|${reason}|${classified.category}`, () => ({
        [ATTR_RESILIENCE_RETRY_REASON]: reason,
        [ATTR_RESILIENCE_ERROR_CATEGORY]: classified.category,
      }));
      if (ctx.telemetry.metricsEnabled) {
        safely('recording retry exhaustion', () =>
          ctx.telemetry.instruments.retryExhausted.add(1, attributes),
        );
      }
      addSpanEvent(ctx.callSpan, EVENT_RETRY_GIVE_UP, attributes);
    }
    return finalError(ctx, classified, reason);
  }

  private recordRetry(
    ctx: CallContext,
    classified: ClassifiedError,
    delayMs: number,
    source: RetryDelaySource,
  ): void {
    const { attributes } = ctx.runtime;
    if (ctx.telemetry.metricsEnabled) {
      safely('recording a retry', () => {
        const { instruments } = ctx.telemetry;
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
    addSpanEvent(ctx.callSpan, EVENT_RETRY, {
      [ATTR_RESILIENCE_ATTEMPT_NUMBER]: ctx.attempt + 1,
      [ATTR_RESILIENCE_RETRY_DELAY_MS]: Math.round(delayMs),
      [ATTR_RESILIENCE_RETRY_DELAY_SOURCE]: source,
      [ATTR_RESILIENCE_ERROR_CATEGORY]: classified.category,
      [ATTR_ERROR_TYPE]: classified.errorType,
    });
  }

  private recordBudgetDenial(ctx: CallContext, budget: string): void {
    const attributes = ctx.runtime.attributes.get('rej|retry_budget', () => ({
      [ATTR_RESILIENCE_STRATEGY]: 'retry_budget',
    }));
    if (ctx.telemetry.metricsEnabled) {
      safely('recording a budget denial', () => ctx.telemetry.instruments.rejections.add(1, attributes));
    }
    addSpanEvent(ctx.callSpan, EVENT_REJECTION, { ...attributes, [ATTR_RESILIENCE_RETRY_BUDGET]: budget });
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
