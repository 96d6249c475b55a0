import type { ClassifiedError, Classifier } from '../classify/types.js';
import { PolicyRegistry } from '../core/registry.js';
import { checkPolicyOptions, POLICY_KEYS, type PolicyOptions } from '../pipeline/options.js';
import { hasCacheFallback } from '../policies/fallback.js';
import { type RetryOptions, resolveRetryOptions } from '../policies/retry-options.js';
import {
  ATTR_GEN_AI_CONVERSATION_ID,
  ATTR_GEN_AI_PROVIDER_NAME,
  agentPolicyName,
  ERROR_CATEGORIES,
  type ErrorCategory,
} from '../semconv.js';
import { describeValue, OptionsValidator } from '../util/validate.js';

/** Policy options the agent helpers accept for runs, tools and models (the agent sets name, registry, classifier). */
export type HelperPolicyOptions = Omit<PolicyOptions<unknown>, 'registry' | 'classifier'>;

/**
 * Run-level retry: restart a whole run (with a fresh run id) when it fails transiently. `retryOn` replaces the
 * classifier's retryability (so `categories` take no `retryable`); `shouldRetry` has the final say after it, as in
 * `createPolicy`. A run whose `beforeRetry` failed is never restarted. Progress goes to `agent.run`'s
 * `onRetrying`, not to an `onRetry` here.
 */
export interface RunRetryOptions extends Omit<RetryOptions, 'onRetry'> {
  /** Categories that restart a run. @default ['timeout', 'rate_limited', 'overloaded', 'server_error', 'network'] */
  readonly retryOn?: readonly ErrorCategory[];
}

/**
 * Who reports a model call's GenAI telemetry (the `chat {model}` CLIENT span with the response model and token
 * usage, the GenAI duration and usage metrics):
 * - `'emit'`: the agent does;
 * - `'resilience-only'`: a framework or provider SDK does (the AI SDK with `@ai-sdk/otel`, the Anthropic SDK's
 *   own tracing, an OpenAI instrumentation), so the call span is the policy's (INTERNAL, named after the policy)
 *   with `resilience.*` signals only, and usage is never reported twice;
 * - `'auto'`: `'resilience-only'` when the call starts inside another instrumentation's GenAI CLIENT span (the
 *   framework owns the inference span around it), `'emit'` otherwise. A framework span *inside* the call (a
 *   traced client called by the model function) cannot be seen when the call starts: use `'resilience-only'`.
 */
export type GenAiTelemetry = (typeof GEN_AI_TELEMETRY_MODES)[number];
export const GEN_AI_TELEMETRY_MODES = ['auto', 'emit', 'resilience-only'] as const;

/** Options of {@link createAgent}. */
export interface AgentOptions {
  /** {@link ATTR_GEN_AI_PROVIDER_NAME} of the agent's `invoke_agent` spans, when the agent has a single provider. */
  readonly provider?: string;
  /** Run-level retry; `false` disables it. @default RUN_RETRY_DEFAULTS (5 retries, 2 s → 32 s, no jitter) */
  readonly retry?: RunRetryOptions | false;
  /** Other strategies of the run policy (timeouts, bulkhead, circuit breaker). @default {} */
  readonly run?: Omit<HelperPolicyOptions, 'retry' | 'fallback'>;
  /** Policy of tool calls made without an explicit `policy`. Tools may have side effects: no retry by default. @default {} */
  readonly tools?: HelperPolicyOptions;
  /** Policy of model calls made without an explicit `policy`. @default { retry: {} } */
  readonly models?: HelperPolicyOptions;
  /** Who reports model calls' GenAI telemetry ({@link GenAiTelemetry}); a call may override it. @default 'auto' */
  readonly genAiTelemetry?: GenAiTelemetry;
  /** Classifier of every policy the agent creates. @default classifyError */
  readonly classifier?: Classifier;
  /** Registry the agent's policies join; `null` for none. @default defaultRegistry */
  readonly registry?: PolicyRegistry | null;
}

/** What `onRetrying` receives, e.g. to show "Server error, retry 2 of 5…" (`error.userMessage`). */
export interface RunRetrying {
  /** Number of the retry about to run (1 = first retry). */
  readonly attempt: number;
  /** Retries allowed for this failure (retries, not attempts: the run makes up to `maxRetries + 1`). */
  readonly maxRetries: number;
  /** Wait before the retry, in ms. */
  readonly delayMs: number;
  /** The failure; `userMessage` is safe to show. */
  readonly error: ClassifiedError;
  /** Id of the run that failed. */
  readonly failedRunId: string;
}

/** What `onFailed` receives after the last attempt. */
export interface RunFailed {
  readonly error: ClassifiedError;
  readonly attempts: number;
  readonly lastRunId: string | undefined;
}

/** Per-run options of `agent.run`. */
export interface RunOptions {
  /** Cancels the run: tool and model calls get it as their signal. */
  readonly signal?: AbortSignal;
  /** Conversation thread: `agent.cancel(threadId)` cancels this thread's active run. */
  readonly threadId?: string;
  /** {@link ATTR_GEN_AI_CONVERSATION_ID} of the run's spans. @default threadId */
  readonly conversationId?: string;
  /** Before each run-level retry's wait. A throw is reported, not raised. */
  readonly onRetrying?: (event: RunRetrying) => void;
  /**
   * Before a retried run starts: discard the failed run's partial messages so history is not polluted. If it
   * throws (or rejects), the retry is aborted and the run fails (it never runs on a polluted history).
   */
  readonly beforeRetry?: (event: RunRetrying) => void | Promise<void>;
  /** After the last attempt failed, with the classified error. A throw is reported, not raised. */
  readonly onFailed?: (event: RunFailed) => void;
}

/** Defaults of run-level retry (after the chat-client anchor: 408/429/5xx, 5 retries, 2 s → 32 s). */
export const RUN_RETRY_DEFAULTS = Object.freeze({
  maxRetries: 5,
  initialDelayMs: 2_000,
  maxDelayMs: 32_000,
  multiplier: 2,
  jitter: 'none',
  retryOn: Object.freeze([
    'timeout',
    'rate_limited',
    'overloaded',
    'server_error',
    'network',
  ]) as readonly ErrorCategory[],
} as const);

const HELPER_KEYS = POLICY_KEYS.filter(key => key !== 'registry' && key !== 'classifier');
const RUN_KEYS = HELPER_KEYS.filter(key => key !== 'retry' && key !== 'fallback');
/** Longest agent name: its run policy is named `agent.<name>`, at most 64 characters. */
const MAX_AGENT_NAME = 64 - agentPolicyName('').length;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Validates every option of {@link createAgent} at construction: the agent's own, run-level retry, and the policy
 * options of runs, tools and models (as `createPolicy` would, under the paths `run`, `tools` and `models`).
 */
export function checkAgentOptions(name: unknown, options: unknown): void {
  const v = OptionsValidator.forNamed('createAgent', name);
  if (typeof name === 'string' && v.ok && name.length > MAX_AGENT_NAME) {
    v.fail(
      'name',
      `a string of 1-${MAX_AGENT_NAME} characters from [A-Za-z0-9_.:-] (the run policy is named ${agentPolicyName('<name>')})`,
      name,
    );
  }
  const o = v.object('', options, [
    'provider',
    'retry',
    'run',
    'tools',
    'models',
    'genAiTelemetry',
    'classifier',
    'registry',
  ]);
  if (o.provider !== undefined && (typeof o.provider !== 'string' || o.provider === '')) {
    v.fail('provider', 'a non-empty string', o.provider, typeof o.provider !== 'string');
  }
  v.oneOf('genAiTelemetry', o.genAiTelemetry, GEN_AI_TELEMETRY_MODES);
  v.func('classifier', o.classifier);
  v.instance('registry', o.registry, PolicyRegistry, 'a PolicyRegistry', { nullable: true });
  checkRunRetry(v, o.retry);
  checkPolicyOptions(v.at('run'), isRecord(o.run) ? checkRunOnly(v, o.run) : o.run, RUN_KEYS);
  checkPolicyOptions(v.at('tools'), o.tools, HELPER_KEYS);
  checkPolicyOptions(v.at('models'), o.models, HELPER_KEYS);
  v.done();
}

/** Refuses the run options that runs cannot have; returns the others, to be checked as policy options. */
function checkRunOnly(v: OptionsValidator, run: Record<string, unknown>): Record<string, unknown> {
  const { retry, fallback, ...others } = run;
  if (retry !== undefined) v.fail('run.retry', 'absent (run-level retry is options.retry)', retry, true);
  if (fallback !== undefined) {
    v.fail(
      'run.fallback',
      `absent (runs have no fallback${hasCacheFallback(fallback) ? '; a cache fallback needs a cacheKey, which runs are never executed with' : ''})`,
      fallback,
      true,
    );
  }
  return others;
}

/** Validates run-level retry: retry options, `retryOn`, and nothing the agent would silently override. */
function checkRunRetry(v: OptionsValidator, retry: unknown): void {
  if (retry === undefined || retry === false) return;
  if (!isRecord(retry)) {
    v.fail('retry', 'an object or false', retry, true);
    return;
  }
  const { retryOn, ...options } = retry;
  if (retryOn !== undefined && !Array.isArray(retryOn))
    v.fail('retry.retryOn', 'an array of error categories', retryOn, true);
  if (Array.isArray(retryOn))
    for (const [i, c] of retryOn.entries()) v.oneOf(`retry.retryOn[${i}]`, c, ERROR_CATEGORIES);
  if (options.onRetry !== undefined)
    v.fail('retry.onRetry', 'absent (pass onRetrying to agent.run)', options.onRetry, true);
  if (isRecord(options.categories)) {
    for (const [category, value] of Object.entries(options.categories)) {
      if (isRecord(value) && value.retryable !== undefined) {
        v.fail(
          `retry.categories.${category}.retryable`,
          'absent (list the category in retry.retryOn)',
          value.retryable,
          true,
        );
      }
    }
  }
  resolveRetryOptions(v, 'retry', options);
}

/** Validates per-run options. */
export function checkRunOptions(options: unknown): void {
  const v = new OptionsValidator('agent.run');
  const o = v.object('options', options, [
    'signal',
    'threadId',
    'conversationId',
    'onRetrying',
    'beforeRetry',
    'onFailed',
  ]);
  if (o.signal !== undefined && !(o.signal instanceof AbortSignal))
    v.fail('signal', 'an AbortSignal', o.signal, true);
  for (const key of ['threadId', 'conversationId'] as const) {
    const value = o[key];
    if (value !== undefined && (typeof value !== 'string' || value === '' || value.length > 256)) {
      v.fail(key, 'a string of 1-256 characters', value, typeof value !== 'string');
    }
  }
  v.func('onRetrying', o.onRetrying);
  v.func('beforeRetry', o.beforeRetry);
  v.func('onFailed', o.onFailed);
  v.done();
}

/** The chunk readers and continuation of a streamed call (`ModelStreamOptions.stream`). */
const STREAM_CALL_KEYS = ['isContent', 'isFinal', 'errorOf', 'usageOf', 'continueWith'] as const;

/**
 * Validates the options of a model call (`agent.model`, or `agent.modelStream` with its `stream` readers) that
 * the agent reads itself (the others go to its policy).
 */
export function checkModelCallOptions(
  helper: 'model' | 'modelStream',
  model: string,
  options: { readonly genAiTelemetry?: unknown; readonly stream?: unknown },
): void {
  const { genAiTelemetry, stream } = options;
  if (genAiTelemetry === undefined && stream === undefined) return;
  const v = new OptionsValidator(`agent.${helper}(${describeValue(model)})`);
  v.oneOf('genAiTelemetry', genAiTelemetry, GEN_AI_TELEMETRY_MODES);
  const readers = v.object('stream', stream, STREAM_CALL_KEYS);
  for (const key of STREAM_CALL_KEYS) v.func(`stream.${key}`, readers[key]);
  v.done();
}
