/**
 * Anthropic Messages through the real `@anthropic-ai/sdk` client (maxRetries 0): answers, usage, and what the
 * client sees for each fault.
 */
import Anthropic from '@anthropic-ai/sdk';
import type { RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages';
import { describe, expect, it } from 'vitest';
import { answerFor } from './answers.js';
import { faults } from './faults.js';
import { anthropicFor, causeCodes, drain, useFakeProvider } from './test-clients.js';

const provider = useFakeProvider();
const QUESTION = 'I cannot login to my account';
const ANSWER = answerFor(QUESTION);
const request = {
  model: 'claude-haiku-4-5',
  max_tokens: 256,
  messages: [{ role: 'user' as const, content: [{ type: 'text' as const, text: QUESTION }] }],
};

const textOf = (events: readonly RawMessageStreamEvent[]) =>
  events.flatMap(e =>
    e.type === 'content_block_delta' && e.delta.type === 'text_delta' ? [e.delta.text] : [],
  );

async function stream(options: { signal?: AbortSignal } = {}) {
  return anthropicFor(provider()).messages.create({ ...request, stream: true }, options);
}

describe('Anthropic messages: answers', () => {
  it('answers JSON with the canned answer and usage', async () => {
    provider().script({ kind: 'answer', usage: { inputTokens: 31, outputTokens: 8 } });
    const message = await anthropicFor(provider()).messages.create(request);
    expect(message.content).toEqual([{ type: 'text', text: ANSWER }]);
    expect(message.usage).toMatchObject({ input_tokens: 31, output_tokens: 8 });
    expect(provider().requests[0]).toMatchObject({
      protocol: 'anthropic.messages',
      model: 'claude-haiku-4-5',
    });
  });

  it('streams message_start ... message_stop with text deltas and the usage in message_delta', async () => {
    provider().script({ kind: 'answer', chunks: 2, usage: { inputTokens: 3, outputTokens: 4 } });
    const { items, error } = await drain(await stream());
    expect(error).toBeUndefined();
    expect(items.map(e => e.type)).toEqual([
      'message_start',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(textOf(items).join('')).toBe(ANSWER);
    expect(items.find(e => e.type === 'message_delta')).toMatchObject({ usage: { output_tokens: 4 } });
  });

  it("serves the client's messages.stream() helper", async () => {
    provider().script({
      kind: 'answer',
      chunks: 5,
      chunkDelayMs: 5,
      usage: { inputTokens: 9, outputTokens: 11 },
    });
    const message = await anthropicFor(provider()).messages.stream(request).finalMessage();
    expect(message.content).toEqual([{ type: 'text', text: ANSWER }]);
    expect(message.usage).toMatchObject({ input_tokens: 9, output_tokens: 11 });
    expect(message.stop_reason).toBe('end_turn');
  });
});

describe('Anthropic messages: faults', () => {
  it('529 surfaces as OverloadedError with the overloaded_error body', async () => {
    provider().script(faults.overloaded());
    const error = await anthropicFor(provider())
      .messages.create(request)
      .catch(e => e);
    expect(error).toBeInstanceOf(Anthropic.OverloadedError);
    expect(error.status).toBe(529);
    expect(error.error).toMatchObject({ type: 'error', error: { type: 'overloaded_error' } });
  });

  it('429 surfaces as RateLimitError with its retry-after header', async () => {
    provider().script(faults.rateLimited({ retryAfterSeconds: 3 }));
    const error = await anthropicFor(provider())
      .messages.create(request)
      .catch(e => e);
    expect(error).toBeInstanceOf(Anthropic.RateLimitError);
    expect(error.headers.get('retry-after')).toBe('3');
    expect(error.requestID).toBe('req_fake0');
  });

  it('400 context length surfaces as BadRequestError saying the prompt is too long', async () => {
    provider().script(faults.contextLength());
    const error = await anthropicFor(provider())
      .messages.create(request)
      .catch(e => e);
    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
    expect(error.message).toMatch(/prompt is too long/);
  });

  it('a mid-stream overloaded_error event surfaces as APIError without status, after the delivered text', async () => {
    provider().script(faults.errorFrame(2, { chunks: 4 }));
    const { items, error } = await drain(await stream());
    expect(textOf(items)).toHaveLength(2);
    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect(error).toMatchObject({
      status: undefined,
      error: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } },
    });
  });

  it('an error event as the first frame fails the messages.stream() helper', async () => {
    provider().script(faults.errorFrame(0));
    await expect(anthropicFor(provider()).messages.stream(request).finalMessage()).rejects.toBeInstanceOf(
      Anthropic.APIError,
    );
  });

  it('a drop mid-stream surfaces as a broken body', async () => {
    provider().script(faults.drop(1));
    const { items, error } = await drain(await stream());
    expect(textOf(items)).toHaveLength(1);
    expect(error).toBeInstanceOf(TypeError);
    expect(causeCodes(error)).toContain('UND_ERR_SOCKET');
  });

  it('a reset before the headers surfaces as APIConnectionError', async () => {
    provider().script(faults.reset());
    await expect(stream()).rejects.toBeInstanceOf(Anthropic.APIConnectionError);
  });

  it("a stall is ended by the client's abort, and the provider records the request closed", async () => {
    provider().script(faults.stall(1));
    const controller = new AbortController();
    const iterator = (await stream({ signal: controller.signal }))[Symbol.asyncIterator]();
    let event = await iterator.next();
    while (!event.done && event.value.type !== 'content_block_delta') event = await iterator.next();
    const stalled = iterator.next();
    controller.abort();
    // @anthropic-ai/sdk 1.12 ends a stream quietly when the caller's signal aborts it.
    await expect(stalled).resolves.toMatchObject({ done: true });
    const closed = await provider().requests[0]!.closed;
    expect(closed).toMatchObject({ outcome: 'client_closed', clientAborted: true, chunksSent: 1 });
  });
});
