import type { LanguageModel } from 'ai';
import { PolicyRegistry } from '../../core/registry.js';
import type { StreamOptions } from '../../core/stream-options.js';
import { ResiliencePolicy } from '../../pipeline/create-policy.js';
import { checkPolicyOptions, POLICY_KEYS } from '../../pipeline/options.js';
import { type ATTR_RESILIENCE_POLICY, ERROR_CATEGORIES, type ErrorCategory } from '../../semconv.js';
import { OptionsValidator } from '../../util/validate.js';
import type { ModelChainOptions } from '../shared/model-chain.js';

/** Settings of {@link resilienceMiddleware} and {@link withResilience}. */
export interface AiSdkResilienceOptions {
  /**
   * Name of the call's policy: the INTERNAL span under the AI SDK's `chat {model}` span and the
   * {@link ATTR_RESILIENCE_POLICY} of its metrics; each model's own policy is `<name>.<provider>.<modelId>`. Pins the middleware to one model.
   * @default `ai-sdk.<modelId>` of the wrapped model
   */
  readonly name?: string;
  /**
   * Options of each model's own policy (its own circuit breaker, keyed by provider + model id), or one policy
   * shared by every model of the chain (then `stream` belongs in that policy's options). @default { retry: {} }
   */
  readonly policy?: ModelChainOptions['policy'];
  /**
   * Models tried in order when the wrapped model fails (a stream only before its first content chunk). Each gets
   * the same call options as the wrapped one. @default []
   */
  readonly fallbacks?: readonly LanguageModel[];
  /**
   * Stream settings of each model's policy: `firstChunkTimeoutMs`, `stallTimeoutMs`, and `afterCommit`
   * (`'fallback-continue'` asks the next model to continue the partial text, sent as an assistant message).
   * @default { afterCommit: 'error' }, no stream timeouts
   */
  readonly stream?: StreamOptions;
  /** Failures after which the next model is tried. @default every category but cancelled, validation, programming */
  readonly fallbackOn?: readonly ErrorCategory[];
  /** Registry the policies join; `null` for none. @default defaultRegistry */
  readonly registry?: PolicyRegistry | null;
}

const KEYS = ['name', 'policy', 'fallbacks', 'stream', 'fallbackOn', 'registry'] as const;
const MODEL_CONSTRAINT = 'a language model (doGenerate, doStream, provider, modelId) or a model id';
const MODEL_POLICY_KEYS = POLICY_KEYS.filter(key => key !== 'fallback' && key !== 'registry');

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

/**
 * Validates the options at once (not at the first call), reporting every problem in one `TypeError` or
 * `RangeError` that names the option, the constraint and the value.
 */
export function checkAiSdkOptions(options: unknown): AiSdkResilienceOptions {
  const v = new OptionsValidator('resilienceMiddleware');
  const o = v.object('', options, KEYS);
  if (o.name !== undefined) v.name('name', o.name);
  if (o.policy !== undefined && !(o.policy instanceof ResiliencePolicy)) {
    checkPolicyOptions(v.at('policy'), o.policy, MODEL_POLICY_KEYS);
  }
  if (o.stream !== undefined) {
    if (o.policy instanceof ResiliencePolicy) {
      v.fail(
        'stream',
        'absent when policy is a ResiliencePolicy (set stream in its createPolicy options)',
        o.stream,
      );
    } else {
      checkPolicyOptions(v, { stream: o.stream }, ['stream']);
    }
  }
  if (o.fallbacks !== undefined) {
    if (!Array.isArray(o.fallbacks)) v.fail('fallbacks', 'an array of language models', o.fallbacks, true);
    else
      for (const [i, model] of o.fallbacks.entries()) {
        if (!isLanguageModel(model)) v.fail(`fallbacks[${i}]`, MODEL_CONSTRAINT, model, true);
      }
  }
  if (o.fallbackOn !== undefined) {
    if (!Array.isArray(o.fallbackOn))
      v.fail('fallbackOn', 'an array of error categories', o.fallbackOn, true);
    else
      for (const [i, category] of o.fallbackOn.entries())
        v.oneOf(`fallbackOn[${i}]`, category, ERROR_CATEGORIES);
  }
  v.instance('registry', o.registry, PolicyRegistry, 'a PolicyRegistry', { nullable: true });
  v.done();
  return o as AiSdkResilienceOptions;
}
