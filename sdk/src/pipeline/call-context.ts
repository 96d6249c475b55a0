import type { Context, Span } from '@opentelemetry/api';
import type { ClassifiedError, Classifier } from '../classify/types.js';
import type { RetryInfo } from '../policies/retry-options.js';
import type { FallbackKind } from '../semconv.js';
import type { AttributeCache } from '../telemetry/attributes.js';
import type { HotAttributes } from '../telemetry/hot-attributes.js';
import type { Telemetry } from '../telemetry/telemetry.js';
import { NEVER_ABORTED } from '../util/abort.js';
import type { ExecuteOptions } from './execute-options.js';

/** What the protected function receives on each attempt. */
export interface AttemptInput {
  /** Aborts when the caller cancels, or when the attempt or total timeout fires. Pass it to your client. */
  readonly signal: AbortSignal;
  /** Zero-based attempt number: 0 for the original call, 1 for the first retry, … */
  readonly attempt: number;
}

/** The function a policy protects. */
export type ProtectedFn<T> = (input: AttemptInput) => PromiseLike<T> | T;

/** Per-policy things every call shares. */
export interface PolicyRuntime {
  readonly name: string;
  readonly attributes: AttributeCache;
  /** Prebuilt attribute sets of the success path. */
  readonly hot: HotAttributes;
  /** Which attempts get a span up front (see `PolicyOptions.attemptSpans`). */
  readonly attemptSpans: 'retries' | 'always';
  /** The policy's classifier, cached per error object. */
  readonly classify: Classifier;
}

/** Runs the rest of the pipeline for a call. */
export type Next = (ctx: CallContext) => Promise<unknown>;

/** One piece of the pipeline; stages are composed once, at construction. */
export interface Stage {
  run(ctx: CallContext, next: Next): Promise<unknown>;
}

/** The mutable state of one logical call as it moves through the pipeline (internal). */
export class CallContext {
  /** Call-level signal: the caller's, joined with the total timeout when there is one. */
  signal: AbortSignal;
  /** Signal of the current attempt: the call signal, joined with the attempt timeout when there is one. */
  attemptSignal: AbortSignal;
  /** Zero-based number of the current attempt. */
  attempt = 0;
  /** Attempts started so far. */
  attempts = 0;
  /** `Date.now()` by which the call must end (total timeout); Infinity when unbounded. */
  deadline = Number.POSITIVE_INFINITY;
  /** Classification of the last failed attempt. */
  lastFailure: ClassifiedError | undefined;
  /** Span of the current attempt, when recording. */
  attemptSpan: Span | undefined;
  /** Set when a fallback served the call. */
  fallbackKind: FallbackKind | undefined;
  /** Per-call retry hook (`ExecuteOptions.onRetry`). */
  readonly onRetry: ((info: RetryInfo) => void) | undefined;
  /** Per-call values for fallbacks (`ExecuteOptions.properties`). */
  readonly properties: Readonly<Record<string, unknown>> | undefined;
  /** Rate-limit bucket of the call (`ExecuteOptions.rateLimitKey`). */
  readonly rateLimitKey: string | undefined;
  /** Key of the `cache` fallback (`ExecuteOptions.cacheKey`). */
  readonly cacheKey: string | undefined;
  /** The caller's own signal (NEVER_ABORTED when none was given). */
  readonly callerSignal: AbortSignal;
  /** Whether an OTel SDK records anything (metrics or a call span); false on the fast path. */
  readonly observed: boolean;

  constructor(
    readonly runtime: PolicyRuntime,
    readonly fn: ProtectedFn<unknown>,
    options: ExecuteOptions | undefined,
    readonly telemetry: Telemetry,
    /** The call span, when tracing is enabled. */
    readonly callSpan: Span | undefined,
    /** OTel context holding the call span: the parent of attempt spans. */
    readonly otelContext: Context,
  ) {
    this.callerSignal = options?.signal ?? NEVER_ABORTED;
    this.observed = telemetry.metricsEnabled || callSpan !== undefined;
    this.signal = this.callerSignal;
    this.attemptSignal = this.callerSignal;
    this.cacheKey = options?.cacheKey;
    this.onRetry = options?.onRetry;
    this.properties = options?.properties;
    this.rateLimitKey = options?.rateLimitKey;
  }

  /** Runs the protected function for the current attempt (the innermost stage). */
  invoke(): Promise<unknown> {
    try {
      return Promise.resolve(this.fn({ signal: this.attemptSignal, attempt: this.attempt }));
    } catch (error) {
      return Promise.reject(error);
    }
  }
}
