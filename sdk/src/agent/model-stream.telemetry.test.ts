/**
 * Telemetry of `run.modelStream`, through the real `openai` and `@anthropic-ai/sdk` streaming clients against the
 * local provider: the `genAiTelemetry` switch picks the call span (`chat {model}` CLIENT with the GenAI duration
 * of the whole stream, or the policy's own span), and token usage is counted once even when a chunk passes
 * through two model calls (a stream continued by a second model).
 */
import Anthropic from '@anthropic-ai/sdk';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createPolicy } from '../pipeline/create-policy.js';
import {
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  EVENT_STREAM_COMMIT,
  METRIC_GEN_AI_CLIENT_OPERATION_DURATION,
  METRIC_TOKENS,
  SCOPE_NAME,
} from '../semconv.js';
import { FakeLlmProvider, faults } from '../test-support/llm-provider.js';
import { TestTelemetry } from '../test-support/otel.js';
import { createAgent } from './create-agent.js';

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

const chat = ({ signal }: { signal: AbortSignal }) =>
  new OpenAI({
    apiKey: 'sk-test-not-a-real-key',
    baseURL: provider.openaiBaseURL,
    maxRetries: 0,
  }).chat.completions.create(
    {
      model: 'gpt-test',
      messages: [{ role: 'user', content: 'refund?' }],
      stream: true,
      stream_options: { include_usage: true },
    },
    { signal },
  );
/** The Anthropic client with its own tracing on (the default): a CLIENT span with usage per request. */
const messages = ({ signal }: { signal: AbortSignal }) =>
  new Anthropic({
    apiKey: 'sk-ant-test-not-a-real-key',
    baseURL: provider.anthropicBaseURL,
    maxRetries: 0,
  }).messages.create(
    { model: 'claude-test', max_tokens: 100, messages: [{ role: 'user', content: 'refund?' }], stream: true },
    { signal },
  );

const drain = async (stream: AsyncIterable<unknown>) => {
  try {
    for await (const _ of stream);
  } catch (error) {
    return error;
  }
  return undefined;
};
const ours = (spans: readonly ReadableSpan[]) =>
  spans.filter(s => s.instrumentationScope.name === SCOPE_NAME);
const genAiKeys = (span: ReadableSpan) => Object.keys(span.attributes).filter(k => k.startsWith('gen_ai.'));
/** Sum of a usage attribute over the trace, as Langfuse and Phoenix add it up. */
const usage = (spans: readonly ReadableSpan[]) =>
  spans.reduce((sum, s) => sum + Number(s.attributes[ATTR_GEN_AI_USAGE_INPUT_TOKENS] ?? 0), 0);

describe('run.modelStream spans and GenAI metrics (genAiTelemetry)', () => {
  it('emit: a chat CLIENT span under the run, ending with the usage and response model the stream reported', async () => {
    const agent = createAgent('support', { provider: 'openai', registry: null, genAiTelemetry: 'emit' });
    await agent.run(async run => {
      const stream = await run.modelStream('gpt-test', chat);
      expect(await otel.points(METRIC_GEN_AI_CLIENT_OPERATION_DURATION)).toEqual([]);
      await drain(stream);
    });
    const [point] = await otel.points(METRIC_GEN_AI_CLIENT_OPERATION_DURATION);
    expect(point?.attributes).toEqual({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-test',
    });
    const span = otel.span('chat gpt-test');
    expect(span).toMatchObject({ kind: SpanKind.CLIENT, status: { code: SpanStatusCode.UNSET } });
    expect(span.attributes).toMatchObject({
      'gen_ai.agent.name': 'support',
      'gen_ai.request.model': 'gpt-test',
      'gen_ai.response.model': 'gpt-test',
      'gen_ai.usage.input_tokens': USAGE.inputTokens,
      'gen_ai.usage.output_tokens': USAGE.outputTokens,
    });
    expect(span.events.map(e => e.name)).toContain(EVENT_STREAM_COMMIT);
    expect(span.parentSpanContext?.spanId).toBe(otel.span('invoke_agent support').spanContext().spanId);
    agent.dispose();
  });

  it('emit: a stream broken after its commit ends the span ERROR and the GenAI duration with error.type', async () => {
    provider.script(faults.drop(2));
    const agent = createAgent('support', { registry: null, genAiTelemetry: 'emit', retry: false });
    await expect(
      agent.run(async run => {
        throw await drain(await run.modelStream('gpt-test', chat));
      }),
    ).rejects.toThrow();
    expect(otel.span('chat gpt-test').status.code).toBe(SpanStatusCode.ERROR);
    const [point] = await otel.points(METRIC_GEN_AI_CLIENT_OPERATION_DURATION);
    expect(point?.attributes['error.type']).toEqual(expect.any(String));
    agent.dispose();
  });

  it("resilience-only: the policy's INTERNAL span, no GenAI attribute or metric; tokens still counted", async () => {
    const agent = createAgent('support', { registry: null, genAiTelemetry: 'resilience-only' });
    await agent.run(async run => drain(await run.modelStream('gpt-test', chat)));
    const call = ours(otel.spans()).find(s => s.name === 'model.gpt-test');
    expect(call?.kind).toBe(SpanKind.INTERNAL);
    expect(genAiKeys(call!)).toEqual([]);
    expect(await otel.points(METRIC_GEN_AI_CLIENT_OPERATION_DURATION)).toEqual([]);
    expect(await otel.total(METRIC_TOKENS, { 'resilience.token.kind': 'served' })).toBe(42);
    agent.dispose();
  });

  it("auto: inside another instrumentation's CLIENT inference span, only the policy's span", async () => {
    const agent = createAgent('support', { registry: null });
    await trace
      .getTracer('some-framework')
      .startActiveSpan(
        'chat gpt-test',
        { kind: SpanKind.CLIENT, attributes: { [ATTR_GEN_AI_OPERATION_NAME]: 'chat' } },
        async span => {
          await drain(await agent.modelStream('gpt-test', chat));
          span.end();
        },
      );
    expect(ours(otel.spans()).map(s => [s.name, s.kind])).toEqual([['model.gpt-test', SpanKind.INTERNAL]]);
    agent.dispose();
  });

  it("resilience-only around the Anthropic client's own tracing: the trace reports the answer's usage once", async () => {
    provider.script(faults.errorFrame(0));
    const policy = createPolicy('model.claude', {
      registry: null,
      retry: { maxRetries: 1, initialDelayMs: 1 },
    });
    const agent = createAgent('support', { registry: null });
    await agent.run(async run =>
      drain(await run.modelStream('claude-test', messages, { policy, genAiTelemetry: 'resilience-only' })),
    );
    const sdkSpans = otel.spans().filter(s => s.name === 'anthropic.messages.create');
    expect(sdkSpans.map(s => s.kind)).toEqual([SpanKind.CLIENT, SpanKind.CLIENT]);
    expect(usage(otel.spans())).toBe(USAGE.inputTokens);
    expect(ours(otel.spans()).filter(s => s.kind === SpanKind.CLIENT)).toEqual([]);
    agent.dispose();
  });
});

describe('run.modelStream token counts', () => {
  it("a stream a second model continues after a break counts each model's tokens once (84 before: 42 twice)", async () => {
    provider.script(faults.drop(2));
    const backup = createPolicy('model.claude', { registry: null });
    const agent: ReturnType<typeof createAgent> = createAgent('support', { registry: null, retry: false });
    const primary = createPolicy('model.gpt', {
      registry: null,
      stream: { afterCommit: 'fallback-continue' },
    });
    const error = await agent.run(async run =>
      drain(
        await run.modelStream<unknown>('gpt-test', chat, {
          policy: primary,
          stream: {
            continueWith: ({ signal }) =>
              agent.modelStream('claude-test', messages, {
                policy: backup,
                signal,
                genAiTelemetry: 'resilience-only',
              }),
          },
        }),
      ),
    );
    expect(error).toBeUndefined();
    const served = (policy: string) =>
      otel.total(METRIC_TOKENS, { 'resilience.policy': policy, 'resilience.token.kind': 'served' });
    expect([await served('model.gpt'), await served('model.claude')]).toEqual([0, 42]);
    agent.dispose();
  });
});

describe('run.modelStream validation', () => {
  it('refuses a reader that is not a function and an unknown stream option, naming them', () => {
    const agent = createAgent('a', { registry: null });
    expect(() => agent.modelStream('gpt-4o', chat, { stream: { isContent: true as never } })).toThrow(
      new TypeError(
        'Invalid options for agent.modelStream("gpt-4o"): stream.isContent must be a function, got true',
      ),
    );
    expect(() => agent.modelStream('gpt-4o', chat, { stream: { usage: () => 1 } as never })).toThrow(
      'stream.usage is not a known option (known: isContent, isFinal, errorOf, usageOf, continueWith)',
    );
    agent.dispose();
  });
});
