/**
 * The LangChain adapter end to end: `@langchain/openai`'s ChatOpenAI (its own retries off) streaming against the
 * local fault-injecting provider, alone (`withResilience`) and in a `createAgent` agent (`resilienceMiddleware`).
 */
import { AIMessageChunk } from '@langchain/core/messages';
import { ChatOpenAI } from '@langchain/openai';
import { createAgent } from 'langchain';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { StreamBrokenError } from '../../errors/call-errors.js';
import { METRIC_INNER_RETRIES } from '../../semconv.js';
import { FakeLlmProvider, faults } from '../../test-support/llm-provider.js';
import { TestTelemetry } from '../../test-support/otel.js';
import { resilienceMiddleware } from './middleware.js';
import type { ResilientChatModel } from './resilient-chat-model.js';
import { withResilience } from './with-resilience.js';

const ANSWER = 'Refunds take five business days.';
let provider: FakeLlmProvider;
let otel: TestTelemetry;
const disposables: { dispose(): void }[] = [];

beforeAll(async () => {
  provider = await FakeLlmProvider.start({ answer: () => ANSWER, chunks: 4 });
});
afterAll(() => provider.close());
beforeEach(() => {
  provider.clear();
  provider.setDefault({ kind: 'answer' });
  otel = new TestTelemetry().install();
});
afterEach(async () => {
  for (const d of disposables.splice(0)) d.dispose();
  await otel.uninstall();
});

const chatOpenAI = (model: string, maxRetries = 0) =>
  new ChatOpenAI({
    model,
    apiKey: 'sk-test-not-a-real-key',
    configuration: { baseURL: provider.openaiBaseURL },
    maxRetries,
  });

function resilient(...args: Parameters<typeof withResilience>): ResilientChatModel {
  const model = withResilience(args[0], { registry: null, ...args[1] });
  disposables.push(model);
  return model;
}

/** Reads a stream to its end or its error, keeping the chunks' text. */
async function read(stream: AsyncIterable<{ text: string }>): Promise<{ text: string; error: unknown }> {
  let text = '';
  try {
    for await (const chunk of stream) text += chunk.text;
    return { text, error: undefined };
  } catch (error) {
    return { text, error };
  }
}

describe('withResilience(ChatOpenAI) against the fault-injecting provider', () => {
  it('retries a 429 with Retry-After before the first chunk and serves the answer', async () => {
    provider.script(faults.rateLimited({ retryAfterMs: 30 }));
    const model = resilient(chatOpenAI('gpt-test'), {
      policy: { retry: { maxRetries: 2, initialDelayMs: 1 } },
    });
    expect(await read(await model.stream('refund?'))).toEqual({ text: ANSWER, error: undefined });
    expect(provider.requests.map(r => r.status)).toEqual([429, 200]);
  });

  it('serves from the fallback model when the primary is down, and opens its breaker', async () => {
    provider.setDefault(request =>
      request.model === 'gpt-primary' ? faults.unavailable() : { kind: 'answer' },
    );
    const model = resilient(chatOpenAI('gpt-primary'), {
      fallbacks: [chatOpenAI('gpt-backup')],
      policy: { circuitBreaker: { breaker: { kind: 'consecutive', threshold: 1 } } },
    });
    expect(await read(await model.stream('refund?'))).toEqual({ text: ANSWER, error: undefined });
    expect((await model.invoke('refund?')).text).toBe(ANSWER);
    expect(provider.requests.map(r => `${r.model}:${r.status}`)).toEqual([
      'gpt-primary:503',
      'gpt-backup:200',
      'gpt-backup:200',
    ]);
  });

  it('serves a stream that stalled mid-stream before its first content chunk from the next model, showing it once', async () => {
    // The primary sends its headers and its role-only opening chunk, then nothing.
    provider.setDefault(request =>
      request.model === 'gpt-primary' ? { kind: 'answer', firstChunkDelayMs: 5_000 } : { kind: 'answer' },
    );
    const model = resilient(chatOpenAI('gpt-primary'), {
      fallbacks: [chatOpenAI('gpt-backup')],
      policy: { retry: { maxRetries: 0 } },
      stream: { stallTimeoutMs: 150 },
    });
    const chunks: { text: string; id?: string | undefined }[] = [];
    for await (const chunk of await model.stream('refund?')) chunks.push(chunk);
    expect(chunks.map(c => c.text).join('')).toBe(ANSWER);
    // Every chunk the consumer saw is from one response, the backup's: the primary's opening chunk was held back.
    const responses = new Set(chunks.map(c => c.id).filter(id => id?.startsWith('chatcmpl-')));
    expect(responses.size).toBe(1);
    const [stalled] = provider.requests;
    await stalled?.closed;
    expect(stalled).toMatchObject({ model: 'gpt-primary', outcome: 'client_closed' });
  });

  it('ends a stream dropped after its first chunk with a classified StreamBrokenError, not a replay', async () => {
    provider.script(faults.drop(1, { chunks: 4 }));
    const model = resilient(chatOpenAI('gpt-test'), {
      policy: { retry: { maxRetries: 2, initialDelayMs: 1 } },
    });
    const { text, error } = await read(await model.stream('refund?'));
    expect(StreamBrokenError.isInstance(error)).toBe(true);
    expect((error as StreamBrokenError).classified.category).toBe('network');
    expect(ANSWER.startsWith(text) && text.length > 0 && text.length < ANSWER.length).toBe(true);
    expect(provider.requests).toHaveLength(1);
  });

  // Defect: a ChatOpenAI stream of an empty answer (role chunk, finish chunk, usage chunk) has no content chunk,
  // so it failed as EmptyStreamError: 3 requests, then RetriesExhaustedError, where invoke returns the reply.
  it('streams an empty answer as invoke returns it: no retries, no error', async () => {
    provider.setDefault({ kind: 'answer', text: '' });
    const model = resilient(chatOpenAI('gpt-test'), {
      policy: { retry: { maxRetries: 2, initialDelayMs: 1, jitter: 'none' } },
    });
    expect((await model.invoke('refund?')).text).toBe('');
    provider.clear();
    expect(await read(await model.stream('refund?'))).toEqual({ text: '', error: undefined });
    expect(provider.requests).toHaveLength(1);
  });

  // Defect: the resilient model inherited BaseChatModel.withStructuredOutput, which binds the schema as a tool
  // (ChatOpenAI's own json_schema response format was lost) and whose parser takes only an AIMessageChunk, while
  // invoke hands back the inner model's AIMessage: it always threw "Input is not an AIMessageChunk".
  it('gives withStructuredOutput the answer the wrapped ChatOpenAI gives on its own', async () => {
    provider.setDefault({ kind: 'answer', text: '{"answer":"five days"}' });
    const schema = z.object({ answer: z.string() });
    expect(await chatOpenAI('gpt-test').withStructuredOutput(schema).invoke('refund?')).toEqual({
      answer: 'five days',
    });
    const primary = chatOpenAI('gpt-test');
    const own = vi.spyOn(primary, 'withStructuredOutput');
    const model = resilient(primary);
    expect(await model.withStructuredOutput(schema).invoke('refund?')).toEqual({ answer: 'five days' });
    const raw = await model.withStructuredOutput(schema, { includeRaw: true }).invoke('refund?');
    expect(raw.parsed).toEqual({ answer: 'five days' });
    expect(raw.raw.text).toBe('{"answer":"five days"}');
    // ChatOpenAI's own method (its json_schema response format), with the caller's settings.
    expect(own.mock.calls.map(([, config]) => config)).toEqual([undefined, { includeRaw: true }]);
  });

  it('serves withStructuredOutput from the fallback model when the primary is down', async () => {
    provider.setDefault(request =>
      request.model === 'gpt-primary'
        ? faults.unavailable()
        : { kind: 'answer', text: '{"answer":"from the backup"}' },
    );
    const model = resilient(chatOpenAI('gpt-primary'), {
      fallbacks: [chatOpenAI('gpt-backup')],
      policy: { retry: { maxRetries: 0 } },
    });
    const schema = z.object({ answer: z.string() });
    expect(await model.withStructuredOutput(schema).invoke('refund?')).toEqual({ answer: 'from the backup' });
    expect(provider.requests.map(r => r.model)).toEqual(['gpt-primary', 'gpt-backup']);
  });

  it("closes the provider request within 50 ms of the consumer's break", async () => {
    provider.script({ kind: 'answer', chunks: 4, chunkDelayMs: 1_000 });
    const model = resilient(chatOpenAI('gpt-test'));
    let stoppedAt = 0;
    for await (const chunk of await model.stream('refund?')) {
      if (chunk.text !== '') {
        stoppedAt = performance.now();
        break;
      }
    }
    const record = await provider.requests[0]!.closed;
    expect(record.outcome).toBe('client_closed');
    expect((record.closedAt ?? Number.POSITIVE_INFINITY) - stoppedAt).toBeLessThan(50);
  });

  it("counts LangChain's own retries underneath (a ChatOpenAI left at maxRetries 6)", async () => {
    const model = resilient(chatOpenAI('gpt-test', 6));
    await model.invoke('refund?');
    expect(await otel.total(METRIC_INNER_RETRIES)).toBe(1);
  });
});

describe('resilienceMiddleware in a createAgent agent against the fault-injecting provider', () => {
  it("streams one clean answer after a 429 (streamMode 'messages'), with its usage reported once", async () => {
    provider.script(faults.rateLimited({ retryAfterMs: 30 }));
    const middleware = resilienceMiddleware({
      registry: null,
      policy: { retry: { maxRetries: 2, initialDelayMs: 1 } },
    });
    disposables.push(middleware);
    const agent = createAgent({ model: chatOpenAI('gpt-test'), tools: [], middleware: [middleware] });
    let text = '';
    const usage: number[] = [];
    for await (const [message] of await agent.stream(
      { messages: [{ role: 'user', content: 'refund?' }] },
      { streamMode: 'messages' },
    )) {
      if (!AIMessageChunk.isInstance(message)) continue;
      text += message.text;
      if (message.usage_metadata !== undefined) usage.push(message.usage_metadata.output_tokens);
    }
    expect(text).toBe(ANSWER);
    expect(usage).toHaveLength(1);
    expect(provider.requests.map(r => r.status)).toEqual([429, 200]);
    // Our spans are resilience-only: no GenAI chat span, no gen_ai.usage.* to add to the framework's.
    const usageAttributes = otel
      .spans()
      .flatMap(s => Object.keys(s.attributes))
      .filter(k => k.startsWith('gen_ai.usage'));
    expect(usageAttributes).toEqual([]);
    expect(otel.spans().every(s => !s.name.startsWith('chat '))).toBe(true);
  });

  it("shows a stream's answer once in streamEvents after the first model failed before its first chunk", async () => {
    provider.setDefault(request =>
      request.model === 'gpt-primary' ? faults.errorFrame(0) : { kind: 'answer' },
    );
    const middleware = resilienceMiddleware({
      registry: null,
      fallbacks: [chatOpenAI('gpt-backup')],
      policy: { retry: { maxRetries: 0 } },
    });
    disposables.push(middleware);
    const agent = createAgent({ model: chatOpenAI('gpt-primary'), tools: [], middleware: [middleware] });
    let text = '';
    for await (const event of agent.streamEvents(
      { messages: [{ role: 'user', content: 'refund?' }] },
      { version: 'v2' },
    )) {
      if (event.event === 'on_chat_model_stream') text += (event.data.chunk as AIMessageChunk).text;
    }
    expect(text).toBe(ANSWER);
    expect(provider.requests.map(r => r.model)).toEqual(['gpt-primary', 'gpt-backup']);
  });

  it("closes the provider request within 50 ms when the consumer stops reading the agent's stream", async () => {
    provider.script({ kind: 'answer', chunks: 4, chunkDelayMs: 1_000 });
    const middleware = resilienceMiddleware({ registry: null });
    disposables.push(middleware);
    const agent = createAgent({ model: chatOpenAI('gpt-test'), tools: [], middleware: [middleware] });
    let stoppedAt = 0;
    for await (const [message] of await agent.stream(
      { messages: [{ role: 'user', content: 'refund?' }] },
      { streamMode: 'messages' },
    )) {
      if (AIMessageChunk.isInstance(message) && message.text !== '') {
        stoppedAt = performance.now();
        break;
      }
    }
    const record = await provider.requests[0]!.closed;
    expect(record.outcome).toBe('client_closed');
    expect((record.closedAt ?? Number.POSITIVE_INFINITY) - stoppedAt).toBeLessThan(50);
  });
});
