import type { LanguageModelV4StreamPart } from '@ai-sdk/provider';
import { createProviderStreamError } from '@ai-sdk/provider-utils';
import { stepCountIs, streamText, tool } from 'ai';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { PolicyRegistry } from '../../core/registry.js';
import { StreamBrokenError } from '../../errors/call-errors.js';
import {
  ATTR_RESILIENCE_ERROR_CATEGORY,
  ATTR_RESILIENCE_STREAM_COMMITTED,
  ATTR_RESILIENCE_TIMEOUT_KIND,
  ATTR_RESILIENCE_TOKEN_KIND,
  METRIC_ERRORS,
  METRIC_INNER_RETRIES,
  METRIC_STREAM_BROKEN,
  METRIC_TIMEOUTS,
  METRIC_TOKENS,
} from '../../semconv.js';
import { TestTelemetry } from '../../test-support/otel.js';
import { withResilience } from './index.js';
import { apiError, preamble, scriptedModel, usage } from './test-support/scripted-model.js';
import { collect, countOf, deltas, textOf } from './test-support/stream-reading.js';

const prompt = 'Where is my refund?';
const NO_RETRY = { retry: { maxRetries: 0 } };

describe('AI SDK adapter: streamText', () => {
  let otel: TestTelemetry;
  let registry: PolicyRegistry;
  beforeEach(() => {
    otel = new TestTelemetry().install();
    registry = new PolicyRegistry();
  });
  afterEach(async () => {
    vi.useRealTimers();
    await otel.uninstall();
  });

  it('streams from the fallback when the primary fails to open, showing one answer', async () => {
    const primary = scriptedModel('primary', [{ fail: apiError(503) }]);
    const backup = scriptedModel('backup', [{ answer: 'Refunds take five days.' }]);
    const model = withResilience(primary.model, { fallbacks: [backup.model], registry, policy: NO_RETRY });
    const parts = await collect(streamText({ model, prompt, maxRetries: 0 }).fullStream);
    expect(textOf(parts)).toBe('Refunds take five days.');
    expect(countOf(parts, 'text-start')).toBe(1);
    expect(countOf(parts, 'error')).toBe(0);
    expect(await otel.total(METRIC_TOKENS, { [ATTR_RESILIENCE_TOKEN_KIND]: 'served' })).toBe(15); // finish usage
    model.dispose();
  });

  it('serves the next model after a stall before the first content part, hiding the stalled preamble', async () => {
    vi.useFakeTimers();
    const primary = scriptedModel('primary', [{ parts: preamble('primary'), end: 'hang' }]);
    const backup = scriptedModel('backup', [{ answer: 'From the backup.' }]);
    const model = withResilience(primary.model, {
      fallbacks: [backup.model],
      registry,
      policy: NO_RETRY,
      stream: { stallTimeoutMs: 1_000 },
    });
    const result = streamText({ model, prompt, maxRetries: 0 });
    const parts = collect(result.fullStream);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(textOf(await parts)).toBe('From the backup.');
    expect(countOf(await parts, 'text-start')).toBe(1);
    expect((await result.response).id).toBe('resp-backup'); // the primary's response-metadata never surfaced
    expect(primary.calls[0]?.abortSignal?.aborted).toBe(true);
    expect(await otel.total(METRIC_TIMEOUTS, { [ATTR_RESILIENCE_TIMEOUT_KIND]: 'stall' })).toBe(1);
    expect(await otel.total(METRIC_STREAM_BROKEN, { [ATTR_RESILIENCE_STREAM_COMMITTED]: false })).toBe(1);
    model.dispose();
  });

  // Defect: only text, reasoning and tool parts committed a stream, so a completed answer without one (an empty
  // reply, a reasoning model whose output budget went to hidden reasoning, finish 'length') ended in
  // EmptyStreamError: retried, sent to every fallback, then an error part, while doGenerate returned it.
  it('serves a stream that completes without a content part (finish only) as generate does, without retries', async () => {
    const primary = scriptedModel('primary', [
      {
        parts: [
          { type: 'stream-start', warnings: [] },
          { type: 'response-metadata', id: 'resp-1', modelId: 'primary', timestamp: new Date(0) },
          {
            type: 'finish',
            usage: usage(10, 0),
            finishReason: { unified: 'length', raw: 'max_output_tokens' },
          },
        ],
      },
    ]);
    const backup = scriptedModel('backup', [{ answer: 'never used' }]);
    const model = withResilience(primary.model, {
      fallbacks: [backup.model],
      registry,
      policy: { retry: { maxRetries: 2, initialDelayMs: 1, jitter: 'none' } },
    });
    const result = streamText({ model, prompt, maxRetries: 0, onError: () => {} });
    const parts = await collect(result.fullStream);
    expect(countOf(parts, 'error')).toBe(0);
    expect(await result.finishReason).toBe('length');
    expect(primary.calls).toHaveLength(1);
    expect(backup.calls).toHaveLength(0);
    model.dispose();
  });

  it('retries an error part before the first content part, classified like the HTTP error it stands for', async () => {
    const overloaded = createProviderStreamError({
      message: 'Overloaded',
      type: 'overloaded_error',
      data: {},
    });
    const primary = scriptedModel('primary', [
      {
        parts: [
          { type: 'stream-start', warnings: [] },
          { type: 'error', error: overloaded },
        ],
      },
      { answer: 'Second attempt.' },
    ]);
    const model = withResilience(primary.model, {
      registry,
      policy: { retry: { maxRetries: 1, initialDelayMs: 1, jitter: 'none' } },
    });
    const parts = await collect(streamText({ model, prompt, maxRetries: 0 }).fullStream);
    expect(textOf(parts)).toBe('Second attempt.');
    expect(countOf(parts, 'error')).toBe(0);
    expect(await otel.total(METRIC_ERRORS, { [ATTR_RESILIENCE_ERROR_CATEGORY]: 'overloaded' })).toBe(1);
    model.dispose();
  });

  it('ends a stream that breaks after its first content part with a StreamBrokenError part, not a replay', async () => {
    const reset = Object.assign(new TypeError('terminated'), { cause: { code: 'ECONNRESET' } });
    const primary = scriptedModel('primary', [
      { parts: [...preamble('primary'), ...deltas('Refunds ', 'are ')], end: { error: reset } },
    ]);
    const backup = scriptedModel('backup', [{ answer: 'never used' }]);
    const model = withResilience(primary.model, { fallbacks: [backup.model], registry, policy: NO_RETRY });
    const errors: unknown[] = [];
    const parts = await collect(
      streamText({ model, prompt, maxRetries: 0, onError: ({ error }) => void errors.push(error) })
        .fullStream,
    );
    expect(textOf(parts)).toBe('Refunds are ');
    const broken = parts.find(part => part.type === 'error')?.error;
    expect(StreamBrokenError.isInstance(broken)).toBe(true);
    expect((broken as StreamBrokenError).classified.category).toBe('network');
    expect(errors).toEqual([broken]);
    expect(backup.calls).toHaveLength(0);
    expect(await otel.total(METRIC_STREAM_BROKEN, { [ATTR_RESILIENCE_STREAM_COMMITTED]: true })).toBe(1);
    model.dispose();
  });

  it('closes the provider stream when the caller aborts streamText', async () => {
    const primary = scriptedModel('primary', [
      { parts: [...preamble('primary'), ...deltas('Refunds ')], end: 'hang' },
    ]);
    const model = withResilience(primary.model, { registry, policy: NO_RETRY });
    const controller = new AbortController();
    const result = streamText({ model, prompt, maxRetries: 0, abortSignal: controller.signal });
    const parts: string[] = [];
    for await (const part of result.fullStream) {
      parts.push(part.type);
      if (part.type === 'text-delta') controller.abort();
    }
    expect(parts.at(-1)).toBe('abort');
    expect(parts).not.toContain('error');
    expect(primary.calls[0]?.abortSignal?.aborted).toBe(true);
    model.dispose();
  });

  it('cancels the provider stream when its reader cancels the resilient stream', async () => {
    // streamText keeps reading the model stream after its own consumer stops (it tees it): cancelling is up to
    // whoever reads the model directly, and must reach the provider even if it ignores the abort signal.
    const primary = scriptedModel('primary', [
      { parts: [...preamble('primary'), ...deltas('Refunds ')], end: 'deaf' },
    ]);
    const model = withResilience(primary.model, { registry, policy: NO_RETRY });
    const { stream } = await model.doStream({
      prompt: [{ role: 'user', content: [{ type: 'text', text: prompt }] }],
    });
    const reader = stream.getReader();
    while ((await reader.read()).value?.type !== 'text-delta');
    await reader.cancel();
    expect(primary.cancelled).toBe(1);
    expect(primary.calls[0]?.abortSignal?.aborted).toBe(true);
    model.dispose();
  });

  it("detects streamText's streamRetries retrying a broken stream underneath the policy", async () => {
    const primary = scriptedModel('primary', [
      { parts: [...preamble('primary'), ...deltas('Refunds ')], end: { error: apiError(500) } },
      { answer: 'Refunds are issued in five days.' },
    ]);
    const model = withResilience(primary.model, { registry, policy: NO_RETRY });
    const parts = await collect(streamText({ model, prompt, maxRetries: 0, streamRetries: 1 }).fullStream);
    expect(primary.calls).toHaveLength(2);
    expect(textOf(parts)).toContain('Refunds are issued in five days.');
    expect(await otel.total(METRIC_INNER_RETRIES)).toBe(1);
    model.dispose();
  });

  it('streams a tool loop: the tool-call part commits the step, and each step is protected', async () => {
    const toolCall: LanguageModelV4StreamPart[] = [
      { type: 'stream-start', warnings: [] },
      { type: 'tool-call', toolCallId: 'c1', toolName: 'lookup', input: '{"order":"42"}' },
      { type: 'finish', usage: usage(10, 5), finishReason: { unified: 'tool-calls', raw: 'tool_calls' } },
    ];
    const primary = scriptedModel('primary', [
      { parts: toolCall },
      { fail: apiError(503) },
      { answer: 'Order 42 ships tomorrow.' },
    ]);
    const model = withResilience(primary.model, {
      registry,
      policy: { retry: { maxRetries: 1, initialDelayMs: 1, jitter: 'none' } },
    });
    const lookup = vi.fn(async ({ order }: { order: string }) => `order ${order} ships tomorrow`);
    const result = streamText({
      model,
      prompt,
      maxRetries: 0,
      tools: { lookup: tool({ inputSchema: z.object({ order: z.string() }), execute: lookup }) },
      stopWhen: stepCountIs(3),
    });
    expect(await result.text).toBe('Order 42 ships tomorrow.');
    expect(lookup).toHaveBeenCalledTimes(1);
    expect(primary.calls).toHaveLength(3);
    model.dispose();
  });
});
