import type { LanguageModel } from 'ai';
import type { PolicyRegistry } from '../../core/registry.js';
import type { StreamOptions } from '../../core/stream-options.js';
import type { ATTR_RESILIENCE_POLICY, ErrorCategory } from '../../semconv.js';
import { OptionsValidator } from '../../util/validate.js';
import { type ChainRules, chainOptionsOf, checkChainOptions, modelCheck } from '../shared/chain-options.js';
import type { ModelChainOptions } from '../shared/model-chain.js';

/** Settings of {@link resilienceMiddleware} and {@link withResilience}. */
export interface AiSdkResilienceOptions {
  /**
   * Name of the call's policy: the INTERNAL span under the AI SDK's `chat {model}` span and the
   * {@link ATTR_RESILIENCE_POLICY} of its metrics; each model's own policy is `<name>.<provider>.<modelId>`. Pins the
   * middleware to one model.
   * @default `ai-sdk.<provider>.<modelId>` of the wrapped model
   */
  readonly name?: string;
  /**
   * Options of each model's own policy (its own circuit breaker, keyed by provider + model id), one policy shared
   * by every model of the chain (then `stream` belongs in that policy's options), or a function of the model
   * (`{ provider, model }`: the model's `provider` and `modelId`) returning either, asked once per model when its
   * chain is built: `withResilience` builds it at once, a middleware at its first call of a model (an invalid
   * answer throws there). A policy given or returned is yours: `dispose()` leaves it alone.
   * @default { retry: {} }
   * @example
   * policy: ({ provider }) =>
   *   provider.startsWith('openai') ? { retry: {}, circuitBreaker: openaiBreaker, recovery } : { retry: { maxRetries: 1 } }
   */
  readonly policy?: ModelChainOptions['policy'];
  /**
   * Models tried in order when the wrapped model fails (a stream only before its first content chunk). Each gets
   * the same call options as the wrapped one. @default []
   */
  readonly fallbacks?: readonly LanguageModel[];
  /**
   * Stream settings of each model's policy, merged over the `stream` of its policy options: `firstChunkTimeoutMs`,
   * `stallTimeoutMs`, and `afterCommit` (`'fallback-continue'` asks the next model to continue the partial text,
   * sent as an assistant message). @default { afterCommit: 'error' }, no stream timeouts
   */
  readonly stream?: StreamOptions;
  /** Failures after which the next model is tried. @default every category but cancelled, validation, programming */
  readonly fallbackOn?: readonly ErrorCategory[];
  /** Registry the policies join; `null` for none. @default defaultRegistry */
  readonly registry?: PolicyRegistry | null;
}

/** The options of one middleware, checked. */
export interface ResolvedAiSdkOptions {
  readonly name: string | undefined;
  readonly fallbacks: readonly LanguageModel[];
  /** What its model chains are built with. */
  readonly chain: ModelChainOptions;
}

const KEYS = ['name', 'policy', 'fallbacks', 'stream', 'fallbackOn', 'registry'] as const;

/** A model the AI SDK accepts: a model object of specification v2, v3 or v4, or a model id string. */
function isLanguageModel(value: unknown): boolean {
  if (typeof value === 'string') return value.length > 0;
  if (typeof value !== 'object' || value === null) return false;
  const model = value as Record<string, unknown>;
  return (
    typeof model.doGenerate === 'function' &&
    typeof model.doStream === 'function' &&
    typeof model.provider === 'string' &&
    typeof model.modelId === 'string'
  );
}

/** The AI SDK's part of the options every adapter shares. */
const AI_SDK_CHAIN: ChainRules = {
  fallbacks: {
    constraint: 'an array of language models',
    check: modelCheck(
      isLanguageModel,
      'a language model (doGenerate, doStream, provider, modelId) or a model id',
    ),
  },
};

/**
 * Validates the options of `factory` at once (not at the first call), reporting every problem in one `TypeError`
 * or `RangeError` that names the option, the constraint and the value.
 */
export function resolveAiSdkOptions(
  factory: 'resilienceMiddleware' | 'withResilience',
  options: unknown,
): ResolvedAiSdkOptions {
  const v = new OptionsValidator(factory);
  const o = v.object('', options, KEYS);
  if (o.name !== undefined) v.name('name', o.name);
  checkChainOptions(v, o, AI_SDK_CHAIN);
  v.done();
  const checked = o as AiSdkResilienceOptions;
  return {
    name: checked.name,
    fallbacks: checked.fallbacks ?? [],
    chain: chainOptionsOf(factory, checked, AI_SDK_CHAIN),
  };
}
