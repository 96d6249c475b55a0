/** The AI SDK adapter's `policy` as a function of the model, and `policies()`. */
import { generateText, wrapLanguageModel } from 'ai';
import { beforeEach, describe, expect, it } from 'vitest';
import { PolicyRegistry } from '../../core/registry.js';
import { createPolicy } from '../../pipeline/create-policy.js';
import { createCircuitBreaker } from '../../policies/create-circuit-breaker.js';
import { resilienceMiddleware, withResilience } from './index.js';
import { apiError, scriptedModel } from './test-support/scripted-model.js';

const prompt = 'Where is my refund?';

describe('AI SDK adapter: policy as a function of the model, and policies()', () => {
  let registry: PolicyRegistry;
  beforeEach(() => {
    registry = new PolicyRegistry();
  });

  it('shares one provider breaker between two wrapped models, each backup keeping its own', async () => {
    const openaiBreaker = createCircuitBreaker('openai', {
      breaker: { kind: 'consecutive', threshold: 1 },
      registry,
    });
    const asked: string[] = [];
    const policy = ({ provider, model }: { provider: string; model: string }) => {
      asked.push(`${provider}/${model}`);
      return provider === 'openai.chat' ? { circuitBreaker: openaiBreaker } : { retry: { maxRetries: 0 } };
    };
    const gpt = scriptedModel('gpt-4o', [{ fail: apiError(503) }], 'openai.chat');
    const mini = scriptedModel('gpt-4o-mini', [{ answer: 'from mini' }], 'openai.chat');
    const backup = () => scriptedModel('claude', [{ answer: 'from claude' }], 'anthropic').model;
    const first = withResilience(gpt.model, { name: 'first', policy, fallbacks: [backup()], registry });
    const second = withResilience(mini.model, { name: 'second', policy, fallbacks: [backup()], registry });
    expect(asked).toEqual([
      'openai.chat/gpt-4o',
      'anthropic/claude',
      'openai.chat/gpt-4o-mini',
      'anthropic/claude',
    ]);

    expect((await generateText({ model: first, prompt, maxRetries: 0 })).text).toBe('from claude');
    // gpt-4o's failure opened the provider's breaker: the other openai model is not called either.
    expect((await generateText({ model: second, prompt, maxRetries: 0 })).text).toBe('from claude');
    expect(mini.calls).toHaveLength(0);
    expect(first.policies().get('first.anthropic.claude')?.circuitBreaker).toBeUndefined();
    first.dispose();
    second.dispose();
    expect(registry.list('circuitBreaker').map(b => b.name)).toEqual(['openai']);
    openaiBreaker.dispose();
  });

  it('reports an invalid answer of the function clearly: at withResilience, or at the first call of a middleware', async () => {
    const primary = scriptedModel('gpt-4o', [{ answer: 'ok' }], 'openai.chat');
    const policy = () => ({ retry: { maxRetries: -1 } });
    const message =
      /Invalid options for withResilience: policy\(openai\.chat\/gpt-4o\)\.retry\.maxRetries must be .*, got -1/;
    expect(() => withResilience(primary.model, { policy, registry })).toThrow(RangeError);
    expect(() => withResilience(primary.model, { policy, registry })).toThrow(message);
    expect(registry.list('policy')).toEqual([]); // nothing left behind

    const middleware = resilienceMiddleware({ policy, registry });
    const model = wrapLanguageModel({ model: primary.model, middleware });
    await expect(generateText({ model, prompt, maxRetries: 0 })).rejects.toThrow(
      /resilienceMiddleware: policy\(openai\.chat\/gpt-4o\)\.retry\.maxRetries/,
    );
    expect(primary.calls).toHaveLength(0);
    middleware.dispose();
  });

  it('uses a policy the function returns, and leaves it registered on dispose()', async () => {
    const shared = createPolicy('models', { retry: { maxRetries: 0 }, registry });
    const primary = scriptedModel('gpt-4o', [{ answer: 'ok' }]);
    const model = withResilience(primary.model, { name: 'chat', policy: () => shared, registry });
    expect((await generateText({ model, prompt, maxRetries: 0 })).text).toBe('ok');
    expect([...model.policies().keys()]).toEqual(['chat', 'models']);
    model.dispose();
    expect(registry.list('policy').map(p => p.name)).toEqual(['models']);
    expect(model.policies().size).toBe(0);
    shared.dispose();
  });

  it('calls the model object of each request, under the one chain of its provider and model id', async () => {
    // An app may wrap a fresh model object per request (a tenant's own key, its own settings): each request is
    // sent with its own object, and both share one policy and breaker.
    const tenantA = scriptedModel('gpt-4o', [{ answer: 'for a' }], 'openai.chat');
    const tenantB = scriptedModel('gpt-4o', [{ answer: 'for b' }], 'openai.chat');
    const middleware = resilienceMiddleware({ registry });
    const answers: string[] = [];
    for (const tenant of [tenantA, tenantB]) {
      const model = wrapLanguageModel({ model: tenant.model, middleware });
      answers.push((await generateText({ model, prompt, maxRetries: 0 })).text);
    }
    expect(answers).toEqual(['for a', 'for b']);
    expect([tenantA.calls.length, tenantB.calls.length]).toEqual([1, 1]);
    expect([...middleware.policies().keys()]).toEqual([
      'ai-sdk.openai.chat.gpt-4o',
      'ai-sdk.openai.chat.gpt-4o.openai.chat.gpt-4o',
    ]);
    middleware.dispose();
  });

  it("lists the chain's and the models' policies by name, without the registry", async () => {
    const a = scriptedModel('a', [{ answer: 'a' }]);
    const b = scriptedModel('b', [{ answer: 'b' }]);
    const backup = scriptedModel('backup', [{ answer: 'x' }]).model;
    const middleware = resilienceMiddleware({ fallbacks: [backup], registry: null });
    expect(middleware.policies().size).toBe(0); // no chain before the first call
    for (const scripted of [a, b])
      await generateText({ model: wrapLanguageModel({ model: scripted.model, middleware }), prompt });
    const policies = middleware.policies();
    expect([...policies.keys()]).toEqual([
      'ai-sdk.mock.a',
      'ai-sdk.mock.a.mock.a',
      'ai-sdk.mock.a.mock.backup',
      'ai-sdk.mock.b',
      'ai-sdk.mock.b.mock.b',
      'ai-sdk.mock.b.mock.backup',
    ]);
    expect(policies.get('ai-sdk.mock.a.mock.a')?.name).toBe('ai-sdk.mock.a.mock.a');
    expect(policies.get('ai-sdk.mock.a.mock.a')).not.toBe(policies.get('ai-sdk.mock.b.mock.b'));
    middleware.dispose();
    expect(middleware.policies().size).toBe(0);
  });
});
