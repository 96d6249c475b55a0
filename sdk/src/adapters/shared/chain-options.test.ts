import { describe, expect, it } from 'vitest';
import { PolicyRegistry } from '../../core/registry.js';
import { createPolicy } from '../../pipeline/create-policy.js';
import { OptionsValidator } from '../../util/validate.js';
import { type ChainRules, chainOptionsOf, checkChainOptions, modelCheck } from './chain-options.js';
import type { ModelKey, ModelPolicy } from './model-chain.js';

const RULES: ChainRules = {
  fallbacks: { constraint: 'an array of models', check: modelCheck(v => v === 'model', 'a model') },
};
/** An adapter that takes no policy instance, only some stream keys and no continuation (like openai-agents). */
const STRICT: ChainRules = {
  ...RULES,
  policyInstanceRefused: 'the adapter adds to them',
  streamKeys: ['stallTimeoutMs'],
  checkPolicy: (v, options) => {
    if ((options.stream as { afterCommit?: unknown } | undefined)?.afterCommit === 'fallback-continue')
      v.fail('stream.afterCommit', '"error"', 'fallback-continue');
  },
};

const check =
  (options: Record<string, unknown>, rules = RULES) =>
  () => {
    const v = new OptionsValidator('withResilience');
    checkChainOptions(v, options, rules);
    v.done();
  };

const gpt: ModelKey = { provider: 'openai', model: 'gpt-4o' };
/** The policy a chain built from `options` would give `model`. */
function policyFor(options: ReturnType<typeof chainOptionsOf>, model = gpt): ModelPolicy | undefined {
  const { policy } = options;
  return typeof policy === 'function' ? policy(model) : policy;
}

describe('checkChainOptions', () => {
  it('accepts policy options, a policy, a function of the model, and the other shared options', () => {
    const shared = createPolicy('shared', { registry: null });
    expect(check({ policy: { retry: { maxRetries: 1 } }, stream: { stallTimeoutMs: 5 } })).not.toThrow();
    expect(
      check({ policy: shared, fallbacks: ['model'], fallbackOn: ['timeout'], registry: null }),
    ).not.toThrow();
    expect(check({ policy: () => ({}), stream: { afterCommit: 'fallback-continue' } })).not.toThrow();
    expect(check({ registry: new PolicyRegistry() })).not.toThrow();
    shared.dispose();
  });

  it.each([
    [
      { policy: 3 },
      TypeError,
      /policy must be policy options, a ResiliencePolicy or a function of the model, got 3/,
    ],
    [{ policy: { retry: { maxRetries: -1 } } }, RangeError, /policy\.retry\.maxRetries must be .*, got -1/],
    [{ policy: { retries: 3 } }, RangeError, /policy\.retries is not a known option/],
    [
      { policy: { fallback: { value: 1 } } },
      RangeError,
      /policy\.fallback must be absent \(the adapter decides/,
    ],
    [
      { policy: { registry: null } },
      RangeError,
      /policy\.registry must be absent \(set the registry option\), got null/,
    ],
    [{ stream: { stallTimeoutMs: -1 } }, RangeError, /stream\.stallTimeoutMs must be a number .*, got -1/],
    [
      { stream: { afterCommit: 'retry' } },
      RangeError,
      /stream\.afterCommit must be one of "error", "fallback-continue"/,
    ],
    [{ stream: 'fast' }, TypeError, /stream must be an object, got "fast"/],
    [{ fallbacks: 'model' }, TypeError, /fallbacks must be an array of models, got "model"/],
    [{ fallbacks: ['model', 7] }, TypeError, /fallbacks\[1\] must be a model, got 7/],
    [{ fallbackOn: 'timeout' }, TypeError, /fallbackOn must be an array of error categories, got "timeout"/],
    [{ fallbackOn: ['sometimes'] }, RangeError, /fallbackOn\[0\] must be one of .*, got "sometimes"/],
    [{ registry: {} }, TypeError, /registry must be a PolicyRegistry or null, got an object/],
  ])('rejects %j, naming the factory, the option, the constraint and the value', (options, type, message) => {
    expect(check(options)).toThrow(type);
    expect(check(options)).toThrow(message);
    expect(check(options)).toThrow(/^Invalid options for withResilience: /);
  });

  it('refuses stream settings beside a policy instance (they belong in its options)', () => {
    const shared = createPolicy('shared', { registry: null });
    expect(check({ policy: shared, stream: { stallTimeoutMs: 100 } })).toThrow(
      /stream must be absent when policy is a ResiliencePolicy \(set stream in its createPolicy options\)/,
    );
    shared.dispose();
  });

  it("applies an adapter's own rules: no policy instance, fewer stream keys, its policy checks", () => {
    const shared = createPolicy('shared', { registry: null });
    expect(check({ policy: shared }, STRICT)).toThrow(
      /policy must be policy options, not a policy \(the adapter adds to them\)/,
    );
    expect(check({ policy: 3 }, STRICT)).toThrow(
      /policy must be policy options or a function of the model, got 3/,
    );
    expect(check({ stream: { firstChunkTimeoutMs: 5 } }, STRICT)).toThrow(
      /stream\.firstChunkTimeoutMs is not a known option/,
    );
    expect(check({ stream: { stallTimeoutMs: 0 } }, STRICT)).toThrow(
      /stream\.stallTimeoutMs must be a number in \(0,/,
    );
    expect(check({ policy: { stream: { afterCommit: 'fallback-continue' } } }, STRICT)).toThrow(
      /policy\.stream\.afterCommit must be "error"/,
    );
    shared.dispose();
  });
});

describe('chainOptionsOf', () => {
  it('merges stream into the policy options, over their own stream settings, and passes the chain options on', () => {
    const options = chainOptionsOf(
      'withResilience',
      {
        policy: { attemptTimeoutMs: 5, stream: { stallTimeoutMs: 1, firstChunkTimeoutMs: 2 } },
        stream: { stallTimeoutMs: 3 },
        fallbackOn: ['timeout'],
        registry: null,
      },
      RULES,
    );
    expect(options).toEqual({
      policy: { attemptTimeoutMs: 5, stream: { stallTimeoutMs: 3, firstChunkTimeoutMs: 2 } },
      fallbackOn: ['timeout'],
      registry: null,
    });
    expect(chainOptionsOf('f', { stream: { stallTimeoutMs: 3 } }, RULES).policy).toEqual({
      retry: {},
      stream: { stallTimeoutMs: 3 },
    });
    const shared = createPolicy('shared', { registry: null });
    expect(chainOptionsOf('f', { policy: shared }, RULES).policy).toBe(shared);
    shared.dispose();
  });

  it("asks a policy function per model, merging stream and the adapter's refinement into its answer", () => {
    const asked: ModelKey[] = [];
    const options = chainOptionsOf(
      'f',
      {
        policy: model => {
          asked.push(model);
          return model.provider === 'openai' ? { attemptTimeoutMs: 5 } : {};
        },
        stream: { stallTimeoutMs: 3 },
      },
      RULES,
      policy => ({ ...policy, attemptSpans: 'always' }),
    );
    expect(policyFor(options)).toEqual({
      attemptTimeoutMs: 5,
      stream: { stallTimeoutMs: 3 },
      attemptSpans: 'always',
    });
    expect(asked).toEqual([gpt]);
  });

  it.each([
    [
      () => undefined,
      TypeError,
      /policy\(openai\/gpt-4o\) must be policy options or a ResiliencePolicy, got undefined/,
    ],
    [
      () => ({ retry: { maxRetries: -1 } }),
      RangeError,
      /policy\(openai\/gpt-4o\)\.retry\.maxRetries must be .*, got -1/,
    ],
    [() => ({ fallback: { value: 1 } }), RangeError, /policy\(openai\/gpt-4o\)\.fallback must be absent/],
  ])(
    'rejects a bad answer of the policy function for the model, naming the factory and the model',
    (policy, type, message) => {
      const options = chainOptionsOf('resilienceMiddleware', { policy: policy as never }, RULES);
      expect(() => policyFor(options)).toThrow(type);
      expect(() => policyFor(options)).toThrow(message);
      expect(() => policyFor(options)).toThrow(/^Invalid options for resilienceMiddleware: /);
    },
  );

  it('returns a policy the function chose as it is, unless stream is set or the adapter refuses one', () => {
    const shared = createPolicy('shared', { registry: null });
    expect(policyFor(chainOptionsOf('f', { policy: () => shared }, RULES))).toBe(shared);
    expect(() =>
      policyFor(chainOptionsOf('f', { policy: () => shared, stream: { stallTimeoutMs: 1 } }, RULES)),
    ).toThrow(/policy\(openai\/gpt-4o\) must be policy options while stream is set/);
    expect(() => policyFor(chainOptionsOf('f', { policy: () => shared }, STRICT))).toThrow(
      /policy\(openai\/gpt-4o\) must be policy options, not a policy \(the adapter adds to them\)/,
    );
    expect(() =>
      policyFor(
        chainOptionsOf('f', { policy: () => ({ stream: { afterCommit: 'fallback-continue' } }) }, STRICT),
      ),
    ).toThrow(/policy\(openai\/gpt-4o\)\.stream\.afterCommit must be "error"/);
    shared.dispose();
  });
});
