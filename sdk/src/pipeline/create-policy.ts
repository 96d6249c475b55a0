import type { Span } from '@opentelemetry/api';
import { context, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import {
  EventEmitter,
  type IDefaultPolicyContext,
  type IDisposable,
  type IFailureEvent,
  type IPolicy,
  type ISuccessEvent,
} from 'cockatiel';
import { classifyError } from '../classify/index.js';
import type { AttemptContext } from '../core/attempt-context.js';
import { cachedClassifier } from '../core/cached-classifier.js';
import { CallContext, type PolicyRuntime, type ProtectedFn } from '../core/call-context.js';
import { finishCall, setEndAttributes, startCallSpan } from '../core/call-telemetry.js';
import type { ExecuteOptions } from '../core/execute-options.js';
import { finalizeError } from '../core/final-error.js';
import { defaultRegistry } from '../core/registry.js';
import { type CallNext, composeStages } from '../core/stage.js';
import type { ExecuteStreamOptions, StreamFn } from '../core/stream-options.js';
import type { ResilienceError } from '../errors/call-errors.js';
import type { AdaptiveRateLimiter } from '../load/adaptive-rate-limiter.js';
import type { RateLimiter } from '../load/rate-limiter.js';
import type { RecoveryManager } from '../load/recovery-manager.js';
import { type ChaosController, chaosFn } from '../policies/chaos/index.js';
import type { CircuitBreaker } from '../policies/circuit-breaker.js';
import type { FallbackEvent } from '../policies/fallback.js';
import { RetryStage } from '../policies/retry.js';
import { openStream } from '../policies/stream.js';
import { AttributeCache } from '../telemetry/attributes.js';
import { HotAttributes } from '../telemetry/hot-attributes.js';
import { isRecording } from '../telemetry/spans.js';
import { currentTelemetry, type Telemetry } from '../telemetry/telemetry.js';
import { isolatedListeners } from '../util/isolated-listeners.js';
import { safely } from '../util/safely.js';
import { buildStages } from './build-stages.js';
import { executeStream, type StreamHost } from './execute-stream.js';
import { type PolicyOptions, resolvePolicyOptions } from './options.js';

export type { ExecuteOptions } from '../core/execute-options.js';

/**
 * A named resilience pipeline. `execute(fn)` runs `fn({ signal, attempt })` through fallback, bulkhead, rate
 * limiter, total timeout, retry, circuit breaker, recovery admission, adaptive rate limiter and attempt timeout,
 * as configured, and reports the call as one span (named after the policy) with a child span per retried attempt,
 * plus the metrics of the telemetry contract. A failed call rejects with a {@link ResilienceError}
 * (`RetriesExhaustedError`, `NonRetryableError`, `CallRejectedError`, `CallCancelledError`) carrying the
 * classification, the attempts and the reason.
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
  private readonly chain: CallNext;
  /** Whether stages outside the retry loop exist (they may throw raw errors that must be finalized). */
  private readonly finalizes: boolean;
  private readonly successEmitter = new EventEmitter<ISuccessEvent>();
  private readonly failureEmitter = new EventEmitter<IFailureEvent>();
  private readonly fallbackEmitter = new EventEmitter<FallbackEvent>();
  private readonly disposables: Array<() => void> = [];
  private readonly streamHost: StreamHost;
  private readonly chaos: ChaosController | undefined;

  /** cockatiel-compatible event: a call succeeded (fallbacks included). */
  readonly onSuccess = isolatedListeners(this.successEmitter, 'policy onSuccess');
  /** cockatiel-compatible event: a call failed; `handled` is false (the error reached the caller). */
  readonly onFailure = isolatedListeners(this.failureEmitter, 'policy onFailure');
  /** A fallback served a call (cockatiel has no such event): which kind, and the call's final error. */
  readonly onFallback = isolatedListeners(this.fallbackEmitter, 'policy onFallback');

  constructor(name: string, options: PolicyOptions<F> = {}) {
    const resolved = resolvePolicyOptions<F>(name, options);
    this.name = name;
    this.chaos = resolved.chaosController;
    const classify = cachedClassifier(resolved.classifier ?? classifyError);
    this.runtime = {
      name,
      attributes: new AttributeCache(name),
      hot: new HotAttributes(name),
      attemptSpans: resolved.attemptSpans ?? 'retries',
      classify,
    };
    const invoke = (attempt: AttemptContext): Promise<unknown> => {
      const stream = attempt.call.stream;
      return stream === undefined ? attempt.invoke() : openStream(attempt, stream);
    };
    const stages = buildStages(name, resolved, classify, event => this.fallbackEmitter.emit(event), invoke);
    this.circuitBreaker = stages.circuitBreaker;
    this.rateLimiter = stages.rateLimiter;
    this.recovery = stages.recovery;
    this.adaptiveRateLimiter = stages.adaptiveRateLimiter;
    this.disposables.push(...stages.load.disposables);
    this.finalizes = stages.call.length > 0;
    this.chain = composeStages(stages.call, new RetryStage(resolved.retryConfig), stages.attempt, invoke);
    this.streamHost = {
      runtime: this.runtime,
      settings: resolved.stream ?? {},
      run: call => this.start(call),
      listening: () => this.successEmitter.size > 0 || this.failureEmitter.size > 0,
      finish: (call, start, listening, error) => this.finish(call, start, listening, error, undefined),
      continued: error => this.fallbackEmitter.emit({ kind: 'continuation', error }),
    };
    const breaker = stages.inlineBreaker ? stages.circuitBreaker : undefined;
    if (breaker !== undefined) this.disposables.push(() => breaker.dispose());
    const registry = resolved.registry === undefined ? defaultRegistry : resolved.registry;
    try {
      if (registry !== null) {
        this.disposables.push(registry.register('policy', this));
        if (breaker !== undefined) this.disposables.push(registry.register('circuitBreaker', breaker));
        this.disposables.push(...stages.load.register(registry));
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
    if (this.chaos?.enabled) fn = withChaos(this.chaos, this.runtime, fn, opts, false);
    const telemetry = currentTelemetry();
    const listening = this.successEmitter.size > 0 || this.failureEmitter.size > 0;
    if (telemetry.metricsEnabled || telemetry.tracingEnabled || listening) {
      return this.executeObserved(fn as ProtectedFn<unknown>, opts, telemetry, listening) as Promise<T | F>;
    }
    // Fast path: nothing observes the call, so no clock, no span, no context switch.
    const call = new CallContext(
      this.runtime,
      fn as ProtectedFn<unknown>,
      opts,
      telemetry,
      undefined,
      ROOT_CONTEXT,
    );
    return this.start(call) as Promise<T | F>;
  }

  /**
   * Runs a streamed call: `fn` opens one attempt's stream (pass `signal` on: aborting it closes the provider
   * request). Resolves at the commit, when an attempt's first content chunk arrived, with the stream for the
   * consumer (first the chunks read so far, then the rest, pulled on demand); before the commit every failure
   * (an error thrown or carried by a chunk per `stream.errorOf`, `firstChunkTimeoutMs`, `stallTimeoutMs`, a dropped
   * connection) is retried or served from a fallback without the consumer seeing anything. After it, a failure is
   * reported (`StreamBrokenError`) or continued (`afterCommit: 'fallback-continue'` with `stream.continueWith`),
   * never replayed. The consumer's `break` or the caller's abort closes the provider request and counts as a
   * cancellation. The breaker, recovery and the call's telemetry book the stream when it ends.
   *
   * @example
   * const stream = await chat.executeStream(({ signal }) => openai.chat.completions.create({ ...body, stream: true }, { signal }), {
   *   stream: { isContent: c => Boolean(c.choices[0]?.delta?.content) },
   * });
   * for await (const chunk of stream) process.stdout.write(chunk.choices[0]?.delta?.content ?? '');
   */
  executeStream<T>(fn: StreamFn<T>, options?: ExecuteStreamOptions<T>): Promise<AsyncIterable<T>> {
    const chaotic = this.chaos?.enabled ? withChaos(this.chaos, this.runtime, fn, options, true) : fn;
    return executeStream(this.streamHost, chaotic, options);
  }

  /** Runs the chain, finalizing errors only when stages outside the retry loop exist. */
  private start(call: CallContext): Promise<unknown> {
    return this.finalizes ? this.run(call) : this.chain(call);
  }

  private async run(call: CallContext): Promise<unknown> {
    try {
      return await this.chain(call);
    } catch (error) {
      throw finalizeError(call, error);
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
      span = startCallSpan(this.runtime, telemetry, opts, otelContext);
      if (span !== undefined) otelContext = trace.setSpan(otelContext, span);
    }
    const call = new CallContext(this.runtime, fn, opts, telemetry, span, otelContext);
    try {
      const value =
        span === undefined ? await this.start(call) : await context.with(otelContext, this.start, this, call);
      const resultAttributes = opts?.span?.resultAttributes;
      if (resultAttributes !== undefined && isRecording(span)) {
        safely('reading result attributes', () => span.setAttributes(resultAttributes(value)));
      }
      setEndAttributes(span, opts);
      this.finish(call, start, listening, undefined, value);
      return value;
    } catch (error) {
      setEndAttributes(span, opts);
      this.finish(call, start, listening, error, undefined);
      throw error;
    }
  }

  private finish(call: CallContext, start: number, listening: boolean, error: unknown, value: unknown): void {
    finishCall(call, start, error, value);
    if (!listening) return;
    const duration = performance.now() - start;
    safely('policy onSuccess/onFailure listener', () => {
      if (error === undefined) this.successEmitter.emit({ duration });
      else this.failureEmitter.emit({ duration, handled: false, reason: { error } });
    });
  }

  /** Leaves the registry and stops the inline breaker's gauge. Shared breakers are disposed by their owner. */
  dispose(): void {
    for (const d of this.disposables.splice(0)) d();
  }
}

/** `fn` with the chaos controller's faults injected into its attempts (each attempt rolls the dice). */
function withChaos<I extends { readonly signal: AbortSignal }, R>(
  chaos: ChaosController,
  runtime: PolicyRuntime,
  fn: (input: I) => R,
  options: ExecuteOptions | undefined,
  streamed: boolean,
): (input: I) => R | Promise<Awaited<R>> {
  return chaosFn(chaos, runtime, { model: options?.genAi?.model, tenant: options?.tenant, streamed }, fn);
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
