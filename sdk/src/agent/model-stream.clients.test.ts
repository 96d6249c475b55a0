/**
 * `run.modelStream` through the real `openai` and `@anthropic-ai/sdk` streaming clients (their own retries off)
 * against the local fault-injecting provider: failures before the first content chunk are retried unseen, a
 * break after it is a classified StreamBrokenError (never a replay), the consumer's `break` and the run's
 * cancellation close the provider request, and the chunks' usage counts once, as served or wasted tokens.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { StreamBrokenError } from '../errors/call-errors.js';
import { createPolicy } from '../pipeline/create-policy.js';
import { METRIC_TOKENS } from '../semconv.js';
import { FakeLlmProvider, faults } from '../test-support/llm-provider.js';
import { TestTelemetry } from '../test-support/otel.js';
import { createAgent } from './create-agent.js';

type ChatChunk = OpenAI.Chat.Completions.ChatCompletionChunk;
type MessageEvent = Anthropic.Messages.RawMessageStreamEvent;

const ANSWER = 'Refunds take five business days.';
const USAGE = { inputTokens: 12, outputTokens: 30 };

let provider: FakeLlmProvider;
let otel: TestTelemetry;
beforeAll(async () => {
  provider = await FakeLlmProvider.start({ answer: () => ANSWER, chunks: 4 });
});
afterAll(() => provider.close());
beforeEach(() => {
  provider.clear();
  provider.setDefault({ kind: 'answer', usage: USAGE });
  otel = new TestTelemetry().install();
});
afterEach(() => otel.uninstall());

const openai = () =>
  new OpenAI({ apiKey: 'sk-test-not-a-real-key', baseURL: provider.openaiBaseURL, maxRetries: 0 });
const anthropic = () =>
  new Anthropic({
    apiKey: 'sk-ant-test-not-a-real-key',
    baseURL: provider.anthropicBaseURL,
    maxRetries: 0,
    openTelemetry: false,
  });
const chat = ({ signal }: { signal: AbortSignal }) =>
  openai().chat.completions.create(
    {
      model: 'gpt-test',
      messages: [{ role: 'user', content: 'refund?' }],
      stream: true,
      stream_options: { include_usage: true },
    },
    { signal },
  );
const messages = ({ signal }: { signal: AbortSignal }) =>
  anthropic().messages.create(
    { model: 'claude-test', max_tokens: 100, messages: [{ role: 'user', content: 'refund?' }], stream: true },
    { signal },
  );

/** Text of OpenAI chunks or Anthropic events, as a UI would show it. */
function textOf(chunk: ChatChunk | MessageEvent): string {
  if ('choices' in chunk) return chunk.choices[0]?.delta?.content ?? '';
  return chunk.type === 'content_block_delta' && chunk.delta.type === 'text_delta' ? chunk.delta.text : '';
}

async function read<C extends ChatChunk | MessageEvent>(stream: AsyncIterable<C>) {
  let text = '';
  try {
    for await (const chunk of stream) text += textOf(chunk);
    return { text, error: undefined };
  } catch (error) {
    return { text, error };
  }
}

const tokens = (kind: 'served' | 'wasted', type: 'input' | 'output') =>
  otel.total(METRIC_TOKENS, { 'resilience.token.kind': kind, 'gen_ai.token.type': type });

const agentWith = (
  policy = createPolicy('model.shared', { registry: null, retry: { maxRetries: 2, initialDelayMs: 1 } }),
) => ({
  agent: createAgent('support', { registry: null, retry: false }),
  policy,
});

describe('run.modelStream with the real openai client', () => {
  it('retries a 429 and an error frame before the first chunk: one clean answer, its tokens served once', async () => {
    provider.script(faults.rateLimited({ retryAfterMs: 20 }), faults.errorFrame(0));
    const { agent, policy } = agentWith();
    const { text, error } = await agent.run(async run =>
      read(await run.modelStream('gpt-test', chat, { policy })),
    );
    expect(error).toBeUndefined();
    expect(text).toBe(ANSWER);
    expect(provider.requests.map(r => r.status)).toEqual([429, 200, 200]);
    expect([await tokens('served', 'input'), await tokens('served', 'output')]).toEqual([12, 30]);
    expect(await otel.total(METRIC_TOKENS, { 'resilience.token.kind': 'wasted' })).toBe(0);
    agent.dispose();
  });

  it('a drop after the commit is a StreamBrokenError classified network, not replayed', async () => {
    provider.script(faults.drop(2));
    const { agent, policy } = agentWith();
    const { text, error } = await agent.run(async run =>
      read(await run.modelStream('gpt-test', chat, { policy })),
    );
    expect(error).toBeInstanceOf(StreamBrokenError);
    expect((error as StreamBrokenError).classified.category).toBe('network');
    expect(ANSWER.startsWith(text) && text.length > 0 && text !== ANSWER).toBe(true);
    expect(provider.requests).toHaveLength(1);
    agent.dispose();
  });

  it("the consumer's break closes the provider request within 50 ms", async () => {
    provider.script(faults.stall(1));
    const { agent, policy } = agentWith();
    let stoppedAt = Number.POSITIVE_INFINITY;
    await agent.run(async run => {
      const stream = await run.modelStream('gpt-test', chat, { policy });
      for await (const _ of stream) {
        stoppedAt = performance.now();
        break;
      }
    });
    const record = provider.requests[0]!;
    await record.closed;
    expect(record.outcome).toBe('client_closed');
    expect((record.closedAt ?? Number.POSITIVE_INFINITY) - stoppedAt).toBeLessThan(50);
    agent.dispose();
  });

  it("cancelling the run mid-stream closes the provider request; the consumer's read fails cancelled", async () => {
    provider.script(faults.stall(1));
    const { agent, policy } = agentWith();
    const controller = new AbortController();
    const run = agent.run(
      async r => {
        const stream = await r.modelStream('gpt-test', chat, { policy });
        const iterator = stream[Symbol.asyncIterator]();
        await iterator.next();
        controller.abort();
        return iterator.next();
      },
      { signal: controller.signal },
    );
    await expect(run).rejects.toMatchObject({ reason: 'cancelled' });
    const record = provider.requests[0]!;
    await record.closed;
    expect(record.outcome).toBe('client_closed');
    agent.dispose();
  });
});

describe('run.modelStream with the real Anthropic client', () => {
  it('a first chunk too slow is retried; the slow attempt’s tokens (message_start) are wasted, the answer’s served', async () => {
    provider.script({ kind: 'answer', firstChunkDelayMs: 2_000, usage: USAGE });
    const policy = createPolicy('model.claude', {
      registry: null,
      retry: { maxRetries: 1, initialDelayMs: 1 },
      stream: { firstChunkTimeoutMs: 150 },
    });
    const { agent } = agentWith(policy);
    const { text, error } = await agent.run(async run =>
      read(await run.modelStream('claude-test', messages, { policy })),
    );
    expect(error).toBeUndefined();
    expect(text).toBe(ANSWER);
    await provider.requests[0]?.closed;
    expect(provider.requests[0]?.outcome).toBe('client_closed');
    expect([await tokens('wasted', 'input'), await tokens('wasted', 'output')]).toEqual([12, 1]);
    expect([await tokens('served', 'input'), await tokens('served', 'output')]).toEqual([12, 30]);
    agent.dispose();
  });

  it('an overloaded_error frame after the commit is a StreamBrokenError classified overloaded; its tokens wasted', async () => {
    provider.script(faults.errorFrame(2, { usage: USAGE }));
    const { agent, policy } = agentWith();
    const { error } = await agent.run(async run =>
      read(await run.modelStream('claude-test', messages, { policy })),
    );
    expect((error as StreamBrokenError).classified.category).toBe('overloaded');
    expect(provider.requests).toHaveLength(1);
    expect([await tokens('wasted', 'input'), await tokens('served', 'input')]).toEqual([12, 0]);
    agent.dispose();
  });

  it('a second model streams the answer when the first is down: its tokens served once, under its own policy', async () => {
    provider.script(faults.unavailable());
    const backup = createPolicy('model.claude', { registry: null });
    const agent: ReturnType<typeof createAgent> = createAgent('support', { registry: null, retry: false });
    const primary = createPolicy('model.gpt', {
      registry: null,
      fallback: {
        factory: ({ signal }) => agent.modelStream('claude-test', messages, { policy: backup, signal }),
      },
    });
    const { text, error } = await agent.run(async run =>
      read(await run.modelStream<ChatChunk | MessageEvent>('gpt-test', chat, { policy: primary })),
    );
    expect(error).toBeUndefined();
    expect(text).toBe(ANSWER);
    const served = (policy: string) =>
      otel.total(METRIC_TOKENS, { 'resilience.policy': policy, 'resilience.token.kind': 'served' });
    expect([await served('model.claude'), await served('model.gpt')]).toEqual([42, 0]);
    agent.dispose();
  });
});
