import type { Context, Span } from '@opentelemetry/api';
import { context, diag, SpanKind as Kind, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import {
  EventEmitter,
  type IDefaultPolicyContext,
  type IDisposable,
  type IFailureEvent,
  type IPolicy,
  type ISuccessEvent,
} from 'cockatiel';
import { classifyError } from '../classify/index.js';
import { ResilienceError } from '../errors/call-errors.js';
import type { AdaptiveRateLimiter } from '../load/adaptive-rate-limiter.js';
import { buildLoadStages } from '../load/pipeline-stages.js';
import type { RateLimiter } from '../load/rate-limiter.js';
import type { RecoveryManager } from '../load/recovery-manager.js';
import { BulkheadStage } from '../policies/bulkhead.js';
import { CircuitBreaker } from '../policies/circuit-breaker.js';
import { type FallbackEvent, FallbackStage } from '../policies/fallback.js';
import { RetryStage } from '../policies/retry.js';
import { AttemptTimeoutStage, TotalTimeoutStage } from '../policies/timeout.js';
import { ATTR_ERROR_TYPE, ATTR_RESILIENCE_OUTCOME, type Outcome } from '../semconv.js';
import { AttributeCache } from '../telemetry/attributes.js';
import { HotAttributes } from '../telemetry/hot-attributes.js';
import { endSpan, recordSpanFailure } from '../telemetry/spans.js';
import { currentTelemetry, type Telemetry } from '../telemetry/telemetry.js';
import { safely } from '../util/safely.js';
import { failureOutcome } from './attempt.js';
import { cachedClassifier } from './cached-classifier.js';
import { CallContext, type Next, type PolicyRuntime, type ProtectedFn, type Stage } from './call-context.js';
import type { ExecuteOptions } from './execute-options.js';
import { finalizeError } from './final-error.js';
import { type PolicyOptions, resolvePolicyOptions } from './options.js';
import { defaultRegistry } from './registry.js';

export type { ExecuteOptions } from './execute-options.js';

const compose = (stages: readonly Stage[], terminal: Next): Next =>
  stages.reduceRight<Next>((next, stage) => ctx => stage.run(ctx, next), terminal);

/**
 * A named resilience pipeline. `execute(fn)` runs `fn({ signal, attempt })` through fallback, bulkhead, rate
 * limiter, total timeout, retry, circuit breaker, recovery admission, adaptive rate limiter and attempt timeout,
 * as configured, and reports the call as one span (named
 * after the policy) with a child span per attempt, plus the metrics of the telemetry contract. A failed call
 * rejects with a {@link ResilienceError} (`RetriesExhaustedError`, `NonRetryableError`, `CallRejectedError`,
 * `CallCancelledError`) carrying the classification, the attempts and the reason.
 *
 * It is a cockatiel `IPolicy`, so it composes with cockatiel's `wrap()`.
 */
export class ResiliencePolicy<F = never>
  implements IPolicy<IDefaultPolicyContext & { attempt: number }, F>, IDisposable
{
  declare readonly _altReturn: F;
  readonly name: string;
  /** The policy's circuit breaker (inline or shared), if any. */
  readonly circuitBreaker: CircuitBreaker | undefined;
  /** The policy's rate limiter (inline or shared), if any. */
  readonly rateLimiter: RateLimiter | undefined;
  /** The policy's recovery manager (inline or shared), if any. */
  readonly recovery: RecoveryManager | undefined;
  /** The policy's adaptive (AWS-style) rate limiter, if any. */
  readonly adaptiveRateLimiter: AdaptiveRateLimiter | undefined;
  private readonly runtime: PolicyRuntime;
  private readonly chain: Next;
  private readonly finalizes: boolean;
  private readonly successEmitter = new EventEmitter<ISuccessEvent>();
  private readonly failureEmitter = new EventEmitter<IFailureEvent>();
  private readonly fallbackEmitter = new EventEmitter<FallbackEvent>();
  private readonly disposables: Array<() => void> = [];

  /** cockatiel-compatible event: a call succeeded (fallbacks included). */
  readonly onSuccess = this.successEmitter.addListener;
  /** cockatiel-compatible event: a call failed; `handled` is false (the error reached the caller). */
  readonly onFailure = this.failureEmitter.addListener;
  /** A fallback served a call (cockatiel has no such event): which kind, and the call's final error. */
  readonly onFallback = this.fallbackEmitter.addListener;

  constructor(name: string, options: PolicyOptions<F> = {}) {
    const resolved = resolvePolicyOptions<F>(name, options);
    this.name = name;
    const classify = cachedClassifier(resolved.classifier ?? classifyError);
    this.runtime = {
      name,
      attributes: new AttributeCache(name),
      hot: new HotAttributes(name),
      attemptSpans: resolved.attemptSpans ?? 'retries',
      classify,
    };
    const registry = resolved.registry === undefined ? defaultRegistry : resolved.registry;

    const cb = resolved.circuitBreaker;
    const inlineBreaker = cb !== undefined && !(cb instanceof CircuitBreaker);
    this.circuitBreaker =
      cb === undefined
        ? undefined
        : cb instanceof CircuitBreaker
          ? cb
          : new CircuitBreaker(name, cb, cb.classifier ?? classify);

    const outer: Stage[] = [];
    if (resolved.fallback !== undefined) {
      outer.push(new FallbackStage(resolved.fallback, event => this.fallbackEmitter.emit(event)));
    }
    if (resolved.bulkhead !== undefined) outer.push(new BulkheadStage(resolved.bulkhead));
    const load = buildLoadStages(name, resolved, classify, this.circuitBreaker);
    this.rateLimiter = load.rateLimiter;
    this.recovery = load.recovery;
    this.adaptiveRateLimiter = load.adaptiveRateLimiter;
    this.disposables.push(...load.disposables);
    if (load.rateLimiter !== undefined) outer.push(load.rateLimiter);
    if (resolved.totalTimeoutMs !== undefined) outer.push(new TotalTimeoutStage(resolved.totalTimeoutMs));
    // Stages outside the retry loop may throw raw errors; the loop itself always throws final ones.
    this.finalizes = outer.length > 0;
    outer.push(new RetryStage(resolved.retryConfig));
    const inner: Stage[] = [];
    if (this.circuitBreaker !== undefined) inner.push(this.circuitBreaker);
    if (load.recovery !== undefined) inner.push(load.recovery);
    if (load.adaptiveRateLimiter !== undefined) inner.push(load.adaptiveRateLimiter);
    if (resolved.attemptTimeoutMs !== undefined)
      inner.push(new AttemptTimeoutStage(resolved.attemptTimeoutMs));
    this.chain = compose([...outer, ...inner], ctx => ctx.invoke());

    if (inlineBreaker) {
      const breaker = this.circuitBreaker;
      this.disposables.push(() => breaker?.dispose());
    }
    try {
      if (registry !== null) {
        this.disposables.push(registry.register('policy', this));
        if (inlineBreaker && this.circuitBreaker !== undefined) {
          this.disposables.push(registry.register('circuitBreaker', this.circuitBreaker));
        }
        this.disposables.push(...load.register(registry));
      }
    } catch (error) {
      this.dispose();
      throw error;
    }
  }

  /**
   * Runs `fn` through the pipeline.
   * @param fn Receives `{ signal, attempt }`; pass `signal` to your client so timeouts and cancellation reach it.
   * @param options An `AbortSignal` (cockatiel style) or {@link ExecuteOptions}.
   */
  execute<T>(fn: ProtectedFn<T>, options?: AbortSignal | ExecuteOptions): Promise<T | F> {
    const opts: ExecuteOptions | undefined = options instanceof AbortSignal ? { signal: options } : options;
    const telemetry = currentTelemetry();
    const listening = this.successEmitter.size > 0 || this.failureEmitter.size > 0;
    if (telemetry.metricsEnabled || telemetry.tracingEnabled || listening) {
      return this.executeObserved(fn as ProtectedFn<unknown>, opts, telemetry, listening) as Promise<T | F>;
    }
    // Fast path: nothing observes the call, so no clock, no span, no context switch.
    const ctx = new CallContext(
      this.runtime,
      fn as ProtectedFn<unknown>,
      opts,
      telemetry,
      undefined,
      ROOT_CONTEXT,
    );
    return (this.finalizes ? this.run(ctx) : this.chain(ctx)) as Promise<T | F>;
  }

  /** Runs the chain, finalizing errors only when stages outside the retry loop exist. */
  private start(ctx: CallContext): Promise<unknown> {
    return this.finalizes ? this.run(ctx) : this.chain(ctx);
  }

  private async run(ctx: CallContext): Promise<unknown> {
    try {
      return await this.chain(ctx);
    } catch (error) {
      throw finalizeError(ctx, error);
    }
  }

  private async executeObserved(
    fn: ProtectedFn<unknown>,
    opts: ExecuteOptions | undefined,
    telemetry: Telemetry,
    listening: boolean,
  ): Promise<unknown> {
    const start = performance.now();
    let otelContext = context.active();
    let span: Span | undefined;
    if (telemetry.tracingEnabled) {
      try {
        span = this.startSpan(telemetry, opts, otelContext);
      } catch (error) {
        diag.error('agent-resilience: starting a call span failed', error);
      }
      if (span !== undefined) otelContext = trace.setSpan(otelContext, span);
    }
    const ctx = new CallContext(this.runtime, fn, opts, telemetry, span, otelContext);
    try {
      const value =
        span === undefined ? await this.start(ctx) : await context.with(otelContext, this.start, this, ctx);
      const resultAttributes = opts?.span?.resultAttributes;
      if (span?.isRecording() && resultAttributes !== undefined) {
        safely('reading result attributes', () => span.setAttributes(resultAttributes(value)));
      }
      this.finish(ctx, start, listening, undefined);
      return value;
    } catch (error) {
      this.finish(ctx, start, listening, error);
      throw error;
    }
  }

  private startSpan(telemetry: Telemetry, opts: ExecuteOptions | undefined, parent: Context): Span {
    const s = opts?.span;
    return telemetry.tracer.startSpan(
      s?.name ?? this.name,
      {
        kind: s?.kind ?? Kind.INTERNAL,
        attributes:
          s?.attributes === undefined
            ? this.runtime.attributes.base
            : { ...this.runtime.attributes.base, ...s.attributes },
      },
      parent,
    );
  }

  private finish(ctx: CallContext, start: number, listening: boolean, error: unknown): void {
    const { telemetry, callSpan } = ctx;
    const classified =
      error === undefined
        ? undefined
        : ResilienceError.isInstance(error)
          ? error.classified
          : this.runtime.classify(error);
    const outcome: Outcome =
      classified === undefined
        ? ctx.fallbackKind === undefined
          ? 'success'
          : 'fallback'
        : failureOutcome(classified);
    if (telemetry.metricsEnabled && outcome === 'success') {
      try {
        telemetry.instruments.callDuration.record(
          (performance.now() - start) / 1000,
          this.runtime.hot.callSuccess,
        );
      } catch (recordError) {
        diag.error('agent-resilience: recording a call failed', recordError);
      }
    } else if (telemetry.metricsEnabled) {
      safely('recording a call', () => {
        const duration = (performance.now() - start) / 1000;
        const errorType =
          classified === undefined || outcome === 'cancelled' ? undefined : classified.errorType;
        telemetry.instruments.callDuration.record(
          duration,
          this.runtime.attributes.get(`c|${outcome}|${errorType ?? ''}`, () => ({
            [ATTR_RESILIENCE_OUTCOME]: outcome,
            ...(errorType === undefined ? {} : { [ATTR_ERROR_TYPE]: errorType }),
          })),
        );
      });
    }
    if (classified !== undefined) recordSpanFailure(callSpan, classified, outcome !== 'cancelled');
    endSpan(callSpan);
    if (listening) {
      const duration = performance.now() - start;
      safely('policy onSuccess/onFailure listener', () => {
        if (error === undefined) this.successEmitter.emit({ duration });
        else this.failureEmitter.emit({ duration, handled: false, reason: { error } });
      });
    }
  }

  /** Leaves the registry and stops the inline breaker's gauge. Shared breakers are disposed by their owner. */
  dispose(): void {
    for (const d of this.disposables.splice(0)) d();
  }
}

/**
 * Creates a named resilience pipeline.
 *
 * @example
 * const chat = createPolicy('openai.chat', {
 *   retry: { maxRetries: 3 },
 *   circuitBreaker: { breaker: { kind: 'consecutive', threshold: 5 }, halfOpenAfterMs: 10_000 },
 *   attemptTimeoutMs: 30_000,
 *   fallback: { factory: ({ error }) => `Sorry, the assistant is unavailable (${error.category}).` },
 * });
 * const answer = await chat.execute(({ signal }) => client.chat.completions.create(body, { signal }));
 */
export function createPolicy<F = never>(name: string, options: PolicyOptions<F> = {}): ResiliencePolicy<F> {
  return new ResiliencePolicy<F>(name, options);
}
