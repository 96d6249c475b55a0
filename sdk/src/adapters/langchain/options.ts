import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { PolicyRegistry } from '../../core/registry.js';
import type { StreamOptions } from '../../core/stream-options.js';
import { ResiliencePolicy } from '../../pipeline/create-policy.js';
import { checkPolicyOptions, POLICY_KEYS, type PolicyOptions } from '../../pipeline/options.js';
import { ERROR_CATEGORIES, type ErrorCategory } from '../../semconv.js';
import { OptionsValidator } from '../../util/validate.js';
import type { ModelChainOptions } from '../shared/model-chain.js';
import { isChatModel } from './model-identity.js';

/** Options of each model's (or tool's) own policy; the adapter sets `fallback` (the model chain) and `registry`. */
export type AdapterPolicyOptions = Omit<PolicyOptions<never>, 'fallback' | 'registry'>;

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
   * Options of each model's own policy (each model gets its own breaker, keyed by provider + model id), or one
   * `ResiliencePolicy` shared by every model. @default { retry: {} }
   */
  readonly policy?: AdapterPolicyOptions | ResiliencePolicy;
  /**
   * Stream settings of each model's policy, merged into `policy.stream`: `firstChunkTimeoutMs`, `stallTimeoutMs`,
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
const ADAPTER_POLICY_KEYS = POLICY_KEYS.filter(key => key !== 'fallback' && key !== 'registry');
const MODEL_KEYS = ['name', 'fallbacks', 'policy', 'stream', 'fallbackOn', 'registry'] as const;

function checkPolicy(v: OptionsValidator, path: string, value: unknown): void {
  if (value === undefined || value instanceof ResiliencePolicy) return;
  checkPolicyOptions(v.at(path), value, ADAPTER_POLICY_KEYS);
}

/** Policy options of each model: `policy` with `stream` merged in. */
function modelPolicy(
  policy: ResilientModelOptions['policy'],
  stream: StreamOptions | undefined,
): ModelChainOptions['policy'] {
  if (stream === undefined || policy instanceof ResiliencePolicy) return policy;
  const base = policy ?? { retry: {} };
  return { ...base, stream: { ...base.stream, ...stream } };
}

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
  const fallbacks = o.fallbacks ?? [];
  if (!Array.isArray(fallbacks)) v.fail('fallbacks', 'an array of LangChain chat models', fallbacks, true);
  else
    for (const [i, model] of fallbacks.entries()) {
      if (!isChatModel(model))
        v.fail(`fallbacks[${i}]`, 'a LangChain chat model (a BaseChatModel)', model, true);
    }
  checkPolicy(v, 'policy', o.policy);
  if (o.stream !== undefined) {
    if (o.policy instanceof ResiliencePolicy)
      v.fail(
        'stream',
        'unset when policy is a shared ResiliencePolicy (set stream on that policy)',
        o.stream,
      );
    else checkPolicyOptions(v, { stream: o.stream }, ['stream']);
  }
  if (o.fallbackOn !== undefined) {
    if (!Array.isArray(o.fallbackOn))
      v.fail('fallbackOn', 'an array of error categories', o.fallbackOn, true);
    else for (const [i, c] of o.fallbackOn.entries()) v.oneOf(`fallbackOn[${i}]`, c, ERROR_CATEGORIES);
  }
  v.instance('registry', o.registry, PolicyRegistry, 'a PolicyRegistry', { nullable: true });
  if (o.tools !== null) checkPolicy(v, 'tools', o.tools);
  v.done();
  const resolved = o as ResilienceMiddlewareOptions;
  return {
    name: name as string,
    fallbacks: fallbacks as BaseChatModel[],
    chain: {
      policy: modelPolicy(resolved.policy, resolved.stream),
      ...(resolved.fallbackOn === undefined ? {} : { fallbackOn: resolved.fallbackOn }),
      ...(resolved.registry === undefined ? {} : { registry: resolved.registry }),
    },
    tools: resolved.tools === undefined ? {} : resolved.tools,
    registry: resolved.registry,
  };
}
