import { generateText } from 'ai';
import { MockLanguageModelV3, MockProviderV4 } from 'ai/test';
import { afterEach, describe, expect, it } from 'vitest';
import { withResilience } from './index.js';
import { defaultPolicyName, resolveModel } from './models.js';
import { scriptedModel, usage } from './test-support/scripted-model.js';

describe('resolving AI SDK models', () => {
  const saved = globalThis.AI_SDK_DEFAULT_PROVIDER;
  afterEach(() => {
    globalThis.AI_SDK_DEFAULT_PROVIDER = saved;
  });

  it('keeps a v4 model as it is, adapts a v3 model, and resolves a model id through the default provider', async () => {
    const v4 = scriptedModel('v4', [{ answer: 'v4' }]).model;
    expect(resolveModel(v4)).toBe(v4);
    const v3 = new MockLanguageModelV3({
      modelId: 'v3',
      doGenerate: async () => ({
        content: [{ type: 'text', text: 'from v3' }],
        finishReason: { unified: 'stop', raw: 'stop' },
        usage: usage(1, 1),
        warnings: [],
      }),
    });
    expect(resolveModel(v3).specificationVersion).toBe('v4');
    globalThis.AI_SDK_DEFAULT_PROVIDER = new MockProviderV4({ languageModels: { 'my-model': v4 } });
    expect(resolveModel('my-model')).toBe(v4);

    const model = withResilience(v3, { registry: null, fallbacks: ['my-model'] });
    expect((await generateText({ model, prompt: 'hi', maxRetries: 0 })).text).toBe('from v3');
    model.dispose();
  });

  it('names the default policy after the provider and model id, within the policy name rules', () => {
    const named = (model: string, provider = 'openai.chat') => defaultPolicyName({ provider, model });
    expect(named('gpt-4o-mini')).toBe('ai-sdk.openai.chat.gpt-4o-mini');
    expect(named('models/gemini 2.5 pro', 'google')).toBe('ai-sdk.google.models_gemini_2.5_pro');
    expect(named('', '')).toBe('ai-sdk._._');
    // Cut to 40 characters, two long ids of one provider keep distinct names.
    const [sonnet, haiku] = ['claude-3-5-sonnet-20241022-v2:0', 'claude-3-5-haiku-20241022-v1:0'].map(id =>
      named(`anthropic.${id}`, 'amazon-bedrock'),
    );
    expect(sonnet).toMatch(/^ai-sdk\.amazon-bedrock\.anthropic\.c\.[0-9a-f]{6}$/);
    expect(sonnet).toHaveLength(40);
    expect(haiku).not.toBe(sonnet);
  });
});
