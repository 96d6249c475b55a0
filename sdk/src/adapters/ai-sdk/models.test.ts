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

  it('names the default policy after the model id, within the policy name rules', () => {
    const named = (modelId: string) => defaultPolicyName(scriptedModel(modelId, []).model);
    expect(named('gpt-4o-mini')).toBe('ai-sdk.gpt-4o-mini');
    expect(named('models/gemini 2.5 pro')).toBe('ai-sdk.models_gemini_2.5_pro');
    expect(named('x'.repeat(100))).toHaveLength(40);
    expect(named('')).toBe('ai-sdk._');
  });
});
