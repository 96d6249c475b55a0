import type { LanguageModelV4CallOptions, LanguageModelV4StreamPart } from '@ai-sdk/provider';
import { describe, expect, it } from 'vitest';
import { continuationParams, partialText, spliceContinuation } from './continuation.js';

const delta = (delta: string, id = 'a'): LanguageModelV4StreamPart => ({ type: 'text-delta', id, delta });
const params: LanguageModelV4CallOptions = {
  prompt: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
};

async function collect(
  parts: AsyncIterable<LanguageModelV4StreamPart>,
): Promise<LanguageModelV4StreamPart[]> {
  const out: LanguageModelV4StreamPart[] = [];
  for await (const part of parts) out.push(part);
  return out;
}
async function* from(parts: LanguageModelV4StreamPart[]): AsyncGenerator<LanguageModelV4StreamPart> {
  yield* parts;
}

describe('fallback-continue', () => {
  it('appends the partial text (not reasoning) as an assistant message, or leaves the call as it was', () => {
    const partial = [
      delta('Refunds '),
      { type: 'reasoning-delta', id: 'r', delta: 'think' } as const,
      delta('are '),
    ];
    expect(partialText(partial)).toBe('Refunds are ');
    expect(continuationParams(params, partial).prompt).toEqual([
      ...params.prompt,
      { role: 'assistant', content: [{ type: 'text', text: 'Refunds are ' }] },
    ]);
    expect(continuationParams(params, [])).toBe(params);
  });

  it('splices the continuation into the broken text block: no second stream-start or text-start', async () => {
    const continuation: LanguageModelV4StreamPart[] = [
      { type: 'stream-start', warnings: [] },
      { type: 'text-start', id: 'b' },
      delta('issued.', 'b'),
      { type: 'text-end', id: 'b' },
      { type: 'text-start', id: 'c' },
      delta('More.', 'c'),
      { type: 'text-end', id: 'c' },
    ];
    expect(await collect(spliceContinuation(from(continuation), [delta('Refunds ')]))).toEqual([
      delta('issued.', 'a'),
      { type: 'text-end', id: 'a' },
      { type: 'text-start', id: 'c' },
      delta('More.', 'c'),
      { type: 'text-end', id: 'c' },
    ]);
    // Nothing open (e.g. only a tool call was streamed): the continuation's text blocks stay as they are.
    expect(await collect(spliceContinuation(from(continuation), []))).toEqual(continuation.slice(1));
  });
});
