import type { StreamEvent } from '@openai/agents-core';
import { Usage } from '@openai/agents-core';
import { describe, expect, it } from 'vitest';
import { classifyError } from '../../classify/classifier.js';
import { errorOfEvent, isContentEvent, usageOfEvent, usageOfResponse } from './stream-events.js';

const raw = (event: Record<string, unknown>): StreamEvent => ({ type: 'model', event });
const done: StreamEvent = {
  type: 'response_done',
  response: {
    id: 'resp_1',
    usage: { requests: 1, inputTokens: 12, outputTokens: 3, totalTokens: 15 },
    output: [],
  },
};

describe('Agents SDK stream events', () => {
  it.each([
    ['output text', { type: 'output_text_delta', delta: 'Hi' } as StreamEvent, true],
    ['the final response (a tool-call-only answer has nothing before it)', done, true],
    ['a Responses tool-call arguments delta', raw({ type: 'response.function_call_arguments.delta' }), true],
    [
      'a Chat Completions tool-call chunk',
      raw({ choices: [{ delta: { tool_calls: [{ index: 0 }] } }] }),
      true,
    ],
    ['response_started', { type: 'response_started' } as StreamEvent, false],
    ['another raw event', raw({ type: 'response.created' }), false],
    ['a Chat Completions chunk without tool calls', raw({ choices: [{ delta: { tool_calls: [] } }] }), false],
    ['a hostile raw event', raw({ choices: [null, 7, { delta: 'x' }] }), false],
  ])('%s is content: %s', (_, event, content) => {
    expect(isContentEvent(event)).toBe(content);
  });

  it('finds the error of a raw error frame or failed response, classified like the HTTP error', () => {
    const frame = { type: 'error', code: 'rate_limit_exceeded', message: 'Rate limit reached' };
    expect(errorOfEvent(raw(frame))).toBe(frame);
    expect(classifyError(errorOfEvent(raw(frame))).category).toBe('rate_limited');
    const failed = raw({
      type: 'response.failed',
      response: { error: { code: 'server_error', message: 'The server had an error' } },
    });
    expect(classifyError(errorOfEvent(failed)).category).toBe('server_error');
    expect(errorOfEvent(raw({ type: 'response.output_text.delta' }))).toBeUndefined();
    expect(errorOfEvent(done)).toBeUndefined();
  });

  it('reads the usage of response_done and of a ModelResponse', () => {
    expect(usageOfEvent(done)).toEqual({ inputTokens: 12, outputTokens: 3 });
    expect(usageOfEvent({ type: 'output_text_delta', delta: 'x' })).toBeUndefined();
    const usage = new Usage({ requests: 1, inputTokens: 5, outputTokens: 2, totalTokens: 7 });
    expect(usageOfResponse({ usage, output: [] })).toEqual({ inputTokens: 5, outputTokens: 2 });
    expect(usageOfResponse(null)).toBeUndefined();
  });
});
