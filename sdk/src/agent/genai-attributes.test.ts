import { describe, expect, it } from 'vitest';
import { policySafe, readUsage, responseAttributes } from './genai-attributes.js';

describe('readUsage', () => {
  it.each([
    [
      'OpenAI chat completion',
      { usage: { prompt_tokens: 12, completion_tokens: 30, total_tokens: 42 } },
      { inputTokens: 12, outputTokens: 30 },
    ],
    [
      'OpenAI response',
      { usage: { input_tokens: 4, output_tokens: 2 } },
      { inputTokens: 4, outputTokens: 2 },
    ],
    [
      'Anthropic message',
      { usage: { input_tokens: 7, output_tokens: 9 } },
      { inputTokens: 7, outputTokens: 9 },
    ],
    [
      'AI SDK generateText',
      { usage: { inputTokens: 3, outputTokens: 4, totalTokens: 7 } },
      { inputTokens: 3, outputTokens: 4 },
    ],
    [
      'AI SDK provider result (doGenerate)',
      { usage: { inputTokens: { total: 5, noCache: 5 }, outputTokens: { total: 6, text: 6 } } },
      { inputTokens: 5, outputTokens: 6 },
    ],
    ['only output', { usage: { output_tokens: 9 } }, { outputTokens: 9 }],
    ['no usage', { text: 'hi' }, undefined],
    ['a string', 'hi', undefined],
    ['null usage', { usage: null }, undefined],
    [
      'negative, odd or infinite counts',
      { usage: { input_tokens: -1, output_tokens: '5', inputTokens: Infinity } },
      undefined,
    ],
  ])('%s', (_, result, expected) => {
    expect(readUsage(result)).toEqual(expected);
  });
});

describe('responseAttributes', () => {
  it.each([
    [
      'OpenAI chat completion',
      { model: 'gpt-4o-mini-2024-07-18', usage: { prompt_tokens: 12, completion_tokens: 30 } },
      {
        'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
        'gen_ai.usage.input_tokens': 12,
        'gen_ai.usage.output_tokens': 30,
      },
    ],
    [
      'Vercel AI SDK result',
      { response: { modelId: 'gpt-4o' }, usage: { inputTokens: 3, outputTokens: 4 } },
      { 'gen_ai.response.model': 'gpt-4o', 'gen_ai.usage.input_tokens': 3, 'gen_ai.usage.output_tokens': 4 },
    ],
    ['a string', 'plain text', {}],
    ['negative or odd usage', { usage: { input_tokens: -1, output_tokens: '5' } }, {}],
  ])('%s', (_, result, expected) => {
    expect(responseAttributes(result, readUsage(result))).toEqual(expected);
  });

  it('reports the usage it is given, not the result’s (an answer already reported elsewhere has none)', () => {
    const result = { model: 'claude-haiku', usage: { input_tokens: 7, output_tokens: 9 } };
    expect(responseAttributes(result, undefined)).toEqual({ 'gen_ai.response.model': 'claude-haiku' });
  });
});

describe('policySafe', () => {
  it('replaces characters a policy name cannot hold and bounds the length', () => {
    expect(policySafe('accounts/fireworks/models/llama v3', 6)).toBe('accounts_fireworks_models_llama_v3');
    expect(policySafe('x'.repeat(100), 6)).toHaveLength(58);
    expect(policySafe('', 6)).toBe('_');
  });
});
