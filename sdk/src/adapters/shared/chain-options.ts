import { PolicyRegistry } from '../../core/registry.js';
import type { StreamOptions } from '../../core/stream-options.js';
import { ResiliencePolicy } from '../../pipeline/create-policy.js';
import { checkPolicyOptions, POLICY_KEYS } from '../../pipeline/options.js';
import { ERROR_CATEGORIES, type ErrorCategory } from '../../semconv.js';
import { OptionsValidator } from '../../util/validate.js';
import type { ModelChainOptions, ModelKey, ModelPolicy, ModelPolicyOptions } from './model-chain.js';

/** The options every framework adapter takes for its model chain. */
export interface ChainOptions {
  /** Each model's policy options, one policy for every model, or a function of the model choosing either. */
  readonly policy?: ModelChainOptions['policy'];
  /** Stream settings merged into each model's policy options. */
  readonly stream?: StreamOptions;
  readonly fallbackOn?: readonly ErrorCategory[];
  readonly registry?: PolicyRegistry | null;
}

/** What an adapter's `fallbacks` must be. */
export interface FallbacksRule {
  /** The constraint on the whole option, e.g. `an array of language models`. */
  readonly constraint: string;
  /** Checks one fallback, reporting into `v` at `path` (`fallbacks[i]`). */
  readonly check: (v: OptionsValidator, path: string, value: unknown) => void;
  /** Whether `fallbacks` may also be a function (its answers are checked by the adapter when it calls it). */
  readonly orFunction?: boolean;
}

/** How one adapter differs in the options the adapters share. */
export interface ChainRules {
  readonly fallbacks: FallbacksRule;
  /** Why a model's policy may not be a `ResiliencePolicy`; absent when it may. */
  readonly policyInstanceRefused?: string;
  /** The `stream` keys the adapter takes. @default every key of StreamOptions */
  readonly streamKeys?: readonly (keyof StreamOptions)[];
  /** The adapter's own checks of a model's policy options, reported into `v` (at the options' path). */
  readonly checkPolicy?: (v: OptionsValidator, options: Readonly<Record<string, unknown>>) => void;
}

/** The options of a policy the adapter builds for a model or a tool (it sets `fallback` and `registry` itself). */
const MODEL_POLICY_KEYS = POLICY_KEYS.filter(key => key !== 'fallback' && key !== 'registry');
const STREAM_KEYS: readonly (keyof StreamOptions)[] = [
  'firstChunkTimeoutMs',
  'stallTimeoutMs',
  'afterCommit',
];

/** A check of one fallback model: `is` tells a model, `constraint` says what it must be. */
export function modelCheck(is: (value: unknown) => boolean, constraint: string): FallbacksRule['check'] {
  return (v, path, value) => {
    if (!is(value)) v.fail(path, constraint, value, true);
  };
}

/**
 * Checks the policy of a model (or of a tool): options without `fallback` and `registry`, a `ResiliencePolicy`
 * (unless `rules.policyInstanceRefused` says why not) or, with `orFunction`, a function (of the model).
 */
export function checkModelPolicy(
  v: OptionsValidator,
  path: string,
  value: unknown,
  rules: Pick<ChainRules, 'policyInstanceRefused' | 'checkPolicy'> = {},
  { orFunction = false }: { readonly orFunction?: boolean } = {},
): void {
  const refused = rules.policyInstanceRefused;
  if (orFunction && typeof value === 'function') return;
  if (value instanceof ResiliencePolicy) {
    if (refused !== undefined) v.fail(path, `policy options, not a policy (${refused})`, value, true);
    return;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const others = [
      ...(refused === undefined ? ['a ResiliencePolicy'] : []),
      ...(orFunction ? ['a function of the model'] : []),
    ];
    const last = others.pop();
    v.fail(
      path,
      ['policy options', ...others].join(', ') + (last === undefined ? '' : ` or ${last}`),
      value,
      true,
    );
    return;
  }
  const { fallback, registry, ...options } = value as Record<string, unknown>;
  if ('fallback' in value) {
    v.fail(
      `${path}.fallback`,
      'absent (the adapter decides what a failure falls back to; fallback models go in fallbacks)',
      fallback,
    );
  }
  if ('registry' in value) v.fail(`${path}.registry`, 'absent (set the registry option)', registry);
  checkPolicyOptions(v.at(path), options, MODEL_POLICY_KEYS);
  rules.checkPolicy?.(v.at(path), options);
}

/** Checks a list of fallbacks at `path` (`fallbacks`, or what a `fallbacks` function returned). */
export function checkFallbacks(v: OptionsValidator, path: string, value: unknown, rule: FallbacksRule): void {
  if (value === undefined || (rule.orFunction === true && typeof value === 'function')) return;
  if (!Array.isArray(value)) v.fail(path, rule.constraint, value, true);
  else for (const [i, fallback] of value.entries()) rule.check(v, `${path}[${i}]`, fallback);
}

/**
 * Checks the options the adapters share (`policy`, `stream`, `fallbacks`, `fallbackOn`, `registry`) of the
 * options object `o` into `v`; the adapter checks its own (`name`...) and calls `v.done()`.
 */
export function checkChainOptions(v: OptionsValidator, o: Record<string, unknown>, rules: ChainRules): void {
  const { policy, stream } = o;
  if (policy !== undefined) checkModelPolicy(v, 'policy', policy, rules, { orFunction: true });
  if (stream !== undefined && policy instanceof ResiliencePolicy) {
    v.fail(
      'stream',
      'absent when policy is a ResiliencePolicy (set stream in its createPolicy options)',
      stream,
    );
  } else if (stream !== undefined) {
    // Unknown keys are reported here; the known ones are checked as a policy's stream settings.
    const keys: readonly string[] = rules.streamKeys ?? STREAM_KEYS;
    const given = v.object('stream', stream, keys);
    const known = Object.fromEntries(keys.filter(key => key in given).map(key => [key, given[key]]));
    checkPolicyOptions(v, { stream: known }, ['stream']);
  }
  checkFallbacks(v, 'fallbacks', o.fallbacks, rules.fallbacks);
  if (o.fallbackOn !== undefined && !Array.isArray(o.fallbackOn)) {
    v.fail('fallbackOn', 'an array of error categories', o.fallbackOn, true);
  } else {
    for (const [i, category] of (o.fallbackOn ?? []).entries())
      v.oneOf(`fallbackOn[${i}]`, category, ERROR_CATEGORIES);
  }
  v.instance('registry', o.registry, PolicyRegistry, 'a PolicyRegistry', { nullable: true });
}

/** `options` with `stream` merged over their own stream settings. */
function withStream(options: ModelPolicyOptions, stream: StreamOptions | undefined): ModelPolicyOptions {
  return stream === undefined ? options : { ...options, stream: { ...options.stream, ...stream } };
}

/**
 * The {@link ModelChainOptions} of checked adapter options: `stream` merged into each model's policy options and
 * `refine` applied to them (openai-agents adds its replay guard). A `policy` function's answer for each model is
 * checked like static options, as `policy(<provider>/<model>)` of `factory`, when the chain asks it (as it is built).
 */
export function chainOptionsOf(
  factory: string,
  options: ChainOptions,
  rules: ChainRules,
  refine: (options: ModelPolicyOptions) => ModelPolicyOptions = options => options,
): ModelChainOptions {
  const { policy, stream, fallbackOn, registry } = options;
  const chain = {
    ...(fallbackOn === undefined ? {} : { fallbackOn }),
    ...(registry === undefined ? {} : { registry }),
  };
  if (policy instanceof ResiliencePolicy) return { ...chain, policy };
  if (typeof policy !== 'function')
    return { ...chain, policy: refine(withStream(policy ?? { retry: {} }, stream)) };
  return {
    ...chain,
    policy: (model: ModelKey): ModelPolicy => {
      const chosen: unknown = policy(model);
      const v = new OptionsValidator(factory);
      const path = `policy(${model.provider}/${model.model})`;
      checkModelPolicy(v, path, chosen, rules);
      if (stream !== undefined && chosen instanceof ResiliencePolicy) {
        v.fail(
          path,
          'policy options while stream is set (a ResiliencePolicy keeps its own stream settings)',
          chosen,
          true,
        );
      }
      v.done();
      return chosen instanceof ResiliencePolicy
        ? (chosen as ResiliencePolicy)
        : refine(withStream(chosen as ModelPolicyOptions, stream));
    },
  };
}
