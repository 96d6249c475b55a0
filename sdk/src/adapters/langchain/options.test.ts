import { describe, expect, it } from 'vitest';
import { createPolicy } from '../../pipeline/create-policy.js';
import { resolveOptions } from './options.js';
import { ScriptedChatModel } from './test-support/scripted-chat-model.js';

const resolve = (options: unknown, tools = true) =>
  resolveOptions('resilienceMiddleware', options as never, { tools });

describe('resolveOptions (LangChain)', () => {
  it('accepts the documented options, policy as options, a policy or a function of the model', () => {
    const backup = new ScriptedChatModel('claude-y', []);
    const resolved = resolve({
      name: 'support',
      fallbacks: [backup],
      policy: { retry: { maxRetries: 1 }, stream: { firstChunkTimeoutMs: 9 } },
      stream: { stallTimeoutMs: 500, afterCommit: 'fallback-continue' },
      fallbackOn: ['server_error'],
      tools: { retry: {} },
      registry: null,
    });
    expect(resolved).toEqual({
      name: 'support',
      fallbacks: [backup],
      chain: {
        policy: {
          retry: { maxRetries: 1 },
          stream: { firstChunkTimeoutMs: 9, stallTimeoutMs: 500, afterCommit: 'fallback-continue' },
        },
        fallbackOn: ['server_error'],
        registry: null,
      },
      tools: { retry: {} },
      registry: null,
    });
    expect(resolve(undefined)).toMatchObject({ name: 'langchain', fallbacks: [], tools: {} });
    expect(resolve({ policy: () => ({}) }).chain.policy).toBeTypeOf('function');
    const shared = createPolicy('shared', { registry: null });
    expect(resolve({ policy: shared, tools: shared }).chain.policy).toBe(shared);
    shared.dispose();
  });

  it.each([
    [
      { name: 'x'.repeat(59) },
      RangeError,
      /name must be at most 58 characters \(the adapter appends ".model"\)/,
    ],
    [
      { fallbacks: ['gpt-4o'] },
      TypeError,
      /fallbacks\[0\] must be a LangChain chat model \(a BaseChatModel\), got "gpt-4o"/,
    ],
    [{ fallbacks: {} }, TypeError, /fallbacks must be an array of LangChain chat models, got an object/],
    [
      { policy: 'fast' },
      TypeError,
      /policy must be policy options, a ResiliencePolicy or a function of the model, got "fast"/,
    ],
    [
      { policy: { registry: null } },
      RangeError,
      /policy\.registry must be absent \(set the registry option\)/,
    ],
    [
      { stream: { stallTimeoutMs: -1 } },
      RangeError,
      /stream\.stallTimeoutMs must be a number in \(0, 2147483647\], got -1/,
    ],
    [{ tools: 'none' }, TypeError, /tools must be policy options or a ResiliencePolicy, got "none"/],
    [{ tools: { retry: { maxRetries: -1 } } }, RangeError, /tools\.retry\.maxRetries must be .*, got -1/],
    [{ fallbackOn: ['often'] }, RangeError, /fallbackOn\[0\] must be one of .*, got "often"/],
  ])('rejects %j naming the factory, the option, the constraint and the value', (options, type, message) => {
    expect(() => resolve(options)).toThrow(type);
    expect(() => resolve(options)).toThrow(message);
    expect(() => resolve(options)).toThrow(/^Invalid options for resilienceMiddleware: /);
  });

  it('takes tools only for the middleware', () => {
    expect(() => resolve({ tools: null }, false)).toThrow(/tools is not a known option/);
  });

  it('refuses stream settings beside a shared policy instance', () => {
    const shared = createPolicy('shared', { registry: null });
    expect(() => resolve({ policy: shared, stream: { stallTimeoutMs: 5 } })).toThrow(
      /stream must be absent when policy is a ResiliencePolicy/,
    );
    shared.dispose();
  });
});
