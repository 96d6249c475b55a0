import { describe, expect, it, vi } from 'vitest';
import { AnswerCache, NoCachedAnswerError, type ReplyPart, readPart, readReply } from './replies.js';

const openaiChunk = (content: string) =>
  ({ choices: [{ index: 0, delta: { content } }] }) as unknown as ReplyPart;
const anthropicDelta = (text: string) =>
  ({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } }) as ReplyPart;
async function* parts(...items: ReplyPart[]): AsyncGenerator<ReplyPart> {
  yield* items;
}

describe('reply parts', () => {
  it.each([
    ['an OpenAI chunk', openaiChunk('Hi'), { source: 'primary', text: 'Hi' }],
    ['an Anthropic text delta', anthropicDelta('Hi'), { source: 'backup', text: 'Hi' }],
    ['an Anthropic message_start', { type: 'message_start' } as ReplyPart, { source: 'backup', text: '' }],
    ['a cached answer', { cached: 'Hi' }, { source: 'cached', text: 'Hi' }],
    ['the apology', 'Sorry', { source: 'apology', text: 'Sorry' }],
  ])('%s', (_, part, expected) => {
    expect(readPart(part)).toEqual(expected);
  });
});

describe('readReply', () => {
  it("reads a model's stream to its end, telling its first chunk once", async () => {
    const onFirstChunk = vi.fn();
    expect(
      await readReply(parts(openaiChunk('Refunds '), openaiChunk('take 5 days.')), onFirstChunk),
    ).toEqual({
      text: 'Refunds take 5 days.',
      source: 'primary',
    });
    expect(onFirstChunk).toHaveBeenCalledTimes(1);
  });

  it('a fallback value is no first chunk of a model', async () => {
    const onFirstChunk = vi.fn();
    expect(await readReply(parts({ cached: 'Refunds take 5 days.' }), onFirstChunk)).toMatchObject({
      source: 'cached',
    });
    expect(onFirstChunk).not.toHaveBeenCalled();
  });
});

describe('AnswerCache', () => {
  it('recalls the last answer per topic while fresh, keeps at most maxEntries, and throws on a miss', () => {
    vi.useFakeTimers();
    try {
      const cache = new AnswerCache(1_000, 2);
      cache.remember('refund', 'old');
      cache.remember('refund', 'Refunds take 5 days.');
      cache.remember('shipping', 'Two days.');
      expect(cache.recall('refund')).toEqual({ cached: 'Refunds take 5 days.' });
      cache.remember('login', 'Reset your password.');
      expect(() => cache.recall('refund')).toThrow(NoCachedAnswerError);
      vi.advanceTimersByTime(1_001);
      expect(() => cache.recall('login')).toThrow('no fresh answer cached for "login"');
    } finally {
      vi.useRealTimers();
    }
  });
});
