import type { Attributes, SpanKind } from '@opentelemetry/api';
import type { ClassifiedError } from '../classify/types.js';
import type {
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  METRIC_GEN_AI_TIME_TO_FIRST_CHUNK,
  METRIC_TOKENS,
  RetryDelaySource,
} from '../semconv.js';
import type { TokenUsage } from './stream-options.js';

/** What `onRetry` receives before each retry's wait. */
export interface RetryInfo {
  /** Number of the attempt about to run (1 = first retry). */
  readonly attempt: number;
  /** Maximum retries for this error's category. */
  readonly maxRetries: number;
  /** Wait before it, in milliseconds. */
  readonly delayMs: number;
  /** Whether the server's Retry-After set the wait. */
  readonly delaySource: RetryDelaySource;
  /** The failure that is being retried. */
  readonly error: ClassifiedError;
}

/** Per-call options of `ResiliencePolicy.execute`. */
export interface ExecuteOptions {
  /**
   * Cancels the call: pending waits end at once, no further attempt runs, the call rejects `cancelled`, and
   * nothing downstream (breaker, budget, recovery, limits) counts it as a failure, whatever the abort reason.
   */
  readonly signal?: AbortSignal;
  /**
   * Key under which the `cache` fallback stores and looks up this call's result (e.g. user + prompt hash). A
   * call without one is neither stored nor served from the cache: one user never gets another user's answer.
   */
  readonly cacheKey?: string;
  /** Rate-limit bucket of this call (e.g. a user or conversation thread); calls without one share a bucket. */
  readonly rateLimitKey?: string;
  /**
   * Per-call values for fallbacks (as Polly's `ResilienceContext` properties), e.g. the prompt a second-model
   * fallback should send: `execute(fn, { properties: { prompt } })` → `factory: ({ properties }) => …`.
   */
  readonly properties?: Readonly<Record<string, unknown>>;
  /**
   * Whether this request is safe to send more than once (no side effect a second copy would repeat): only such
   * calls are hedged. @default the policy's `hedging.replaySafe` (false)
   */
  readonly replaySafe?: boolean;
  /** The tenant (user, organisation) the call serves, e.g. to scope chaos injection to one tenant. */
  readonly tenant?: string;
  /** Called before each retry's wait of this call (after the policy's own `retry.onRetry`). A throw is reported. */
  readonly onRetry?: (info: RetryInfo) => void;
  /**
   * The model the call goes to, as GenAI metric attributes ({@link ATTR_GEN_AI_PROVIDER_NAME},
   * {@link ATTR_GEN_AI_REQUEST_MODEL}), e.g. on {@link METRIC_GEN_AI_TIME_TO_FIRST_CHUNK}.
   */
  readonly genAi?: { readonly provider?: string; readonly model?: string };
  /**
   * Token usage of a successful result (e.g. `response.usage`), counted in {@link METRIC_TOKENS} as `served`; usage of
   * an attempt that failed or was replaced is counted as `wasted`.
   */
  readonly usageOf?: (value: unknown) => TokenUsage | undefined;
  /** Advanced: the call span's name, kind and attributes (the agent helpers emit GenAI spans this way). */
  readonly span?: {
    readonly name?: string;
    readonly kind?: SpanKind;
    readonly attributes?: Attributes;
    /** Attributes read from a successful result, set on the call span (e.g. token usage). */
    readonly resultAttributes?: (value: unknown) => Attributes;
    /**
     * Attributes read as the call ends, whatever its outcome, set on the call span; for `executeStream`, when its
     * stream ends (e.g. the usage and response model the stream reported, gathered as it was read).
     */
    readonly endAttributes?: () => Attributes;
  };
}
