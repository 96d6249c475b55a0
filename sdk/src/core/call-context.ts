import type { Context, Span } from '@opentelemetry/api';
import type { Classifier } from '../classify/types.js';
import type { ResilienceError } from '../errors/call-errors.js';
import type { FallbackKind } from '../semconv.js';
import type { AttributeCache } from '../telemetry/attributes.js';
import type { HotAttributes } from '../telemetry/hot-attributes.js';
import type { Telemetry } from '../telemetry/telemetry.js';
import { linkAbort, NEVER_ABORTED } from '../util/abort.js';
import type { ExecuteOptions, RetryInfo } from './execute-options.js';
import type { StreamCallOptions, StreamOptions } from './stream-options.js';

/** How a streamed call reads its chunks: the policy's stream settings and the call's own options. */
export interface StreamCall {
  readonly settings: StreamOptions;
  readonly options: StreamCallOptions<unknown>;
  /** Tells the policy's `onFallback` listeners that a continuation serves the rest of a broken stream. */
  readonly onContinued: (error: ResilienceError) => void;
}

/** What the protected function receives on each attempt. */
export interface AttemptInput {
  /**
   * Aborts when the caller cancels, or when the attempt or total timeout fires. Pass it to your client. It is
   * this call's own signal (never one shared with other calls), so a client may attach listeners to it freely.
   */
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

/**
 * One logical call as it moves through the pipeline (internal). It holds only what belongs to the whole call;
 * everything about one attempt (its signal, span, outcome) lives in that attempt's own `AttemptContext`. The
 * few mutable fields each have one writer: `signal`/`deadline` the total-timeout stage (before the first
 * attempt), `attempts` the attempt that runs `fn`, `fallbackKind` the fallback stage.
 */
export class CallContext {
  /** Call-level signal: the caller's, joined with the total timeout when there is one. */
  signal: AbortSignal;
  /** `Date.now()` by which the call must end (total timeout); Infinity when unbounded. */
  deadline = Number.POSITIVE_INFINITY;
  /** Attempts that ran `fn` (a rejection before `fn` is not an attempt). */
  attempts = 0;
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
  /** The model of the call, as GenAI metric attributes (`ExecuteOptions.genAi`). */
  readonly genAi: ExecuteOptions['genAi'];
  /** Token usage of a successful result (`ExecuteOptions.usageOf`). */
  readonly usageOf: ExecuteOptions['usageOf'];
  /** Whether the call may be hedged (`ExecuteOptions.replaySafe`); undefined: the policy decides. */
  readonly replaySafe: boolean | undefined;
  /** Set for a streamed call (`executeStream`): how its chunks are read. */
  stream: StreamCall | undefined;
  /** The caller's own signal ({@link NEVER_ABORTED} when none was given). */
  readonly callerSignal: AbortSignal;
  /** Whether an OTel SDK records anything (metrics or a call span); false on the fast path. */
  readonly observed: boolean;
  private own: AbortController | undefined;
  private unlinkOwn: (() => void) | undefined;
  private released = false;
  private streamEnds: Array<() => void> | undefined;
  private streamEnded = false;

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
    this.cacheKey = options?.cacheKey;
    this.onRetry = options?.onRetry;
    this.properties = options?.properties;
    this.rateLimitKey = options?.rateLimitKey;
    this.genAi = options?.genAi;
    this.usageOf = options?.usageOf;
    this.replaySafe = options?.replaySafe;
  }

  /**
   * The signal `fn` gets when no timeout gave its attempt one: this call's own, created on first use and
   * aborting with the caller's. Handing `fn` the caller's (or a process-wide never-aborting) signal would let a
   * client that adds a listener per request pile them up on a signal that outlives the call.
   */
  ownSignal(): AbortSignal {
    if (this.own === undefined) {
      this.own = new AbortController();
      // Read after the call settled (e.g. by a stream fn returned): a snapshot of the call's signal, not linked.
      if (this.released) {
        if (this.signal.aborted) this.own.abort(this.signal.reason);
      } else {
        this.unlinkOwn = linkAbort(this.signal, this.own);
      }
    }
    return this.own.signal;
  }

  /** Whether the call resolved with a committed stream that is still being read. */
  get streaming(): boolean {
    return this.streamEnds !== undefined;
  }

  /** Marks the call as resolved with a committed stream: its end comes later ({@link endStream}). */
  beginStream(): void {
    this.streamEnds ??= [];
  }

  /**
   * Runs `done` when the committed stream of this call ends (a bulkhead slot it holds is given back then), or at
   * once if it already has (a stream the caller cut before every stage had registered).
   */
  onStreamEnd(done: () => void): void {
    if (this.streamEnded) done();
    else this.streamEnds?.push(done);
  }

  /** The committed stream ended (completed, broke or was stopped): runs the {@link onStreamEnd} callbacks once. */
  endStream(): void {
    const ends = this.streamEnds;
    if (ends === undefined || this.streamEnded) return;
    this.streamEnded = true;
    this.streamEnds = [];
    for (const done of ends) done();
  }

  /** Detaches the call from its caller's signal; the attempt loop calls it when the call settles. */
  release(): void {
    this.released = true;
    if (this.unlinkOwn !== undefined) {
      this.unlinkOwn();
      this.unlinkOwn = undefined;
    }
  }
}
