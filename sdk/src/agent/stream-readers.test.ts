/**
 * The chunk readers of `modelStream`: which chunks commit a stream, which carry an error, which report usage, for
 * the OpenAI chat-completions and Anthropic messages stream shapes (as the `openai` and `@anthropic-ai/sdk`
 * clients yield them) and for chunks of any other shape.
 */
import { describe, expect, it } from 'vitest';
import { classifyError } from '../classify/index.js';
import {
  ANTHROPIC_MESSAGES_STREAM_READERS,
  MODEL_STREAM_READERS,
  OPENAI_CHAT_STREAM_READERS,
} from './stream-readers.js';

const chat = (delta: object, extra: object = {}) => ({
  id: 'chatcmpl-1',
  object: 'chat.completion.chunk',
  choices: [{ index: 0, delta, finish_reason: null }],
  usage: null,
  ...extra,
});
const openai = {
  role: chat({ role: 'assistant', content: '', refusal: null }),
  text: chat({ content: 'Refunds' }),
  refusal: chat({ refusal: 'I cannot help with that.' }),
  toolCall: chat({ tool_calls: [{ index: 0, id: 'call_1', function: { name: 'lookup', arguments: '' } }] }),
  stop: chat({}, { choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }),
  usage: chat({}, { choices: [], usage: { prompt_tokens: 12, completion_tokens: 30, total_tokens: 42 } }),
  error: { error: { message: 'The server had an error', type: 'server_error', code: null } },
};
const anthropic = {
  start: {
    type: 'message_start',
    message: { id: 'msg_1', type: 'message', content: [], usage: { input_tokens: 12, output_tokens: 1 } },
  },
  blockStart: { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
  ping: { type: 'ping' },
  text: { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Refunds' } },
  toolInput: {
    type: 'content_block_delta',
    index: 1,
    delta: { type: 'input_json_delta', partial_json: '{' },
  },
  blockStop: { type: 'content_block_stop', index: 0 },
  delta: { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 30 } },
  stop: { type: 'message_stop' },
  error: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } },
};

describe('OPENAI_CHAT_STREAM_READERS', () => {
  const { isContent, errorOf, usageOf } = OPENAI_CHAT_STREAM_READERS;

  it.each([
    ['the role-only first chunk', openai.role, false],
    ['a text delta', openai.text, true],
    ['a refusal', openai.refusal, true],
    ['a tool call', openai.toolCall, true],
    ['the finish chunk', openai.stop, false],
    ['the usage chunk', openai.usage, false],
  ])('%s is content: %s', (_, chunk, content) => {
    expect(isContent(chunk)).toBe(content);
  });

  it('reads the usage chunk, and nothing from the others', () => {
    expect(usageOf(openai.usage)).toEqual({ inputTokens: 12, outputTokens: 30 });
    expect([openai.role, openai.text, openai.stop].map(usageOf)).toEqual([undefined, undefined, undefined]);
  });

  it('an error frame carries the provider error, classified like the HTTP error', () => {
    expect(errorOf(openai.error)).toBe(openai.error.error);
    expect(classifyError(errorOf(openai.error)).category).toBe('server_error');
    expect([openai.role, openai.text, openai.usage].map(errorOf)).toEqual([undefined, undefined, undefined]);
  });
});

describe('ANTHROPIC_MESSAGES_STREAM_READERS', () => {
  const { isContent, errorOf, usageOf } = ANTHROPIC_MESSAGES_STREAM_READERS;

  it('only content_block_delta events are content (text, thinking, tool input)', () => {
    const content = Object.entries(anthropic)
      .filter(([, event]) => isContent(event))
      .map(([name]) => name);
    expect(content).toEqual(['text', 'toolInput']);
  });

  it('message_start reports the input tokens, message_delta the output tokens', () => {
    expect(usageOf(anthropic.start)).toEqual({ inputTokens: 12, outputTokens: 1 });
    expect(usageOf(anthropic.delta)).toEqual({ outputTokens: 30 });
    expect(usageOf(anthropic.text)).toBeUndefined();
  });

  it('an error event (overloaded_error mid-stream) is classified overloaded', () => {
    expect(classifyError(errorOf(anthropic.error)).category).toBe('overloaded');
    expect(errorOf(anthropic.text)).toBeUndefined();
  });
});

describe('MODEL_STREAM_READERS (the default)', () => {
  const { isContent, isFinal, errorOf, usageOf } = MODEL_STREAM_READERS;

  it('reads OpenAI chunks and Anthropic events as their own readers do', () => {
    const { error: _, ...chunks } = openai;
    for (const chunk of [...Object.values(chunks), ...Object.values(anthropic)]) {
      const own = 'choices' in chunk ? OPENAI_CHAT_STREAM_READERS : ANTHROPIC_MESSAGES_STREAM_READERS;
      expect([isContent(chunk), isFinal(chunk), errorOf(chunk), usageOf(chunk)]).toEqual([
        own.isContent(chunk),
        own.isFinal(chunk),
        own.errorOf(chunk),
        own.usageOf(chunk),
      ]);
    }
  });

  it('only the finish of an answer is final: an OpenAI finish_reason, an Anthropic stop', () => {
    const finals = (chunks: object) =>
      Object.entries(chunks)
        .filter(([, chunk]) => isFinal(chunk))
        .map(([name]) => name);
    expect(finals(openai)).toEqual(['stop']);
    expect(finals(anthropic)).toEqual(['delta', 'stop']);
    expect([null, 'text', { choices: [null] }].map(isFinal)).toEqual([false, false, false]);
  });

  it('a chunk of another shape is content (as in executeStream), unless it is an error frame', () => {
    expect(['Refunds', 42, { text: 'Refunds' }, { type: 'text-delta', text: 'R' }].map(isContent)).toEqual([
      true,
      true,
      true,
      true,
    ]);
    expect(errorOf(openai.error)).toBe(openai.error.error);
    const error = new Error('boom');
    expect(errorOf({ type: 'error', error })).toBe(error);
    expect([null, undefined, 'text'].map(errorOf)).toEqual([undefined, undefined, undefined]);
  });
});
