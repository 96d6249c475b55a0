import type { Model, ModelRequest } from '@openai/agents-core';
import type { PolicyRegistry } from '../../core/registry.js';
import type { StreamOptions } from '../../core/stream-options.js';
import type { ErrorCategory } from '../../semconv.js';
import { OptionsValidator } from '../../util/validate.js';
import { type ChainRules, checkChainOptions, checkFallbacks } from '../shared/chain-options.js';
import type { ModelKey, ModelPolicyOptions } from '../shared/model-chain.js';

/** A model with the name (and provider) its policy and circuit breaker are keyed by. */
export interface NamedModel {
  readonly model: Model;
  /** The model's name, e.g. `gpt-4o-mini`. */
  readonly name: string;
  /** The provider's name, e.g. `openai` or `anthropic`. @default 'openai' */
  readonly provider?: string;
}

/** Settings shared by {@link withResilience} and {@link resilientModelProvider}. */
export interface OpenAIAgentsResilienceOptions {
  /** Name of the model chain's policy; each model's policy is `<name>.<provider>.<model>`. @default 'openai_agents' */
  readonly name?: string;
  /**
   * Options of each model's own policy (each model gets its own circuit breaker), or a function of the model
   * (`{ provider, model }`: the provider and model name its policy is keyed by) returning them, asked once per model
   * when its chain is built (`withResilience` at once, the provider wrapper at `getModel`; an invalid answer throws
   * there), e.g. to give every openai model one shared `circuitBreaker`. The adapter adds its replay-safety check to
   * their retries, so a policy instance is not accepted. @default { retry: {} }
   */
  readonly policy?: ModelPolicyOptions | ((model: ModelKey) => ModelPolicyOptions);
  /**
   * Stream settings of every model's policy (merged over the `stream` of its policy options): first-chunk and stall
   * timeouts. After the first content chunk a failure is not replayed: the stream ends with a `StreamBrokenError`.
   */
  readonly stream?: Pick<StreamOptions, 'firstChunkTimeoutMs' | 'stallTimeoutMs'>;
  /** Failures after which the next model is tried. @default every category but cancelled, validation, programming */
  readonly fallbackOn?: readonly ErrorCategory[];
  /**
   * Whether a request may be sent again (a retry, or a fallback model) after an attempt the provider may already have
   * acted on. Unsafe requests go to the primary model only, and are retried only when the model's own retry advice
   * says the failure is replay-safe (e.g. `x-should-retry: true`). @default requests without `previousResponseId` or
   * `conversationId` (stateless requests carry their whole input)
   */
  readonly replaySafe?: (request: ModelRequest) => boolean;
  /** Registry the policies join; `null` for none. @default defaultRegistry */
  readonly registry?: PolicyRegistry | null;
}

/** Options of {@link withResilience}. */
export interface ResilientModelOptions extends OpenAIAgentsResilienceOptions {
  /** Models tried in order when the primary fails (each with its own policy and breaker). */
  readonly fallbacks?: readonly NamedModel[];
}

/** A fallback of a wrapped provider: a model name of that provider, or another provider's model. */
export type FallbackModel = string | NamedModel;

/** Options of {@link resilientModelProvider}. */
export interface ResilientProviderOptions extends OpenAIAgentsResilienceOptions {
  /** The wrapped provider's name (for the policy names and GenAI attributes). @default 'openai' */
  readonly providerName?: string;
  /**
   * Models tried in order when the requested one fails: the same list for every model (a model is never its own
   * fallback), or a list per requested model name.
   */
  readonly fallbacks?:
    | readonly FallbackModel[]
    | ((modelName: string | undefined) => readonly FallbackModel[]);
}

/** Defaults of the adapter's options. */
export const OPENAI_AGENTS_DEFAULTS = Object.freeze({ name: 'openai_agents', provider: 'openai' });

const SHARED_KEYS = ['name', 'policy', 'stream', 'fallbackOn', 'replaySafe', 'registry', 'fallbacks'];

const isModel = (value: unknown): value is Model =>
  typeof (value as Model | null)?.getResponse === 'function' &&
  typeof (value as Model | null)?.getStreamedResponse === 'function';

function checkNamedModel(v: OptionsValidator, path: string, value: unknown): void {
  const o = v.object(path, value, ['model', 'name', 'provider']);
  if (!isModel(o.model)) v.fail(`${path}.model`, 'a Model (getResponse, getStreamedResponse)', o.model, true);
  if (typeof o.name !== 'string' || o.name === '') v.fail(`${path}.name`, 'a non-empty string', o.name, true);
  if (o.provider !== undefined && (typeof o.provider !== 'string' || o.provider === '')) {
    v.fail(`${path}.provider`, 'a non-empty string', o.provider, true);
  }
}

/** The Agents SDK's part of the options every adapter shares (the fallbacks of {@link withResilience}). */
export const OPENAI_AGENTS_CHAIN: ChainRules = {
  fallbacks: { constraint: 'an array of { model, name, provider? }', check: checkNamedModel },
  policyInstanceRefused: 'the adapter adds its replay-safety check to them',
  streamKeys: ['firstChunkTimeoutMs', 'stallTimeoutMs'],
  checkPolicy: (v, options) => {
    const afterCommit = (options.stream as Record<string, unknown> | undefined)?.afterCommit;
    if (afterCommit === 'fallback-continue') {
      // The runner builds a turn from one response_done: another model's continuation cannot be spliced into it.
      v.fail('stream.afterCommit', '"error" (a committed stream is never continued here)', afterCommit);
    }
  },
};

/** The fallbacks of {@link resilientModelProvider}: model names of the provider or named models, or a function. */
const PROVIDER_FALLBACKS: ChainRules['fallbacks'] = {
  constraint: 'an array of model names or { model, name, provider? }',
  check: (v, path, value) => {
    if (typeof value !== 'string') checkNamedModel(v, path, value);
    else if (value === '') v.fail(path, 'a non-empty model name', value, true);
  },
  orFunction: true,
};

function checkShared(v: OptionsValidator, o: Record<string, unknown>, rules: ChainRules): void {
  if (o.name !== undefined) v.name('name', o.name);
  checkChainOptions(v, o, rules);
  v.func('replaySafe', o.replaySafe);
}

/** Validates the options of {@link withResilience} (and the model it wraps); throws one TypeError/RangeError. */
export function checkModelOptions(primary: unknown, options: unknown): void {
  const v = new OptionsValidator('withResilience');
  checkNamedModel(v, 'model', primary);
  checkShared(v, v.object('', options, SHARED_KEYS), OPENAI_AGENTS_CHAIN);
  v.done();
}

/** Validates the options of {@link resilientModelProvider}; throws one TypeError/RangeError. */
export function checkProviderOptions(provider: unknown, options: unknown): void {
  const v = new OptionsValidator('resilientModelProvider');
  if (typeof (provider as { getModel?: unknown } | null)?.getModel !== 'function') {
    v.fail('provider', 'a ModelProvider (getModel)', provider, true);
  }
  const o = v.object('', options, [...SHARED_KEYS, 'providerName']);
  checkShared(v, o, { ...OPENAI_AGENTS_CHAIN, fallbacks: PROVIDER_FALLBACKS });
  if (o.providerName !== undefined && (typeof o.providerName !== 'string' || o.providerName === '')) {
    v.fail('providerName', 'a non-empty string', o.providerName, true);
  }
  v.done();
}

/** Validates what a `fallbacks` function returned for a model name; throws one TypeError/RangeError. */
export function checkFallbacksOf(modelName: string | undefined, fallbacks: unknown): void {
  const v = new OptionsValidator('resilientModelProvider');
  const path = `fallbacks(${JSON.stringify(modelName)})`;
  if (fallbacks === undefined) v.fail(path, 'an array', fallbacks, true);
  checkFallbacks(v, path, fallbacks, { ...PROVIDER_FALLBACKS, orFunction: false });
  v.done();
}
