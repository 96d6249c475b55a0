import { AIMessageChunk } from '@langchain/core/messages';
import { describe, expect, it } from 'vitest';
import { isContentChunk, isFinalChunk } from './message-chunks.js';

describe('LangChain message chunks', () => {
  it.each<[string, AIMessageChunk, boolean]>([
    [
      'an OpenAI chat finish_reason',
      new AIMessageChunk({ content: '', response_metadata: { finish_reason: 'stop' } }),
      true,
    ],
    [
      'an Anthropic stop_reason',
      new AIMessageChunk({ content: '', response_metadata: { stop_reason: 'end_turn' } }),
      true,
    ],
    [
      'a stop_reason in additional_kwargs',
      new AIMessageChunk({ content: '', additional_kwargs: { stop_reason: 'max_tokens' } }),
      true,
    ],
    [
      'a Google finishReason',
      new AIMessageChunk({ content: '', response_metadata: { finishReason: 'STOP' } }),
      true,
    ],
    [
      'a Responses API final status',
      new AIMessageChunk({ content: '', response_metadata: { status: 'incomplete' } }),
      true,
    ],
    [
      'a null finish_reason',
      new AIMessageChunk({ content: '', response_metadata: { finish_reason: null } }),
      false,
    ],
    ['a role chunk', new AIMessageChunk({ content: '' }), false],
    [
      'a Responses API status in progress',
      new AIMessageChunk({ content: '', response_metadata: { status: 'in_progress' } }),
      false,
    ],
  ])('final: %s is %s', (_, chunk, final) => {
    expect(isFinalChunk(chunk)).toBe(final);
    expect(isContentChunk(chunk)).toBe(false);
  });

  it('reads no finish from what is not a message', () => {
    for (const value of [null, undefined, 'stop', 42, { response_metadata: null }])
      expect(isFinalChunk(value)).toBe(false);
  });
});
