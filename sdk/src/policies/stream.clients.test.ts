/**
 * Resilient streams through the real `openai` and `@anthropic-ai/sdk` streaming clients (their own retries off)
 * against the local fault-injecting provider: a 429 or an error frame before the first chunk is retried and the
 * consumer sees one clean answer; a drop or an error frame after it is a classified StreamBrokenError; the
 * consumer's abort closes the provider request at once.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createPolicy, StreamBrokenError } from '../index.js';
import { FakeLlmProvider, faults } from '../test-support/llm-provider.js';
import { readChunks } from '../test-support/provider-stream.js';

type ChatChunk = OpenAI.Chat.Completions.ChatCompletionChunk;

let provider: FakeLlmProvider;
beforeAll(async () => {
  provider = await FakeLlmProvider.start({ answer: () => 'Refunds take five business days.', chunks: 4 });
});
beforeEach(() => {
  provider.clear();
  provider.setDefault({ kind: 'answer' });
});
afterAll(() => provider.close());

const openai = () =>
  new OpenAI({ apiKey: 'sk-test-not-a-real-key', baseURL: provider.openaiBaseURL, maxRetries: 0 });
const anthropic = () =>
  new Anthropic({ apiKey: 'sk-ant-test-not-a-real-key', baseURL: provider.anthropicBaseURL, maxRetries: 0 });

const chatStream = (signal: AbortSignal) =>
  openai().chat.completions.create(
    { model: 'gpt-test', messages: [{ role: 'user', content: 'refund?' }], stream: true },
    { signal },
  );
const chatOptions = { stream: { isContent: (c: ChatChunk) => Boolean(c.choices[0]?.delta?.content) } };
const textOf = (chunks: ChatChunk[]) => chunks.map(c => c.choices[0]?.delta?.content ?? '').join('');

describe('executeStream with the real openai client', () => {
  it('retries a 429 with Retry-After before the first chunk; the consumer sees one clean answer', async () => {
    provider.script(faults.rateLimited({ retryAfterMs: 20 }));
    const policy = createPolicy('p', { registry: null, retry: { maxRetries: 2, initialDelayMs: 1 } });
    const { chunks, error } = await readChunks(
      await policy.executeStream(({ signal }) => chatStream(signal), chatOptions),
    );
    expect(error).toBeUndefined();
    expect(textOf(chunks)).toBe('Refunds take five business days.');
    expect(provider.requests.map(r => r.status)).toEqual([429, 200]);
  });

  it('retries an error frame in the first frame of an HTTP 200 stream', async () => {
    provider.script(faults.errorFrame(0));
    const policy = createPolicy('p', { registry: null, retry: { maxRetries: 1, initialDelayMs: 1 } });
    const { chunks, error } = await readChunks(
      await policy.executeStream(({ signal }) => chatStream(signal), chatOptions),
    );
    expect(error).toBeUndefined();
    expect(textOf(chunks)).toBe('Refunds take five business days.');
    expect(provider.requests).toHaveLength(2);
  });

  it('retries a first chunk that does not come in time, closing the slow request', async () => {
    provider.script({ kind: 'answer', firstChunkDelayMs: 2_000 });
    const policy = createPolicy('p', {
      registry: null,
      retry: { maxRetries: 1, initialDelayMs: 1 },
      stream: { firstChunkTimeoutMs: 100 },
    });
    const { chunks } = await readChunks(
      await policy.executeStream(({ signal }) => chatStream(signal), chatOptions),
    );
    expect(textOf(chunks)).toBe('Refunds take five business days.');
    await provider.requests[0]?.closed;
    expect(provider.requests[0]?.outcome).toBe('client_closed');
  });

  it('a drop after the commit is a StreamBrokenError classified network, and is not replayed', async () => {
    provider.script(faults.drop(2));
    const policy = createPolicy('p', { registry: null, retry: { maxRetries: 2, initialDelayMs: 1 } });
    const { chunks, error } = await readChunks(
      await policy.executeStream(({ signal }) => chatStream(signal), chatOptions),
    );
    expect(error).toBeInstanceOf(StreamBrokenError);
    expect((error as StreamBrokenError).classified.category).toBe('network');
    expect(textOf(chunks).length).toBeGreaterThan(0);
    expect(provider.requests).toHaveLength(1);
  });

  it("the consumer's break closes the provider request within 50 ms", async () => {
    provider.script(faults.stall(1));
    const policy = createPolicy('p', { registry: null });
    const stream = await policy.executeStream(({ signal }) => chatStream(signal), chatOptions);
    const iterator = stream[Symbol.asyncIterator]();
    await iterator.next();
    const stoppedAt = performance.now();
    await iterator.return?.();
    const record = provider.requests[0]!;
    await record.closed;
    expect(record.outcome).toBe('client_closed');
    expect((record.closedAt ?? Number.POSITIVE_INFINITY) - stoppedAt).toBeLessThan(50);
  });
});

describe('executeStream with the real Anthropic client', () => {
  type Event = Anthropic.Messages.RawMessageStreamEvent;
  const messages = (signal: AbortSignal) =>
    anthropic().messages.create(
      {
        model: 'claude-test',
        max_tokens: 100,
        messages: [{ role: 'user', content: 'refund?' }],
        stream: true,
      },
      { signal },
    );
  const isContent = (e: Event) => e.type === 'content_block_delta';

  it('an overloaded_error frame after the commit is a StreamBrokenError classified overloaded', async () => {
    provider.script(faults.errorFrame(2));
    const policy = createPolicy('p', { registry: null, retry: { maxRetries: 2, initialDelayMs: 1 } });
    const { error } = await readChunks(
      await policy.executeStream(({ signal }) => messages(signal), { stream: { isContent } }),
    );
    expect(error).toBeInstanceOf(StreamBrokenError);
    expect((error as StreamBrokenError).classified.category).toBe('overloaded');
  });

  it("with afterCommit 'fallback-continue' a second model continues the partial answer", async () => {
    provider.script(faults.drop(2));
    const policy = createPolicy('p', { registry: null, stream: { afterCommit: 'fallback-continue' } });
    const stream = await policy.executeStream(({ signal }) => messages(signal), {
      stream: {
        isContent,
        continueWith: ({ partial, signal }) => {
          expect(partial.length).toBeGreaterThan(0);
          return messages(signal);
        },
      },
    });
    const { error } = await readChunks(stream);
    expect(error).toBeUndefined();
    expect(provider.requests).toHaveLength(2);
  });
});
