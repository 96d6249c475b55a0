import { OpenTelemetry } from '@ai-sdk/otel';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { generateText, registerTelemetry, stepCountIs, streamText, tool } from 'ai';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ATTR_GEN_AI_USAGE_INPUT_TOKENS, ATTR_GEN_AI_USAGE_OUTPUT_TOKENS } from '../../semconv.js';
import { TestTelemetry } from '../../test-support/otel.js';
import { withResilience } from './index.js';
import { apiError, scriptedModel, usage } from './test-support/scripted-model.js';

const prompt = 'When does order 42 ship?';
const NO_RETRY = { retry: { maxRetries: 0 } };

const isOurs = (span: ReadableSpan): boolean => span.name.startsWith('ai-sdk.');
const genAiKeys = (span: ReadableSpan): string[] =>
  Object.keys(span.attributes).filter(key => key.startsWith('gen_ai.'));
const sumOver = (spans: ReadableSpan[], key: string): number =>
  spans.reduce((sum, span) => sum + Number(span.attributes[key] ?? 0), 0);

describe('AI SDK adapter with @ai-sdk/otel: honest spans', () => {
  let otel: TestTelemetry;
  beforeEach(() => {
    otel = new TestTelemetry().install();
    registerTelemetry(new OpenTelemetry());
  });
  afterEach(async () => {
    globalThis.AI_SDK_TELEMETRY_INTEGRATIONS?.splice(0);
    await otel.uninstall();
  });

  it('nests resilience-only spans under the chat span, and usage appears once per model call', async () => {
    const primary = scriptedModel('primary', [
      { fail: apiError(503) },
      {
        content: [{ type: 'tool-call', toolCallId: 'c1', toolName: 'lookup', input: '{"order":"42"}' }],
        finish: 'tool-calls',
      },
      { answer: 'Tomorrow.', usage: usage(30, 3) },
    ]);
    const model = withResilience(primary.model, {
      registry: null,
      policy: { retry: { maxRetries: 1, initialDelayMs: 1, jitter: 'none' } },
    });
    const result = await generateText({
      model,
      prompt,
      maxRetries: 0,
      tools: {
        lookup: tool({ inputSchema: z.object({ order: z.string() }), execute: async () => 'tomorrow' }),
      },
      stopWhen: stepCountIs(3),
    });
    const spans = otel.spans();
    const chats = spans.filter(span => span.name === 'chat primary');
    expect(chats).toHaveLength(2); // two steps, two model calls: the retry inside the first is ours, not a third
    const chatIds = new Set(chats.map(span => span.spanContext().spanId));
    const ours = spans.filter(isOurs);
    const callSpans = ours.filter(span => span.name === 'ai-sdk.mock.primary');
    expect(callSpans).toHaveLength(2);
    for (const span of callSpans) expect(chatIds.has(span.parentSpanContext?.spanId ?? '')).toBe(true);
    for (const span of ours) expect(genAiKeys(span)).toEqual([]);
    expect(sumOver(chats, ATTR_GEN_AI_USAGE_INPUT_TOKENS)).toBe(result.totalUsage.inputTokens);
    expect(sumOver(chats, ATTR_GEN_AI_USAGE_OUTPUT_TOKENS)).toBe(result.totalUsage.outputTokens);
    model.dispose();
  });

  it('keeps one chat span with one usage when a fallback model serves a stream', async () => {
    const primary = scriptedModel('primary', [{ fail: apiError(503) }]);
    const backup = scriptedModel('backup', [{ answer: 'Tomorrow.', usage: usage(12, 4) }]);
    const model = withResilience(primary.model, {
      fallbacks: [backup.model],
      registry: null,
      policy: NO_RETRY,
    });
    const result = streamText({ model, prompt, maxRetries: 0 });
    await result.consumeStream();
    const spans = otel.spans();
    const withUsage = spans.filter(span => span.attributes[ATTR_GEN_AI_USAGE_INPUT_TOKENS] !== undefined);
    expect(withUsage.map(span => span.name).sort()).toEqual(['chat primary', 'invoke_agent primary']);
    expect(
      withUsage.find(span => span.name === 'chat primary')?.attributes[ATTR_GEN_AI_USAGE_INPUT_TOKENS],
    ).toBe(12);
    const ours = spans
      .filter(isOurs)
      .map(span => span.name)
      .sort();
    expect(ours).toEqual([
      'ai-sdk.mock.primary',
      'ai-sdk.mock.primary.mock.backup',
      'ai-sdk.mock.primary.mock.primary',
    ]);
    const chat = spans.find(span => span.name === 'chat primary')!;
    const call = spans.find(span => span.name === 'ai-sdk.mock.primary')!;
    expect(call.parentSpanContext?.spanId).toBe(chat.spanContext().spanId);
    model.dispose();
  });
});
