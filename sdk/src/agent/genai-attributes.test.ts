import { describe, expect, it } from 'vitest';
import { policySafe, responseAttributes } from './genai-attributes.js';

describe('responseAttributes', () => {
  it.each([
    [
      'OpenAI chat completion',
      {
        model: 'gpt-4o-mini-2024-07-18',
        usage: { prompt_tokens: 12, completion_tokens: 30, total_tokens: 42 },
      },
      {
        'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
        'gen_ai.usage.input_tokens': 12,
        'gen_ai.usage.output_tokens': 30,
      },
    ],
    [
      'Anthropic message',
      { model: 'claude-sonnet-4-5', usage: { input_tokens: 7, output_tokens: 9 } },
      {
        'gen_ai.response.model': 'claude-sonnet-4-5',
        'gen_ai.usage.input_tokens': 7,
        'gen_ai.usage.output_tokens': 9,
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
    expect(responseAttributes(result)).toEqual(expected);
  });
});

describe('policySafe', () => {
  it('replaces characters a policy name cannot hold and bounds the length', () => {
    expect(policySafe('accounts/fireworks/models/llama v3', 6)).toBe('accounts_fireworks_models_llama_v3');
    expect(policySafe('x'.repeat(100), 6)).toHaveLength(58);
    expect(policySafe('', 6)).toBe('_');
  });
});
