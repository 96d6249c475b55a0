/**
 * Issue 9 §3, resilience-only spans: when a framework or provider SDK already emits the GenAI inference span,
 * `agent.model` must not add a second `chat {model}` CLIENT span with token usage, nor a second GenAI duration
 * (backends such as Langfuse and Phoenix sum usage over nested spans). Before the switch, a model call inside a
 * framework's `chat` span doubled the trace's input tokens (10 → 20); a second-model fallback and a cache fallback
 * reported the served answer's usage twice too.
 */
import { OpenTelemetry } from '@ai-sdk/otel';
import { SpanKind, trace } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { generateText, wrapLanguageModel } from 'ai';
import { MockLanguageModelV4 } from 'ai/test';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  METRIC_CALL_DURATION,
  METRIC_GEN_AI_CLIENT_OPERATION_DURATION,
  SCOPE_NAME,
} from '../semconv.js';
import { httpError } from '../test-support/errors.js';
import { TestTelemetry } from '../test-support/otel.js';
import { createAgent } from './create-agent.js';

const completion = () => ({
  model: 'gpt-4o-2024-08-06',
  usage: { prompt_tokens: 10, completion_tokens: 5 },
});

/** Sum of a usage attribute over spans, as Langfuse and Phoenix add it up. */
const usage = (spans: readonly ReadableSpan[], key = ATTR_GEN_AI_USAGE_INPUT_TOKENS): number =>
  spans.reduce(
    (sum, s) => sum + (typeof s.attributes[key] === 'number' ? (s.attributes[key] as number) : 0),
    0,
  );
const ours = (spans: readonly ReadableSpan[]) =>
  spans.filter(s => s.instrumentationScope.name === SCOPE_NAME);

/** A provider model for the AI SDK that answers "hi" with 10 input and 5 output tokens. */
const mockModel = () =>
  new MockLanguageModelV4({
    provider: 'openai.chat',
    modelId: 'gpt-4o',
    doGenerate: async () => ({
      content: [{ type: 'text', text: 'hi' }],
      finishReason: { unified: 'stop', raw: 'stop' },
      usage: {
        inputTokens: { total: 10, noCache: 10, cacheRead: undefined, cacheWrite: undefined },
        outputTokens: { total: 5, text: 5, reasoning: undefined },
      },
      warnings: [],
    }),
  });

describe('model calls under a framework GenAI span (genAiTelemetry)', () => {
  let otel: TestTelemetry;
  beforeEach(() => {
    otel = new TestTelemetry().install();
  });
  afterEach(async () => {
    await otel.uninstall();
  });

  it("auto: inside another instrumentation's CLIENT inference span, emits only the policy's INTERNAL span", async () => {
    const agent = createAgent('support', { provider: 'openai', registry: null });
    const framework = trace.getTracer('some-framework');
    await framework.startActiveSpan(
      'chat gpt-4o',
      { kind: SpanKind.CLIENT, attributes: { [ATTR_GEN_AI_OPERATION_NAME]: 'chat' } },
      async span => {
        const reply = await agent.model('gpt-4o', () => completion());
        // The framework reports the usage of the call it owns.
        span.setAttributes({
          [ATTR_GEN_AI_USAGE_INPUT_TOKENS]: reply.usage.prompt_tokens,
          [ATTR_GEN_AI_USAGE_OUTPUT_TOKENS]: reply.usage.completion_tokens,
        });
        span.end();
      },
    );
    expect(usage(otel.spans())).toBe(10);
    expect(usage(otel.spans(), ATTR_GEN_AI_USAGE_OUTPUT_TOKENS)).toBe(5);
    const [call] = ours(otel.spans());
    expect(call).toMatchObject({ name: 'model.gpt-4o', kind: SpanKind.INTERNAL });
    expect(Object.keys(call!.attributes).filter(k => k.startsWith('gen_ai.'))).toEqual([]);
    expect(await otel.points(METRIC_GEN_AI_CLIENT_OPERATION_DURATION)).toEqual([]);
    expect(await otel.total(METRIC_CALL_DURATION, { 'resilience.policy': 'model.gpt-4o' })).toBe(1);
    agent.dispose();
  });

  it('auto: inside the AI SDK (@ai-sdk/otel) chat span, as a hand-written middleware puts it, adds no usage', async () => {
    const baseline = await generateText({
      model: mockModel(),
      prompt: 'refund?',
      telemetry: { integrations: [new OpenTelemetry()] },
    });
    const frameworkOnly = usage(otel.spans());
    otel.spanExporter.reset();

    const agent = createAgent('support', { registry: null });
    const model = wrapLanguageModel({
      model: mockModel(),
      middleware: { wrapGenerate: ({ doGenerate }) => agent.model('gpt-4o', () => doGenerate()) },
    });
    const result = await generateText({
      model,
      prompt: 'refund?',
      telemetry: { integrations: [new OpenTelemetry()] },
    });
    expect(result.text).toBe(baseline.text);
    expect(frameworkOnly).toBeGreaterThan(0);
    expect(usage(otel.spans())).toBe(frameworkOnly);
    const chats = otel.spans().filter(s => s.kind === SpanKind.CLIENT);
    expect(chats.map(s => s.instrumentationScope.name)).toEqual(['gen_ai']);
    const [call] = ours(otel.spans());
    expect(call).toMatchObject({ name: 'model.gpt-4o', kind: SpanKind.INTERNAL });
    expect(call!.parentSpanContext?.spanId).toBe(chats[0]!.spanContext().spanId);
    expect(await otel.points(METRIC_GEN_AI_CLIENT_OPERATION_DURATION)).toEqual([]);
    agent.dispose();
  });

  it("resilience-only: around generateText (the AI SDK's spans are children), adds no usage and no chat span", async () => {
    await generateText({
      model: mockModel(),
      prompt: 'refund?',
      telemetry: { integrations: [new OpenTelemetry()] },
    });
    const frameworkOnly = usage(otel.spans());
    otel.spanExporter.reset();

    const agent = createAgent('support', { registry: null, genAiTelemetry: 'resilience-only' });
    await agent.run(run =>
      run.model('gpt-4o', () =>
        generateText({
          model: mockModel(),
          prompt: 'refund?',
          telemetry: { integrations: [new OpenTelemetry()] },
        }),
      ),
    );
    expect(usage(otel.spans())).toBe(frameworkOnly);
    expect(ours(otel.spans()).map(s => [s.name, s.kind])).toEqual([
      ['model.gpt-4o', SpanKind.INTERNAL],
      ['invoke_agent support', SpanKind.INTERNAL],
    ]);
    expect(await otel.points(METRIC_GEN_AI_CLIENT_OPERATION_DURATION)).toEqual([]);
    agent.dispose();
  });

  it('the per-call option overrides the agent option, both ways', async () => {
    const agent = createAgent('support', { registry: null, genAiTelemetry: 'resilience-only' });
    await agent.model('gpt-4o', () => completion(), { genAiTelemetry: 'emit' });
    await agent.model('gpt-4o-mini', () => completion());
    expect(ours(otel.spans()).map(s => [s.name, s.kind])).toEqual([
      ['chat gpt-4o', SpanKind.CLIENT],
      ['model.gpt-4o-mini', SpanKind.INTERNAL],
    ]);
    otel.spanExporter.reset();

    const framework = trace.getTracer('some-framework');
    await framework.startActiveSpan(
      'chat gpt-4o',
      { kind: SpanKind.CLIENT, attributes: { [ATTR_GEN_AI_OPERATION_NAME]: 'chat' } },
      async span => {
        await agent.model('gpt-4o', () => completion(), { genAiTelemetry: 'emit' });
        span.end();
      },
    );
    expect(ours(otel.spans())[0]).toMatchObject({ name: 'chat gpt-4o', kind: SpanKind.CLIENT });
    agent.dispose();
  });

  it('auto: an INTERNAL framework span (a step, a tool) or our own spans do not switch the GenAI span off', async () => {
    const agent = createAgent('support', { registry: null });
    const framework = trace.getTracer('some-framework');
    await framework.startActiveSpan(
      'execute_tool search',
      { kind: SpanKind.INTERNAL, attributes: { [ATTR_GEN_AI_OPERATION_NAME]: 'execute_tool' } },
      async span => {
        await agent.model('gpt-4o', () => completion());
        span.end();
      },
    );
    await agent.run(run => run.model('gpt-4o-mini', () => completion()));
    expect(ours(otel.spans()).map(s => s.name)).toEqual([
      'chat gpt-4o',
      'chat gpt-4o-mini',
      'invoke_agent support',
    ]);
    agent.dispose();
  });
});

describe('usage of a served answer is reported once', () => {
  let otel: TestTelemetry;
  beforeEach(() => {
    otel = new TestTelemetry().install();
  });
  afterEach(async () => {
    await otel.uninstall();
  });

  it('a second-model fallback: the backup span reports it, the failed primary span does not', async () => {
    const agent: ReturnType<typeof createAgent> = createAgent('support', {
      registry: null,
      models: {
        fallback: {
          factory: ({ signal }) =>
            agent.model(
              'claude-haiku',
              () => ({ model: 'claude-haiku', usage: { input_tokens: 7, output_tokens: 3 } }),
              {
                provider: 'anthropic',
                signal,
              },
            ),
        },
      },
    });
    await agent.model('gpt-4o', () => Promise.reject(httpError(401)));
    expect(usage(otel.spans())).toBe(7);
    expect(usage(otel.spans(), ATTR_GEN_AI_USAGE_OUTPUT_TOKENS)).toBe(3);
    expect(otel.span('chat claude-haiku').attributes[ATTR_GEN_AI_USAGE_INPUT_TOKENS]).toBe(7);
    // The primary span still names the model that answered.
    expect(otel.span('chat gpt-4o').attributes).toMatchObject({
      [ATTR_GEN_AI_REQUEST_MODEL]: 'gpt-4o',
      'gen_ai.response.model': 'claude-haiku',
    });
    agent.dispose();
  });

  it('a resilience-only backup (its client traces itself): the failed primary span does not report it either', async () => {
    const agent: ReturnType<typeof createAgent> = createAgent('support', {
      registry: null,
      models: {
        fallback: {
          factory: ({ signal }) =>
            agent.model('claude-haiku', () => ({ usage: { input_tokens: 7, output_tokens: 3 } }), {
              genAiTelemetry: 'resilience-only',
              signal,
            }),
        },
      },
    });
    await agent.model('gpt-4o', () => Promise.reject(httpError(401)));
    expect(usage(otel.spans())).toBe(0);
    agent.dispose();
  });

  it('a cache fallback: an answer served again from the cache spent no tokens', async () => {
    const agent = createAgent('support', {
      registry: null,
      models: { fallback: { cache: { ttlMs: 60_000 } } },
    });
    await agent.model('gpt-4o', () => completion(), { cacheKey: 'refunds' });
    await agent.model('gpt-4o', () => Promise.reject(httpError(401)), { cacheKey: 'refunds' });
    expect(otel.spans().filter(s => s.name === 'chat gpt-4o')).toHaveLength(2);
    expect(usage(otel.spans())).toBe(10);
    agent.dispose();
  });
});

describe('genAiTelemetry validation', () => {
  it('refuses an unknown mode on the agent and on a call, naming the option', async () => {
    expect(() => createAgent('a', { registry: null, genAiTelemetry: 'off' as never })).toThrow(
      'Invalid options for createAgent("a"): genAiTelemetry must be one of "auto", "emit", "resilience-only", got "off"',
    );
    const agent = createAgent('a', { registry: null });
    expect(() => agent.model('gpt-4o', () => 1, { genAiTelemetry: false as never })).toThrow(TypeError);
    expect(() => agent.model('gpt-4o', () => 1, { genAiTelemetry: 'never' as never })).toThrow(
      'Invalid options for agent.model("gpt-4o"): genAiTelemetry must be one of "auto", "emit", "resilience-only", got "never"',
    );
    agent.dispose();
  });
});
