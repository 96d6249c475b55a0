/**
 * OpenAI Responses through the real `openai` client (maxRetries 0): the JSON response, the typed event stream the
 * client's strict `responses.stream()` accumulator accepts, and faults.
 */
import OpenAI from 'openai';
import type { ResponseStreamEvent } from 'openai/resources/responses/responses';
import { describe, expect, it } from 'vitest';
import { answerFor } from './answers.js';
import { faults } from './faults.js';
import { drain, openaiFor, useFakeProvider } from './test-clients.js';

const provider = useFakeProvider();
const QUESTION = 'When will my order ship?';
const ANSWER = answerFor(QUESTION);
const request = { model: 'gpt-4o-mini', input: QUESTION };

const deltasOf = (events: readonly ResponseStreamEvent[]) =>
  events.flatMap(e => (e.type === 'response.output_text.delta' ? [e.delta] : []));

describe('OpenAI responses', () => {
  it('answers JSON with output_text and usage', async () => {
    provider().script({ kind: 'answer', usage: { inputTokens: 20, outputTokens: 5 } });
    const response = await openaiFor(provider()).responses.create(request);
    expect(response.output_text).toBe(ANSWER);
    expect(response.usage).toMatchObject({ input_tokens: 20, output_tokens: 5, total_tokens: 25 });
    expect(provider().requests[0]).toMatchObject({ protocol: 'openai.responses', stream: false });
  });

  it('reads the prompt from input items as @openai/agents sends them', async () => {
    const response = await openaiFor(provider()).responses.create({
      model: 'gpt-4o-mini',
      input: [
        { role: 'user', type: 'message', content: [{ type: 'input_text', text: 'I forgot my password' }] },
      ],
    });
    expect(response.output_text).toBe(answerFor('password'));
  });

  it('streams typed events with increasing sequence numbers, ending in response.completed with usage', async () => {
    provider().script({ kind: 'answer', chunks: 3, usage: { inputTokens: 4, outputTokens: 6 } });
    const { items, error } = await drain(
      await openaiFor(provider()).responses.create({ ...request, stream: true }),
    );
    expect(error).toBeUndefined();
    expect(items.map(e => e.type)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    expect(items.map(e => e.sequence_number)).toEqual(items.map((_, i) => i));
    expect(deltasOf(items).join('')).toBe(ANSWER);
    expect(items.at(-1)).toMatchObject({
      response: { status: 'completed', usage: { input_tokens: 4, output_tokens: 6 } },
    });
  });

  it("satisfies the client's strict responses.stream() accumulator", async () => {
    const final = await openaiFor(provider()).responses.stream(request).finalResponse();
    expect(final.output_text).toBe(ANSWER);
    expect(final.status).toBe('completed');
  });

  it('an error event mid-stream surfaces as APIError without status, with the code', async () => {
    provider().script(faults.errorFrame(1, { error: { code: 'server_error', message: 'stream broke' } }));
    const { items, error } = await drain(
      await openaiFor(provider()).responses.create({ ...request, stream: true }),
    );
    expect(deltasOf(items)).toHaveLength(1);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect(error).toMatchObject({ status: undefined, code: 'server_error', message: 'stream broke' });
  });

  it('a drop mid-stream surfaces as a broken body after the delivered deltas', async () => {
    provider().script(faults.drop(2));
    const { items, error } = await drain(
      await openaiFor(provider()).responses.create({ ...request, stream: true }),
    );
    expect(deltasOf(items)).toHaveLength(2);
    expect(error).toBeInstanceOf(TypeError);
  });

  it('a 503 on a streaming request surfaces as InternalServerError', async () => {
    provider().script(faults.unavailable());
    await expect(openaiFor(provider()).responses.create({ ...request, stream: true })).rejects.toBeInstanceOf(
      OpenAI.InternalServerError,
    );
  });
});
