import type { LanguageModelV4, LanguageModelV4Middleware } from '@ai-sdk/provider';
import { type LanguageModel, wrapLanguageModel } from 'ai';
import type { ResiliencePolicy } from '../../pipeline/create-policy.js';
import type { ATTR_GEN_AI_USAGE_INPUT_TOKENS, METRIC_INNER_RETRIES } from '../../semconv.js';
import { type ModelKey, mergedPolicies, modelKeyId } from '../shared/model-chain.js';
import { defaultPolicyName, keyOfModel, resolveModel } from './models.js';
import { type AiSdkResilienceOptions, resolveAiSdkOptions } from './options.js';
import { ResilientModelCalls } from './resilient-model-calls.js';

/** What the wrappers of this adapter show of their policies. */
interface PolicyAccess {
  /**
   * The policies in use, by policy name: each chain's own (`<name>`: its `onFallback` events, one per model
   * fallback) and each model's (`<name>.<provider>.<modelId>`: its `circuitBreaker`, `recovery`), including a
   * policy of yours given as `policy` or returned by it. A snapshot of the chains built so far (a middleware
   * builds one at its first call of a model); empty once disposed.
   */
  policies(): ReadonlyMap<string, ResiliencePolicy<unknown>>;
  /** Disposes the policies the wrapper created (their breakers, timers and registry entries); not yours. */
  dispose(): void;
}

/** The AI SDK middleware {@link resilienceMiddleware} returns, with `policies()` and `dispose()`. */
export interface ResilienceMiddleware extends LanguageModelV4Middleware, PolicyAccess {}

/** A model wrapped by {@link withResilience}: a `LanguageModelV4` for any AI SDK call, plus `policies()` and `dispose()`. */
export type ResilientLanguageModel = LanguageModelV4 & PolicyAccess;

/**
 * An AI SDK middleware that runs every model call of the wrapped model through agent-resilience: retries with
 * backoff and Retry-After, a circuit breaker per model, model fallbacks (`fallbacks`), and resilient streams
 * (first-chunk and stall timeouts; a stream that fails before its first content part is retried or served by the
 * next model without the consumer seeing anything). Works with `generateText`, `streamText`, `generateObject`
 * and tool loops. Its spans are `resilience.*` spans only, nested under `@ai-sdk/otel`'s `chat {model}` span: no
 * second GenAI span and no second usage attributes ({@link ATTR_GEN_AI_USAGE_INPUT_TOKENS} and its kin).
 *
 * Turn the SDK's own retries off with `maxRetries: 0`: one retry layer, the policy's. (Our final errors are not
 * `APICallError`s, so the SDK's `maxRetries` never retries them anyway; `streamText`'s `streamRetries` would.) When
 * the middleware sees the SDK retrying around it, it counts {@link METRIC_INNER_RETRIES} and warns once via `diag`.
 *
 * A middleware serves the model(s) it wraps, one policy chain (and breaker) per provider + model id, however many
 * model objects the app wraps with it (a fresh one per request keeps the same chain); each call is made with the
 * model object of that call. With an explicit `name`, one model.
 *
 * @example
 * const model = wrapLanguageModel({
 *   model: openai('gpt-4o-mini'),
 *   middleware: resilienceMiddleware({ fallbacks: [anthropic('claude-haiku-4-5')], stream: { stallTimeoutMs: 10_000 } }),
 * });
 * const { text } = await generateText({ model, prompt, maxRetries: 0 });
 */
export function resilienceMiddleware(options: AiSdkResilienceOptions = {}): ResilienceMiddleware {
  return createMiddleware('resilienceMiddleware', options, undefined);
}

/**
 * The middleware; with `primary`, its policies are created at once (a name or registry conflict, or a `policy`
 * function's invalid answer, throws here).
 */
function createMiddleware(
  factory: 'resilienceMiddleware' | 'withResilience',
  options: AiSdkResilienceOptions,
  primary: LanguageModelV4 | undefined,
): ResilienceMiddleware {
  const checked = resolveAiSdkOptions(factory, options);
  const fallbacks = checked.fallbacks.map(resolveModel);
  // By provider + model id, not by model object: an app may wrap a fresh model object per request.
  const calls = new Map<string, ResilientModelCalls>();
  let pinned: ModelKey | undefined;

  const callsOf = (model: LanguageModelV4): ResilientModelCalls => {
    const key = keyOfModel(model);
    const id = modelKeyId(key);
    const existing = calls.get(id);
    if (existing !== undefined) return existing;
    if (checked.name !== undefined && pinned !== undefined) {
      throw new TypeError(
        `resilienceMiddleware({ name: "${checked.name}" }) already protects ${pinned.provider}/${pinned.model}; ` +
          `give each model its own middleware, or leave name unset (each model then gets ai-sdk.<provider>.<modelId>)`,
      );
    }
    const modelCalls = new ResilientModelCalls(
      checked.name ?? defaultPolicyName(key),
      model,
      fallbacks,
      checked.chain,
    );
    pinned = key;
    calls.set(id, modelCalls);
    return modelCalls;
  };
  if (primary !== undefined) callsOf(primary);

  return {
    specificationVersion: 'v4',
    wrapGenerate: ({ model, params }) => callsOf(model).generate(model, params),
    wrapStream: ({ model, params }) => callsOf(model).stream(model, params),
    policies: () => mergedPolicies(calls.values()),
    dispose() {
      for (const modelCalls of calls.values()) modelCalls.dispose();
      calls.clear();
      pinned = undefined;
    },
  };
}

/**
 * `model` wrapped in a {@link resilienceMiddleware}: the one-line way to make an AI SDK app resilient.
 *
 * @example
 * const model = withResilience(openai('gpt-4o-mini'), { fallbacks: [openai('gpt-4.1-mini')] });
 * const result = streamText({ model, prompt, maxRetries: 0 });
 */
export function withResilience(
  model: LanguageModel,
  options: AiSdkResilienceOptions = {},
): ResilientLanguageModel {
  const resolved = resolveModel(model);
  const middleware = createMiddleware('withResilience', options, resolved);
  const wrapped = wrapLanguageModel({ model: resolved, middleware });
  return Object.assign(wrapped, {
    policies: () => middleware.policies(),
    dispose: () => middleware.dispose(),
  });
}
