import type { Model, ModelProvider } from '@openai/agents-core';
import { describe, expect, it, vi } from 'vitest';
import { PolicyRegistry } from '../../core/registry.js';
import { createPolicy } from '../../pipeline/create-policy.js';
import { createCircuitBreaker } from '../../policies/create-circuit-breaker.js';
import { httpError } from '../../test-support/errors.js';
import { withResilience } from './resilient-model.js';
import { resilientModelProvider } from './resilient-provider.js';
import { requestOf, ScriptedModel, textOf } from './test-support/scripted-model.js';

/** A provider of scripted models by name, counting lookups. */
function providerOf(models: Record<string, ScriptedModel>) {
  const lookups: (string | undefined)[] = [];
  const provider: ModelProvider = {
    getModel: async (name?: string): Promise<Model> => {
      lookups.push(name);
      const model = models[name ?? 'default'];
      if (model === undefined) throw new Error(`no model ${name}`);
      return model;
    },
  };
  return { provider, lookups };
}

describe('resilientModelProvider', () => {
  it('serves each model name through one resilient model, looking fallbacks up only when needed', async () => {
    const primary = new ScriptedModel([], { fail: httpError(503) });
    const backup = new ScriptedModel([], { answer: 'From the mini model.' });
    const { provider, lookups } = providerOf({ 'gpt-4o': primary, 'gpt-4o-mini': backup });
    const wrapped = resilientModelProvider(provider, {
      registry: null,
      fallbacks: ['gpt-4o-mini'],
      policy: {},
    });
    const model = await wrapped.getModel('gpt-4o');
    expect(await wrapped.getModel('gpt-4o')).toBe(model);
    expect(lookups).toEqual(['gpt-4o']);
    expect(textOf(await model.getResponse(requestOf()))).toBe('From the mini model.');
    expect(lookups).toEqual(['gpt-4o', 'gpt-4o-mini']);
    // A model is never its own fallback.
    const mini = await wrapped.getModel('gpt-4o-mini');
    expect(textOf(await mini.getResponse(requestOf()))).toBe('From the mini model.');
    wrapped.dispose();
  });

  it('names the policies after the requested model and takes a fallback list per model name', async () => {
    const claude = new ScriptedModel([], { answer: 'From claude.' });
    const { provider } = providerOf({ 'gpt-4o': new ScriptedModel([], { fail: httpError(500) }) });
    const wrapped = resilientModelProvider(provider, {
      registry: null,
      name: 'support',
      policy: {},
      fallbacks: name =>
        name === 'gpt-4o' ? [{ model: claude, name: 'claude', provider: 'anthropic' }] : [],
    });
    const model = await wrapped.getModel('gpt-4o');
    expect(model.policyOf(0).name).toBe('support.gpt-4o.openai.gpt-4o');
    expect(model.policyOf(1).name).toBe('support.gpt-4o.anthropic.claude');
    expect(textOf(await model.getResponse(requestOf()))).toBe('From claude.');
    wrapped.dispose();
  });

  it('looks a model up again after a failed lookup, and rejects a bad fallbacks() answer clearly', async () => {
    const { provider } = providerOf({ 'gpt-4o': new ScriptedModel() });
    const wrapped = resilientModelProvider(provider, { registry: null });
    await expect(wrapped.getModel('nope')).rejects.toThrow('no model nope');
    await expect(wrapped.getModel('nope')).rejects.toThrow('no model nope');
    const bad = resilientModelProvider(provider, {
      registry: null,
      fallbacks: () => [''] as string[],
    });
    await expect(bad.getModel('gpt-4o')).rejects.toThrow(
      /fallbacks\("gpt-4o"\)\[0\] must be a non-empty model name, got ""/,
    );
    wrapped.dispose();
  });
});

describe('policy as a function of the model, and policies()', () => {
  it('gives the openai models of every requested model one shared breaker, the backup its own policy', async () => {
    const registry = new PolicyRegistry();
    const openaiBreaker = createCircuitBreaker('openai', {
      breaker: { kind: 'consecutive', threshold: 1 },
      registry,
    });
    const asked: string[] = [];
    const claude = new ScriptedModel([], { answer: 'From claude.' });
    const mini = new ScriptedModel([], { answer: 'From mini.' });
    const { provider } = providerOf({
      'gpt-4o': new ScriptedModel([], { fail: httpError(503) }),
      'gpt-4o-mini': mini,
    });
    const wrapped = resilientModelProvider(provider, {
      registry,
      fallbacks: [{ model: claude, name: 'claude', provider: 'anthropic' }],
      policy: ({ provider: name, model }) => {
        asked.push(`${name}/${model}`);
        return name === 'openai' ? { circuitBreaker: openaiBreaker } : {};
      },
    });
    const gpt = await wrapped.getModel('gpt-4o');
    const other = await wrapped.getModel('gpt-4o-mini');
    expect(asked).toEqual(['openai/gpt-4o', 'anthropic/claude', 'openai/gpt-4o-mini', 'anthropic/claude']);
    expect(textOf(await gpt.getResponse(requestOf()))).toBe('From claude.');
    // gpt-4o's failure opened the provider's breaker: gpt-4o-mini is not asked either.
    expect(textOf(await other.getResponse(requestOf()))).toBe('From claude.');
    expect(mini.requests).toHaveLength(0);
    expect([...wrapped.policies().keys()]).toEqual([
      'openai_agents.gpt-4o',
      'openai_agents.gpt-4o.openai.gpt-4o',
      'openai_agents.gpt-4o.anthropic.claude',
      'openai_agents.gpt-4o-mini',
      'openai_agents.gpt-4o-mini.openai.gpt-4o-mini',
      'openai_agents.gpt-4o-mini.anthropic.claude',
    ]);
    expect(gpt.policies().get('openai_agents.gpt-4o.openai.gpt-4o')?.circuitBreaker).toBe(openaiBreaker);
    wrapped.dispose();
    expect(wrapped.policies().size).toBe(0);
    expect(registry.list('circuitBreaker').map(b => b.name)).toEqual(['openai']);
    openaiBreaker.dispose();
  });

  it('checks each answer as policy options: bad options or a policy instance are refused at getModel', async () => {
    const registry = new PolicyRegistry();
    const shared = createPolicy('shared', { registry });
    const { provider } = providerOf({ 'gpt-4o': new ScriptedModel() });
    const bad = resilientModelProvider(provider, { registry, policy: () => ({ attemptTimeoutMs: 0 }) });
    await expect(bad.getModel('gpt-4o')).rejects.toThrow(
      /^Invalid options for resilientModelProvider: policy\(openai\/gpt-4o\)\.attemptTimeoutMs must be a number in \(0, .*, got 0/,
    );
    const instance = resilientModelProvider(provider, { registry, policy: () => shared as never });
    await expect(instance.getModel('gpt-4o')).rejects.toThrow(
      /policy\(openai\/gpt-4o\) must be policy options, not a policy \(the adapter adds its replay-safety check to them\)/,
    );
    expect(registry.list('policy').map(p => p.name)).toEqual(['shared']);
    shared.dispose();
  });

  it("adds the replay guard to the function's retries: a stateful request is not retried after a 503", async () => {
    vi.useFakeTimers();
    const primary = new ScriptedModel([{ fail: httpError(503) }, { fail: httpError(503) }]);
    const model = withResilience(
      { model: primary, name: 'gpt-4o' },
      { registry: null, policy: () => ({ retry: { initialDelayMs: 100 } }) },
    );
    const failure = model.getResponse(requestOf({ previousResponseId: 'resp_0' })).catch(e => e);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(await failure).toBeInstanceOf(Error);
    expect(primary.requests).toHaveLength(1);
    // A stateless request is retried by the same policy.
    const answer = model.getResponse(requestOf());
    await vi.advanceTimersByTimeAsync(10_000);
    expect(textOf(await answer)).toBe('Hello there.');
    expect(primary.requests).toHaveLength(3);
    model.dispose();
    vi.useRealTimers();
  });
});

describe('resilientModelProvider.dispose', () => {
  it('unregisters the policies of the models built, also of one still being built', async () => {
    const registry = new PolicyRegistry();
    let release: (model: Model) => void = () => {};
    const slow = new Promise<Model>(resolve => {
      release = resolve;
    });
    const provider: ModelProvider = { getModel: name => (name === 'slow' ? slow : new ScriptedModel()) };
    const wrapped = resilientModelProvider(provider, { registry });
    await wrapped.getModel('gpt-4o');
    const pending = wrapped.getModel('slow');
    const names = () => registry.list('policy').map(p => p.name);
    expect(names()).toEqual(['openai_agents.gpt-4o', 'openai_agents.gpt-4o.openai.gpt-4o']);
    wrapped.dispose();
    release(new ScriptedModel());
    await pending;
    expect(names()).toEqual([]);
    // Built again on the next request, under the same names.
    await wrapped.getModel('gpt-4o');
    expect(names()).toHaveLength(2);
    wrapped.dispose();
  });
});

describe('option validation', () => {
  const model = new ScriptedModel();

  it.each([
    ['a bad name', { name: 'bad name' }, /name must be a string of 1-64 characters/, RangeError],
    [
      'a policy instance',
      { policy: createPolicy('p', { registry: null }) },
      /policy must be policy options, not a policy/,
      TypeError,
    ],
    [
      'a policy with a fallback',
      { policy: { fallback: { value: 1 } } },
      /policy\.fallback must be absent \(the adapter decides what a failure falls back to; fallback models go in fallbacks\)/,
      RangeError,
    ],
    [
      'policy options checked at once',
      { policy: { retry: { maxRetries: -1 } } },
      /policy\.retry\.maxRetries must be an integer >= 0 .*, got -1/,
      RangeError,
    ],
    [
      'a policy of the wrong kind',
      { policy: 'fast' },
      /policy must be policy options or a function of the model/,
      TypeError,
    ],
    ['a zero stall timeout', { stream: { stallTimeoutMs: 0 } }, /stream.stallTimeoutMs must be/, RangeError],
    [
      'afterCommit',
      { stream: { afterCommit: 'fallback-continue' } },
      /stream.afterCommit is not a known option/,
      RangeError,
    ],
    [
      'a continuation after the commit',
      { policy: { stream: { afterCommit: 'fallback-continue' } } },
      /policy.stream.afterCommit must be "error"/,
      RangeError,
    ],
    ['an unknown category', { fallbackOn: ['nope'] }, /fallbackOn\[0\] must be one of/, RangeError],
    ['a non-function replaySafe', { replaySafe: true }, /replaySafe must be a function, got true/, TypeError],
    [
      'a fallback that is not a model',
      { fallbacks: [{ model: {}, name: 'x' }] },
      /fallbacks\[0\].model must be a Model/,
      TypeError,
    ],
    [
      'a fallback without a name',
      { fallbacks: [{ model, name: '' }] },
      /fallbacks\[0\].name must be a non-empty string/,
      TypeError,
    ],
    ['an unknown option', { retries: 3 }, /retries is not a known option/, RangeError],
  ])('withResilience rejects %s', (_, options, message, type) => {
    expect(() => withResilience({ model, name: 'gpt-4o' }, options as never)).toThrow(type);
    expect(() => withResilience({ model, name: 'gpt-4o' }, options as never)).toThrow(message);
  });

  it('names the wrapped model and provider problems', () => {
    expect(() => withResilience({ model: {} as Model, name: 'gpt-4o' })).toThrow(
      /model.model must be a Model \(getResponse, getStreamedResponse\), got an object/,
    );
    expect(() => resilientModelProvider({} as ModelProvider)).toThrow(/provider must be a ModelProvider/);
    expect(() => resilientModelProvider({ getModel: () => model }, { providerName: '' })).toThrow(
      /providerName must be a non-empty string/,
    );
    expect(() => resilientModelProvider({ getModel: () => model }, { fallbacks: 'gpt-4o' as never })).toThrow(
      /fallbacks must be an array of model names/,
    );
  });
});
