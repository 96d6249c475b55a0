/**
 * The frameworks the adapters wrap, against the fake provider with their own retries off: `@openai/agents`
 * (Responses API by default), `@ai-sdk/openai` (Responses by default, `.chat()` for Chat Completions) and
 * `@langchain/openai` (Chat Completions, usage in the stream).
 */
import { createOpenAI } from '@ai-sdk/openai';
import { ChatOpenAI } from '@langchain/openai';
import { Agent, Runner, setTracingDisabled } from '@openai/agents';
import { OpenAIProvider } from '@openai/agents-openai';
import { generateText, streamText } from 'ai';
import OpenAI from 'openai';
import { beforeAll, describe, expect, it } from 'vitest';
import { answerFor } from './answers.js';
import { faults } from './faults.js';
import { drain, openaiFor, useFakeProvider } from './test-clients.js';

const provider = useFakeProvider();
const QUESTION = 'Where is my refund?';
const ANSWER = answerFor(QUESTION);
const usage = { inputTokens: 21, outputTokens: 13 };

describe('@openai/agents', () => {
  beforeAll(() => setTracingDisabled(true)); // else traces are exported to api.openai.com
  const runner = () =>
    new Runner({ modelProvider: new OpenAIProvider({ openAIClient: openaiFor(provider()) }) });
  const agent = new Agent({ name: 'support', instructions: 'Be brief.', model: 'gpt-4o-mini' });

  it('runs on POST /v1/responses and reads the usage', async () => {
    provider().script({ kind: 'answer', usage });
    const result = await runner().run(agent, QUESTION);
    expect(result.finalOutput).toBe(ANSWER);
    expect(result.state.usage).toMatchObject({ inputTokens: 21, outputTokens: 13 });
    expect(provider().requests[0]).toMatchObject({ path: '/v1/responses', stream: false });
  });

  it('streams text deltas and surfaces an error event as the client APIError', async () => {
    const streamed = await runner().run(agent, QUESTION, { stream: true });
    expect((await drain(streamed.toTextStream())).items.join('')).toBe(ANSWER);
    provider().script(faults.errorFrame(1));
    const broken = await runner().run(agent, QUESTION, { stream: true });
    const { error } = await drain(broken.toTextStream());
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect(provider().requests.map(r => r.stream)).toEqual([true, true]);
  });
});

describe('@ai-sdk/openai', () => {
  const openai = () => createOpenAI({ apiKey: 'sk-test-not-a-real-key', baseURL: provider().openaiBaseURL });

  it('generateText uses POST /v1/responses by default and reads the usage', async () => {
    provider().script({ kind: 'answer', usage });
    const result = await generateText({ model: openai()('gpt-4o-mini'), prompt: QUESTION, maxRetries: 0 });
    expect(result.text).toBe(ANSWER);
    expect(result.usage).toMatchObject({ inputTokens: 21, outputTokens: 13 });
    expect(provider().requests[0]?.path).toBe('/v1/responses');
  });

  it('streamText surfaces a mid-stream error event as an AI_StreamProviderError part after the partial text', async () => {
    provider().script(faults.errorFrame(2, { chunks: 4 }));
    const result = streamText({
      model: openai()('gpt-4o-mini'),
      prompt: QUESTION,
      maxRetries: 0,
      onError: () => {},
    });
    const { items } = await drain(result.fullStream);
    const text = items.flatMap(part => (part.type === 'text-delta' ? [part.text] : []));
    expect(text).toHaveLength(2);
    const errorPart = items.find(part => part.type === 'error');
    expect((errorPart as { error: Error } | undefined)?.error.name).toBe('AI_StreamProviderError');
  });

  it('streamText on .chat() uses POST /v1/chat/completions with usage', async () => {
    provider().script({ kind: 'answer', usage });
    const result = streamText({ model: openai().chat('gpt-4o-mini'), prompt: QUESTION, maxRetries: 0 });
    expect((await drain(result.textStream)).items.join('')).toBe(ANSWER);
    expect(await result.usage).toMatchObject({ inputTokens: 21, outputTokens: 13 });
    expect(provider().requests[0]).toMatchObject({ path: '/v1/chat/completions', stream: true });
  });
});

describe('@langchain/openai', () => {
  it('ChatOpenAI streams over chat completions with usage metadata', async () => {
    provider().script({ kind: 'answer', usage });
    const model = new ChatOpenAI({
      model: 'gpt-4o-mini',
      apiKey: 'sk-test-not-a-real-key',
      configuration: { baseURL: provider().openaiBaseURL },
      maxRetries: 0,
    });
    const { items, error } = await drain(await model.stream(QUESTION));
    expect(error).toBeUndefined();
    expect(items.map(chunk => chunk.content).join('')).toBe(ANSWER);
    expect(items.find(chunk => chunk.usage_metadata)?.usage_metadata).toMatchObject({
      input_tokens: 21,
      output_tokens: 13,
    });
  });
});
