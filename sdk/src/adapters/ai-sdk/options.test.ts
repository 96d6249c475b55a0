import { describe, expect, it } from 'vitest';
import { createPolicy } from '../../pipeline/create-policy.js';
import { resolveAiSdkOptions } from './options.js';
import { scriptedModel } from './test-support/scripted-model.js';

describe('resolveAiSdkOptions', () => {
  const checkAiSdkOptions = (options: unknown) => resolveAiSdkOptions('resilienceMiddleware', options);

  it('accepts the documented options', () => {
    const backup = scriptedModel('backup', [{ answer: 'x' }]).model;
    const options = {
      name: 'chat',
      policy: { retry: { maxRetries: 1 }, attemptTimeoutMs: 5_000 },
      fallbacks: [backup, 'openai/gpt-4.1-mini'],
      stream: { firstChunkTimeoutMs: 1_000, stallTimeoutMs: 500, afterCommit: 'fallback-continue' as const },
      fallbackOn: ['rate_limited' as const, 'server_error' as const],
      registry: null,
    };
    expect(checkAiSdkOptions(options)).toEqual({
      name: 'chat',
      fallbacks: options.fallbacks,
      chain: {
        policy: { ...options.policy, stream: options.stream },
        fallbackOn: options.fallbackOn,
        registry: null,
      },
    });
    expect(checkAiSdkOptions(undefined)).toEqual({
      name: undefined,
      fallbacks: [],
      chain: { policy: { retry: {} } },
    });
    expect(checkAiSdkOptions({ policy: () => ({}) }).chain.policy).toBeTypeOf('function');
  });

  it.each([
    [{ name: 'has space' }, RangeError, /name must be a string of 1-64 characters .*, got "has space"/],
    [
      { fallbacks: [{ modelId: 'x' }] },
      TypeError,
      /fallbacks\[0\] must be a language model .*, got an object/,
    ],
    [{ fallbacks: 'gpt-4o' }, TypeError, /fallbacks must be an array of language models, got "gpt-4o"/],
    [{ stream: { stallTimeoutMs: -1 } }, RangeError, /stream\.stallTimeoutMs must be a number .*, got -1/],
    [
      { stream: { afterCommit: 'retry' } },
      RangeError,
      /stream\.afterCommit must be one of "error", "fallback-continue", got "retry"/,
    ],
    [{ policy: { retry: { maxRetries: -1 } } }, RangeError, /policy\.retry\.maxRetries must be .*, got -1/],
    [
      { policy: { fallback: { value: 1 } } },
      RangeError,
      /policy\.fallback must be absent \(the adapter decides/,
    ],
    [
      { policy: 'fast' },
      TypeError,
      /policy must be policy options, a ResiliencePolicy or a function of the model/,
    ],
    [{ fallbackOn: ['sometimes'] }, RangeError, /fallbackOn\[0\] must be one of .*, got "sometimes"/],
    [{ registry: {} }, TypeError, /registry must be a PolicyRegistry or null, got an object/],
    [{ retries: 3 }, RangeError, /retries is not a known option/],
  ])('rejects %j naming the option, the constraint and the value', (options, type, message) => {
    const check = () => checkAiSdkOptions(options);
    expect(check).toThrow(type);
    expect(check).toThrow(message);
  });

  it('names the factory the user called', () => {
    expect(() => resolveAiSdkOptions('withResilience', { retries: 3 })).toThrow(
      /^Invalid options for withResilience: retries is not a known option/,
    );
  });

  it('refuses stream settings beside a shared policy instance (they belong in its options)', () => {
    const policy = createPolicy('shared', { registry: null });
    expect(() => checkAiSdkOptions({ policy, stream: { stallTimeoutMs: 100 } })).toThrow(
      /stream must be absent when policy is a ResiliencePolicy/,
    );
    policy.dispose();
  });
});
