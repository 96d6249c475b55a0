/** The AI SDK adapter's `afterCommit: 'fallback-continue'`: a model continues a stream broken after its commit. */
import { stepCountIs, streamText, tool } from 'ai';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { PolicyRegistry } from '../../core/registry.js';
import { StreamBrokenError } from '../../errors/call-errors.js';
import { ATTR_RESILIENCE_FALLBACK_KIND, METRIC_FALLBACKS } from '../../semconv.js';
import { TestTelemetry } from '../../test-support/otel.js';
import { withResilience } from './index.js';
import { apiError, preamble, scriptedModel } from './test-support/scripted-model.js';
import { collect, countOf, deltas, textOf } from './test-support/stream-reading.js';

const prompt = 'Where is my refund?';
const NO_RETRY = { retry: { maxRetries: 0 } };

describe("AI SDK adapter: afterCommit 'fallback-continue'", () => {
  let otel: TestTelemetry;
  let registry: PolicyRegistry;
  beforeEach(() => {
    otel = new TestTelemetry().install();
    registry = new PolicyRegistry();
  });
  afterEach(async () => {
    await otel.uninstall();
  });

  it("afterCommit 'fallback-continue': the next model continues the partial text, in the same text block", async () => {
    const primary = scriptedModel('primary', [
      { parts: [...preamble('primary'), ...deltas('Refunds ', 'are ')], end: { error: apiError(500) } },
    ]);
    const backup = scriptedModel('backup', [{ answer: 'issued in five days.' }]);
    const model = withResilience(primary.model, {
      fallbacks: [backup.model],
      registry,
      policy: NO_RETRY,
      stream: { afterCommit: 'fallback-continue' },
    });
    const parts = await collect(streamText({ model, prompt, maxRetries: 0 }).fullStream);
    expect(textOf(parts)).toBe('Refunds are issued in five days.');
    expect(countOf(parts, 'text-start')).toBe(1);
    expect(countOf(parts, 'error')).toBe(0);
    expect(backup.calls[0]?.prompt.at(-1)).toEqual({
      role: 'assistant',
      content: [{ type: 'text', text: 'Refunds are ' }],
    });
    expect(await otel.total(METRIC_FALLBACKS, { [ATTR_RESILIENCE_FALLBACK_KIND]: 'continuation' })).toBe(1);
    model.dispose();
  });

  it("afterCommit 'fallback-continue' with one model: the same model continues", async () => {
    const primary = scriptedModel('primary', [
      { parts: [...preamble('primary'), ...deltas('Refunds ')], end: { error: apiError(500) } },
      { answer: 'take five days.' },
    ]);
    const model = withResilience(primary.model, {
      registry,
      policy: NO_RETRY,
      stream: { afterCommit: 'fallback-continue' },
    });
    const parts = await collect(streamText({ model, prompt, maxRetries: 0 }).fullStream);
    expect(textOf(parts)).toBe('Refunds take five days.');
    expect(primary.calls).toHaveLength(2);
    model.dispose();
  });

  // Defect: the continuation got the partial text only, so after a break inside a tool call the backup answered
  // afresh and the consumer was left with tool-input-start c1 / tool-input-delta that never ended (a UI shows a
  // tool call streaming forever). Such a stream is not continued: the break is reported, as with 'error'.
  it.each([
    ['inside its input', [{ type: 'tool-input-delta', id: 'c1', delta: '{"ord' }]],
    ['right after its start', []],
  ] as const)(
    "afterCommit 'fallback-continue' reports a break %s of a tool call instead of continuing",
    async (_, inside) => {
      const reset = Object.assign(new TypeError('terminated'), { cause: { code: 'ECONNRESET' } });
      const primary = scriptedModel('primary', [
        {
          parts: [
            ...preamble('primary'),
            ...deltas('Let me look. '),
            { type: 'text-end', id: 'txt' },
            { type: 'tool-input-start', id: 'c1', toolName: 'lookup' },
            ...inside,
          ],
          end: { error: reset },
        },
      ]);
      const backup = scriptedModel('backup', [{ answer: 'Ships tomorrow.' }]);
      const model = withResilience(primary.model, {
        fallbacks: [backup.model],
        registry,
        policy: NO_RETRY,
        stream: { afterCommit: 'fallback-continue' },
      });
      const result = streamText({
        model,
        prompt,
        maxRetries: 0,
        stopWhen: stepCountIs(1),
        onError: () => {},
        tools: {
          lookup: tool({ inputSchema: z.object({ order: z.string() }), execute: async () => 'tomorrow' }),
        },
      });
      const parts = await collect(result.fullStream);
      expect(textOf(parts)).toBe('Let me look. ');
      const broken = parts.find(part => part.type === 'error')?.error;
      expect(StreamBrokenError.isInstance(broken)).toBe(true);
      expect((broken as StreamBrokenError).classified.category).toBe('network');
      expect(backup.calls).toHaveLength(0);
      model.dispose();
    },
  );
});
