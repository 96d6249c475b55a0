/** `withStructuredOutput` of a resilient LangChain chat model (ChatOpenAI's own method: chat-openai.test.ts). */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { httpError } from '../../test-support/errors.js';
import { ScriptedChatModel } from './test-support/scripted-chat-model.js';
import { withResilience } from './with-resilience.js';

/** The tool call of a model that answers with the extraction tool (BaseChatModel's method binds the schema as it). */
const extract = { name: 'extract', args: { answer: 'five days' }, id: 'call-1', type: 'tool_call' as const };
const schema = z.object({ answer: z.string() });

describe('withStructuredOutput through the chain', () => {
  // Defect: withStructuredOutput (BaseChatModel's, binding the schema as a tool) parsed only an AIMessageChunk,
  // while invoke hands back the inner model's AIMessage: it threw "Input is not an AIMessageChunk".
  it('returns the tool-call arguments from withStructuredOutput, from the fallback when the primary fails', async () => {
    const primary = new ScriptedChatModel('gpt-x', [{ fail: httpError(503) }]);
    const backup = new ScriptedChatModel('claude-y', [{ text: '', toolCalls: [extract] }]);
    const model = withResilience(primary, { fallbacks: [backup], policy: {}, registry: null });
    expect(await model.withStructuredOutput(schema).invoke('refund?')).toEqual({
      answer: 'five days',
    });
    expect(backup.calls[0]?.tools).toHaveLength(1); // the schema, bound as a tool
    const { parsed, raw } = await model.withStructuredOutput(schema, { includeRaw: true }).invoke('hi');
    expect(parsed).toEqual({ answer: 'five days' });
    expect(raw.type).toBe('ai');
    model.dispose();
  });

  it('fails the attempt of an answer without the structured output: retried, then the next model', async () => {
    const primary = new ScriptedChatModel('gpt-x', [{ text: 'Five days, I think.' }]);
    const backup = new ScriptedChatModel('claude-y', [{ text: '', toolCalls: [extract] }]);
    const model = withResilience(primary, {
      fallbacks: [backup],
      policy: { retry: { maxRetries: 1, initialDelayMs: 1 } },
      registry: null,
    });
    expect(await model.withStructuredOutput(schema).invoke('refund?')).toEqual({
      answer: 'five days',
    });
    expect([primary.calls.length, backup.calls.length]).toEqual([2, 1]);
    model.dispose();
  });
});
