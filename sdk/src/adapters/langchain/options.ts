import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import type { PolicyRegistry } from '../../core/registry.js';
import type { StreamOptions } from '../../core/stream-options.js';
import type { ResiliencePolicy } from '../../pipeline/create-policy.js';
import type { ErrorCategory } from '../../semconv.js';
import { OptionsValidator } from '../../util/validate.js';
import {
  type ChainRules,
  chainOptionsOf,
  checkChainOptions,
  checkModelPolicy,
  modelCheck,
} from '../shared/chain-options.js';
import type { ModelChainOptions, ModelPolicyOptions } from '../shared/model-chain.js';
import { isChatModel } from './model-identity.js';

/** Options of each model's (or tool's) own policy; the adapter sets `fallback` (the model chain) and `registry`. */
export type AdapterPolicyOptions = ModelPolicyOptions;

/** Options of {@link withResilience} (and the model side of `resilienceMiddleware`). */
export interface ResilientModelOptions {
  /**
   * Prefix of the policy names: the model chain is `<name>.model`, each model's own policy
   * `<name>.model.<provider>.<model>` (and, in the middleware, each tool's `<name>.tool.<tool>`). @default 'langchain'
   */
  readonly name?: string;
  /** Backup models, tried in order when the model fails (a stream: only before its first content chunk). @default [] */
  readonly fallbacks?: readonly BaseChatModel[];
  /**
   * Options of each model's own policy (each model gets its own breaker, keyed by provider + model id), one
   * `ResiliencePolicy` shared by every model, or a function of the model (`{ provider, model }`, LangChain's
   * `ls_provider` and `ls_model_name`) returning either, asked once per model when its chain is built:
   * `withResilience` builds it at once, the middleware at its first call of an agent model (an invalid answer
   * throws there). A policy given or returned is yours: `dispose()` leaves it alone. @default { retry: {} }
   */
  readonly policy?: ModelChainOptions['policy'];
  /**
   * Stream settings of each model's policy, merged over the `stream` of its policy options: `firstChunkTimeoutMs`, `stallTimeoutMs`,
   * and `afterCommit` (`'fallback-continue'`: when a stream breaks after its first content chunk, the next model
   * is sent the partial text as an assistant message and continues it). @default { afterCommit: 'error' }
   */
  readonly stream?: StreamOptions;
  /** Failures after which the next model is tried. @default every category but cancelled, validation, programming */
  readonly fallbackOn?: readonly ErrorCategory[];
  /** Registry the policies join; `null` for none. @default defaultRegistry */
  readonly registry?: PolicyRegistry | null;
}

/** Options of `resilienceMiddleware`: the model side ({@link ResilientModelOptions}) and the tool side. */
export interface ResilienceMiddlewareOptions extends ResilientModelOptions {
  /**
   * Options of each tool's own policy (`<name>.tool.<tool>`, its own breaker), one `ResiliencePolicy` for every
   * tool, or `null` to leave tool calls alone. Tools may have side effects, so they are not retried unless you
   * say so (`{ retry: {...} }`). @default {} (no retry: classification, telemetry and a breaker if you add one)
   */
  readonly tools?: AdapterPolicyOptions | ResiliencePolicy | null;
}

/** Validated options, ready for a `ModelChain`. */
export interface ResolvedModelOptions {
  readonly name: string;
  readonly fallbacks: readonly BaseChatModel[];
  readonly chain: ModelChainOptions;
  readonly tools: AdapterPolicyOptions | ResiliencePolicy | null;
  readonly registry: PolicyRegistry | null | undefined;
}

const DEFAULT_NAME = 'langchain';
/** The longest `name`: `<name>.model` must stay a valid policy name (at most 64 characters). */
const MAX_NAME_LENGTH = 58;
const MODEL_KEYS = ['name', 'fallbacks', 'policy', 'stream', 'fallbackOn', 'registry'] as const;

/** LangChain's part of the options every adapter shares. */
const LANGCHAIN_CHAIN: ChainRules = {
  fallbacks: {
    constraint: 'an array of LangChain chat models',
    check: modelCheck(isChatModel, 'a LangChain chat model (a BaseChatModel)'),
  },
};

/**
 * Validates the options of `factory` (`withResilience` or `resilienceMiddleware`), reporting every problem in one
 * `TypeError` / `RangeError` that names the option, the constraint and the value received.
 */
export function resolveOptions(
  factory: string,
  options: ResilienceMiddlewareOptions | undefined,
  { tools }: { readonly tools: boolean },
): ResolvedModelOptions {
  const v = new OptionsValidator(factory);
  const o = v.object('', options, tools ? [...MODEL_KEYS, 'tools'] : MODEL_KEYS);
  const name = o.name ?? DEFAULT_NAME;
  if (v.name('name', name) && (name as string).length > MAX_NAME_LENGTH) {
    v.fail('name', `at most ${MAX_NAME_LENGTH} characters (the adapter appends ".model")`, name);
  }
  checkChainOptions(v, o, LANGCHAIN_CHAIN);
  if (o.tools !== null && o.tools !== undefined) checkModelPolicy(v, 'tools', o.tools);
  v.done();
  const resolved = o as ResilienceMiddlewareOptions;
  return {
    name: name as string,
    fallbacks: resolved.fallbacks ?? [],
    chain: chainOptionsOf(factory, resolved, LANGCHAIN_CHAIN),
    tools: resolved.tools === undefined ? {} : resolved.tools,
    registry: resolved.registry,
  };
}
