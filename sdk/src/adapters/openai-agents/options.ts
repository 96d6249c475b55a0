import type { Model, ModelRequest } from '@openai/agents-core';
import { PolicyRegistry } from '../../core/registry.js';
import type { StreamOptions } from '../../core/stream-options.js';
import { ResiliencePolicy } from '../../pipeline/create-policy.js';
import type { PolicyOptions } from '../../pipeline/options.js';
import { ERROR_CATEGORIES, type ErrorCategory } from '../../semconv.js';
import { OptionsValidator } from '../../util/validate.js';

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
   * Options of each model's own policy (each model gets its own circuit breaker). The adapter adds its replay-safety
   * check to their retries, so a policy instance is not accepted. @default { retry: {} }
   */
  readonly policy?: Omit<PolicyOptions<never>, 'fallback' | 'registry'>;
  /**
   * Stream settings of every model's policy (merged over `policy.stream`): first-chunk and stall timeouts. After the
   * first content chunk a failure is not replayed: the stream ends with a `StreamBrokenError`.
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

function checkShared(v: OptionsValidator, o: Record<string, unknown>): void {
  if (o.name !== undefined) v.name('name', o.name);
  const policy = o.policy as Record<string, unknown> | undefined;
  if (policy !== undefined && (typeof policy !== 'object' || policy === null || Array.isArray(policy))) {
    v.fail('policy', 'policy options', policy, true);
  } else if (policy instanceof ResiliencePolicy) {
    v.fail(
      'policy',
      'policy options, not a policy (the adapter adds its replay-safety check to them)',
      policy,
      true,
    );
  } else if (policy !== undefined) {
    if ('fallback' in policy || 'registry' in policy) {
      v.fail('policy', 'options without fallback or registry (use fallbacks and registry)', policy, true);
    }
    v.func('policy.retry.shouldRetry', (policy.retry as Record<string, unknown> | undefined)?.shouldRetry);
    const afterCommit = (policy.stream as Record<string, unknown> | undefined)?.afterCommit;
    if (afterCommit !== undefined && afterCommit !== 'error') {
      // The runner builds a turn from one response_done: another model's continuation cannot be spliced into it.
      v.fail(
        'policy.stream.afterCommit',
        '"error" (a committed stream is never continued here)',
        afterCommit,
      );
    }
  }
  const stream = v.object('stream', o.stream, ['firstChunkTimeoutMs', 'stallTimeoutMs']);
  v.delay('stream.firstChunkTimeoutMs', stream.firstChunkTimeoutMs, { above: 0 });
  v.delay('stream.stallTimeoutMs', stream.stallTimeoutMs, { above: 0 });
  if (o.fallbackOn !== undefined && !Array.isArray(o.fallbackOn)) {
    v.fail('fallbackOn', 'an array of error categories', o.fallbackOn, true);
  }
  for (const [i, category] of (Array.isArray(o.fallbackOn) ? o.fallbackOn : []).entries()) {
    v.oneOf(`fallbackOn[${i}]`, category, ERROR_CATEGORIES);
  }
  v.func('replaySafe', o.replaySafe);
  v.instance('registry', o.registry, PolicyRegistry, 'a PolicyRegistry', { nullable: true });
}

/** Validates the options of {@link withResilience} (and the model it wraps); throws one TypeError/RangeError. */
export function checkModelOptions(primary: unknown, options: unknown): void {
  const v = new OptionsValidator('withResilience');
  checkNamedModel(v, 'model', primary);
  const o = v.object('', options, SHARED_KEYS);
  checkShared(v, o);
  if (o.fallbacks !== undefined && !Array.isArray(o.fallbacks)) {
    v.fail('fallbacks', 'an array of { model, name, provider? }', o.fallbacks, true);
  }
  for (const [i, fallback] of (Array.isArray(o.fallbacks) ? o.fallbacks : []).entries()) {
    checkNamedModel(v, `fallbacks[${i}]`, fallback);
  }
  v.done();
}

/** Validates the options of {@link resilientModelProvider}; throws one TypeError/RangeError. */
export function checkProviderOptions(provider: unknown, options: unknown): void {
  const v = new OptionsValidator('resilientModelProvider');
  if (typeof (provider as { getModel?: unknown } | null)?.getModel !== 'function') {
    v.fail('provider', 'a ModelProvider (getModel)', provider, true);
  }
  const o = v.object('', options, [...SHARED_KEYS, 'providerName']);
  checkShared(v, o);
  if (o.providerName !== undefined && (typeof o.providerName !== 'string' || o.providerName === '')) {
    v.fail('providerName', 'a non-empty string', o.providerName, true);
  }
  if (typeof o.fallbacks !== 'function') checkFallbackList(v, 'fallbacks', o.fallbacks);
  v.done();
}

function checkFallbackList(v: OptionsValidator, path: string, fallbacks: unknown): void {
  if (fallbacks !== undefined && !Array.isArray(fallbacks)) {
    v.fail(path, 'an array of model names or { model, name, provider? }', fallbacks, true);
  }
  for (const [i, fallback] of (Array.isArray(fallbacks) ? fallbacks : []).entries()) {
    if (typeof fallback === 'string') {
      if (fallback === '') v.fail(`${path}[${i}]`, 'a non-empty model name', fallback, true);
    } else checkNamedModel(v, `${path}[${i}]`, fallback);
  }
}

/** Validates what a `fallbacks` function returned for a model name; throws one TypeError/RangeError. */
export function checkFallbacksOf(modelName: string | undefined, fallbacks: unknown): void {
  const v = new OptionsValidator('resilientModelProvider');
  if (fallbacks === undefined) v.fail(`fallbacks(${JSON.stringify(modelName)})`, 'an array', fallbacks, true);
  checkFallbackList(v, `fallbacks(${JSON.stringify(modelName)})`, fallbacks);
  v.done();
}
