/**
 * OpenAI Chat Completions through the real `openai` client (maxRetries 0): answers, usage, and what the client
 * sees for each fault.
 */
import OpenAI from 'openai';
import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import { describe, expect, it } from 'vitest';
import { answerFor } from './answers.js';
import { faults } from './faults.js';
import { causeCodes, drain, openaiFor, useFakeProvider } from './test-clients.js';

const provider = useFakeProvider();
const QUESTION = 'Where is my refund?';
const ANSWER = answerFor(QUESTION);
const request = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: QUESTION }] };

const contentOf = (chunks: readonly ChatCompletionChunk[]) =>
  chunks.flatMap(c => (c.choices[0]?.delta.content ? [c.choices[0].delta.content] : []));

async function stream(options: { signal?: AbortSignal } = {}) {
  return openaiFor(provider()).chat.completions.create({ ...request, stream: true }, options);
}

describe('OpenAI chat completions: answers', () => {
  it('answers JSON with the canned answer and usage', async () => {
    provider().setDefault({ kind: 'answer', usage: { inputTokens: 12, outputTokens: 34 } });
    const completion = await openaiFor(provider()).chat.completions.create(request);
    expect(completion.choices[0]?.message.content).toBe(ANSWER);
    expect(completion.usage).toMatchObject({ prompt_tokens: 12, completion_tokens: 34, total_tokens: 46 });
    expect(provider().requests[0]).toMatchObject({
      protocol: 'openai.chat',
      model: 'gpt-4o-mini',
      stream: false,
    });
  });

  it('streams the answer in the scripted number of chunks, with a final usage chunk when asked', async () => {
    provider().script({ kind: 'answer', chunks: 6, usage: { inputTokens: 7, outputTokens: 9 } });
    const chunks = await openaiFor(provider()).chat.completions.create({
      ...request,
      stream: true,
      stream_options: { include_usage: true },
    });
    const { items, error } = await drain(chunks);
    expect(error).toBeUndefined();
    expect(contentOf(items)).toHaveLength(6);
    expect(contentOf(items).join('')).toBe(ANSWER);
    expect(items.at(-2)?.choices[0]?.finish_reason).toBe('stop');
    expect(items.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 7, completion_tokens: 9 } });
    expect(provider().requests[0]).toMatchObject({ stream: true, chunksSent: 6, outcome: 'completed' });
  });

  it('sends no usage chunk unless stream_options.include_usage is set', async () => {
    const { items } = await drain(await stream());
    expect(items.every(c => c.usage == null)).toBe(true);
  });

  it("serves the client's chat.completions.stream helper (slow chunks)", async () => {
    provider().script({ kind: 'answer', chunks: 3, chunkDelayMs: 5 });
    const helper = openaiFor(provider()).chat.completions.stream({
      ...request,
      stream_options: { include_usage: true },
    });
    const final = await helper.finalChatCompletion();
    expect(final.choices[0]?.message.content).toBe(ANSWER);
    expect(final.usage?.completion_tokens).toBe(Math.ceil(ANSWER.length / 4));
  });
});

describe('OpenAI chat completions: HTTP faults', () => {
  it('429 surfaces as RateLimitError with retry-after and retry-after-ms headers', async () => {
    provider().script(faults.rateLimited({ retryAfterSeconds: 2, retryAfterMs: 1500 }));
    const error = await openaiFor(provider())
      .chat.completions.create(request)
      .catch(e => e);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect(error.headers.get('retry-after')).toBe('2');
    expect(error.headers.get('retry-after-ms')).toBe('1500');
    expect(error.code).toBe('rate_limit_exceeded');
    expect(error.requestID).toBe('req_fake0');
  });

  it('a 429 on a streaming request fails before any chunk', async () => {
    provider().script(faults.rateLimited());
    await expect(stream()).rejects.toBeInstanceOf(OpenAI.RateLimitError);
  });

  it.each([
    ['500', faults.serverError(), OpenAI.InternalServerError, 500],
    ['503', faults.unavailable(), OpenAI.InternalServerError, 503],
    ['401', faults.unauthorized(), OpenAI.AuthenticationError, 401],
  ])('%s surfaces as the status error class', async (_, fault, errorClass, status) => {
    provider().script(fault);
    const error = await openaiFor(provider())
      .chat.completions.create(request)
      .catch(e => e);
    expect(error).toBeInstanceOf(errorClass);
    expect(error.status).toBe(status);
  });

  it('400 context length carries the context_length_exceeded code', async () => {
    provider().script(faults.contextLength());
    const error = await openaiFor(provider())
      .chat.completions.create(request)
      .catch(e => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(error.code).toBe('context_length_exceeded');
    expect(error.message).toMatch(/maximum context length/);
  });

  it('a reset before the headers surfaces as APIConnectionError (ECONNRESET)', async () => {
    provider().script(faults.reset());
    const error = await openaiFor(provider())
      .chat.completions.create(request)
      .catch(e => e);
    expect(error).toBeInstanceOf(OpenAI.APIConnectionError);
    expect(causeCodes(error)).toContain('ECONNRESET');
    expect(provider().requests[0]?.outcome).toBe('reset');
  });
});

describe('OpenAI chat completions: mid-stream faults', () => {
  it('a drop after N chunks delivers N chunks, then the body read fails', async () => {
    provider().script(faults.drop(2, { chunks: 5 }));
    const { items, error } = await drain(await stream());
    expect(contentOf(items)).toHaveLength(2);
    expect(error).toBeInstanceOf(TypeError);
    expect(causeCodes(error)).toContain('UND_ERR_SOCKET');
    expect(provider().requests[0]).toMatchObject({ outcome: 'dropped', chunksSent: 2, clientAborted: false });
  });

  it('an error frame after N chunks surfaces as APIError without status, carrying the error object', async () => {
    provider().script(faults.errorFrame(2, { error: { type: 'server_error', message: 'boom' } }));
    const { items, error } = await drain(await stream());
    expect(contentOf(items)).toHaveLength(2);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect(error).toMatchObject({ status: undefined, type: 'server_error', message: 'boom' });
  });

  it('an error frame as the first frame of an HTTP 200 stream: no chunk at all', async () => {
    provider().script(faults.errorFrame(0));
    const { items, error } = await drain(await stream());
    expect(items).toEqual([]);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect(provider().requests[0]?.status).toBe(200);
  });

  it("a stall is ended by the client's abort, and the provider records the request closed", async () => {
    provider().script(faults.stall(1, { maxMs: 10_000 }));
    const controller = new AbortController();
    const iterator = (await stream({ signal: controller.signal }))[Symbol.asyncIterator]();
    await iterator.next(); // the role chunk
    expect((await iterator.next()).value?.choices[0]?.delta.content).toBeTruthy();
    const stalled = iterator.next();
    controller.abort();
    // openai@7 ends a stream quietly when the caller's signal aborts it (no error is thrown).
    await expect(stalled).resolves.toMatchObject({ done: true });
    const closed = await provider().requests[0]!.closed;
    expect(closed).toMatchObject({ outcome: 'client_closed', clientAborted: true, chunksSent: 1 });
    expect(closed.closedAt).toBeGreaterThanOrEqual(closed.startedAt);
  });

  it('a stall that reaches its maxMs is cut by the server: the client sees a broken body', async () => {
    provider().script(faults.stall(1, { maxMs: 20 }));
    const { items, error } = await drain(await stream());
    expect(contentOf(items)).toHaveLength(1);
    expect(error).toBeInstanceOf(TypeError);
    expect(provider().requests[0]?.outcome).toBe('stall_expired');
  });

  it('firstChunkDelayMs holds content back after the preamble', async () => {
    provider().script({ kind: 'answer', firstChunkDelayMs: 10_000 });
    const controller = new AbortController();
    const iterator = (await stream({ signal: controller.signal }))[Symbol.asyncIterator]();
    const first = await iterator.next();
    expect(first.value?.choices[0]?.delta).toMatchObject({ role: 'assistant', content: '' });
    controller.abort();
    const record = await provider().requests[0]!.closed;
    expect(record).toMatchObject({ chunksSent: 0, outcome: 'client_closed' });
  });
});
